// Sizes of DNP3 object data by group and variation (IEEE 1815 clause A), for skipping object data.
#pragma once

#include <array>
#include <cstdint>

namespace fg::dnp3 {

enum class SizeKind : std::uint8_t {
  Unknown,  // variable-size or unsupported: the object walk stops here
  Octets,   // `n` octets per object
  Bits,     // `n` bits per object, packed (bit strings of g1v1, g3v1, g10v1, g12v3, g80v1)
  Empty,    // no object data ever (class objects g60)
  Attribute,  // device attribute (g0): data type octet, then length octet and value unless
              // the type is 0 (placeholder, as tshark reads it)
};

struct ObjectSize {
  SizeKind kind = SizeKind::Unknown;
  std::uint8_t n = 0;
};

namespace detail {

struct SizeEntry {
  std::uint8_t group, variation;
  SizeKind kind;
  std::uint8_t n;
};

constexpr SizeKind O = SizeKind::Octets;
constexpr SizeKind B = SizeKind::Bits;
constexpr SizeKind E = SizeKind::Empty;

// Fixed sizes from the object library (flags octet + value [+ 48-bit time or 16-bit relative time]).
inline constexpr SizeEntry kSizes[] = {
    {1, 1, B, 1},  {1, 2, O, 1},                                                  // binary input
    {2, 1, O, 1},  {2, 2, O, 7},  {2, 3, O, 3},                                   // binary input event
    {3, 1, B, 2},  {3, 2, O, 1},                                                  // double-bit input
    {4, 1, O, 1},  {4, 2, O, 7},  {4, 3, O, 3},                                   // double-bit event
    {10, 1, B, 1}, {10, 2, O, 1},                                                 // binary output
    {11, 1, O, 1}, {11, 2, O, 7},                                                 // binary output event
    {12, 1, O, 11}, {12, 2, O, 11}, {12, 3, B, 1},                                // CROB, PCB, mask
    {13, 1, O, 1}, {13, 2, O, 7},                                                 // command event
    {20, 1, O, 5}, {20, 2, O, 3}, {20, 3, O, 5}, {20, 4, O, 3},                   // counter
    {20, 5, O, 4}, {20, 6, O, 2}, {20, 7, O, 4}, {20, 8, O, 2},
    {21, 1, O, 5}, {21, 2, O, 3}, {21, 3, O, 5}, {21, 4, O, 3},                   // frozen counter
    {21, 5, O, 11}, {21, 6, O, 9}, {21, 7, O, 11}, {21, 8, O, 9},
    {21, 9, O, 4}, {21, 10, O, 2}, {21, 11, O, 4}, {21, 12, O, 2},
    {22, 1, O, 5}, {22, 2, O, 3}, {22, 3, O, 5}, {22, 4, O, 3},                   // counter event
    {22, 5, O, 11}, {22, 6, O, 9}, {22, 7, O, 11}, {22, 8, O, 9},
    {23, 1, O, 5}, {23, 2, O, 3}, {23, 3, O, 5}, {23, 4, O, 3},                   // frozen counter event
    {23, 5, O, 11}, {23, 6, O, 9}, {23, 7, O, 11}, {23, 8, O, 9},
    {30, 1, O, 5}, {30, 2, O, 3}, {30, 3, O, 4}, {30, 4, O, 2},                   // analog input
    {30, 5, O, 5}, {30, 6, O, 9},
    {31, 1, O, 5}, {31, 2, O, 3}, {31, 3, O, 11}, {31, 4, O, 9},                  // frozen analog
    {31, 5, O, 4}, {31, 6, O, 2}, {31, 7, O, 5}, {31, 8, O, 9},
    {32, 1, O, 5}, {32, 2, O, 3}, {32, 3, O, 11}, {32, 4, O, 9},                  // analog event
    {32, 5, O, 5}, {32, 6, O, 9}, {32, 7, O, 11}, {32, 8, O, 15},
    {33, 1, O, 5}, {33, 2, O, 3}, {33, 3, O, 11}, {33, 4, O, 9},                  // frozen analog event
    {33, 5, O, 5}, {33, 6, O, 9}, {33, 7, O, 11}, {33, 8, O, 15},
    {34, 1, O, 2}, {34, 2, O, 4}, {34, 3, O, 4},                                  // analog deadband
    {40, 1, O, 5}, {40, 2, O, 3}, {40, 3, O, 5}, {40, 4, O, 9},                   // analog output status
    {41, 1, O, 5}, {41, 2, O, 3}, {41, 3, O, 5}, {41, 4, O, 9},                   // analog output block
    {42, 1, O, 5}, {42, 2, O, 3}, {42, 3, O, 11}, {42, 4, O, 9},                  // analog output event
    {42, 5, O, 5}, {42, 6, O, 9}, {42, 7, O, 11}, {42, 8, O, 15},
    {43, 1, O, 5}, {43, 2, O, 3}, {43, 3, O, 11}, {43, 4, O, 9},                  // analog command event
    {43, 5, O, 5}, {43, 6, O, 9}, {43, 7, O, 11}, {43, 8, O, 15},
    {50, 1, O, 6}, {50, 2, O, 10}, {50, 3, O, 6}, {50, 4, O, 11},                 // time and date
    {51, 1, O, 6}, {51, 2, O, 6},                                                 // common time of occurrence
    {52, 1, O, 2}, {52, 2, O, 2},                                                 // time delay
    {60, 1, E, 0}, {60, 2, E, 0}, {60, 3, E, 0}, {60, 4, E, 0},                   // class data
    {80, 1, B, 1},                                                                // internal indications
    {101, 1, O, 2}, {101, 2, O, 4}, {101, 3, O, 8},                               // BCD
    {102, 1, O, 1},                                                               // unsigned integer
    {120, 3, O, 6}, {120, 4, O, 2},                                               // auth aggressive / key status request
};

inline constexpr std::uint8_t kMaxTableVariation = 16;

inline constexpr auto kSizeIndex = [] {
  std::array<std::array<ObjectSize, kMaxTableVariation>, 256> t{};
  for (const SizeEntry& e : kSizes) t[e.group][e.variation] = ObjectSize{e.kind, e.n};
  return t;
}();

}  // namespace detail

// Octet strings and virtual terminal objects (g110-g113) carry their length in the variation.
constexpr ObjectSize object_size(std::uint8_t group, std::uint8_t variation) noexcept {
  if (group == 0) return variation >= 254 ? ObjectSize{SizeKind::Empty, 0} : ObjectSize{SizeKind::Attribute, 0};
  if (group >= 110 && group <= 113) return variation == 0 ? ObjectSize{} : ObjectSize{SizeKind::Octets, variation};
  if (variation >= detail::kMaxTableVariation) return {};
  return detail::kSizeIndex[group][variation];
}

}  // namespace fg::dnp3

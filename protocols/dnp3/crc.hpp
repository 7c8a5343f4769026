// CRC-16/DNP (IEEE 1815 clause 9.2.1.2.5): the check on the link header and on each data block.
#pragma once

#include <array>
#include <cstdint>

#include "protocols/common/bytes.hpp"

namespace fg::dnp3 {

// Polynomial 0x3D65, processed reflected (0xA6BC), init 0, final complement.
inline constexpr std::array<std::uint16_t, 256> kCrcTable = [] {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    std::uint16_t c = static_cast<std::uint16_t>(i);
    for (int b = 0; b < 8; ++b) c = (c & 1U) ? static_cast<std::uint16_t>((c >> 1) ^ 0xA6BCU) : static_cast<std::uint16_t>(c >> 1);
    t[i] = c;
  }
  return t;
}();

constexpr std::uint16_t crc16(proto::Bytes data) noexcept {
  std::uint16_t c = 0;
  for (std::uint8_t b : data) c = static_cast<std::uint16_t>((c >> 8) ^ kCrcTable[(c ^ b) & 0xFFU]);
  return static_cast<std::uint16_t>(~c);
}

// The CRC follows its block least significant octet first.
constexpr bool crc_matches(proto::Bytes block, std::uint8_t lo, std::uint8_t hi) noexcept {
  return crc16(block) == static_cast<std::uint16_t>(lo | (hi << 8));
}

}  // namespace fg::dnp3

// CRC-16/DNP (IEEE 1815 clause 9.2.1.2.5): the check on the link header and on each data block.
#pragma once

#include <array>
#include <cstddef>
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

// Slicing by 8 (Intel's "slicing-by-N" for reflected CRCs): kCrcSlices[k][i] is the CRC
// register after byte i followed by k zero bytes, so eight input bytes fold in with eight
// independent table loads instead of a chain of eight dependent ones. Every DNP3 frame is
// checked block by block (8-byte header, 16-byte data blocks), and the byte-wise loop was
// a quarter of the DNP3 parser's instructions.
inline constexpr std::array<std::array<std::uint16_t, 256>, 8> kCrcSlices = [] {
  std::array<std::array<std::uint16_t, 256>, 8> t{};
  t[0] = kCrcTable;
  for (unsigned k = 1; k < 8; ++k)
    for (unsigned i = 0; i < 256; ++i)
      t[k][i] = static_cast<std::uint16_t>((t[k - 1][i] >> 8) ^ kCrcTable[t[k - 1][i] & 0xFFU]);
  return t;
}();

constexpr std::uint16_t crc16(proto::Bytes data) noexcept {
  std::uint16_t c = 0;
  std::size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    const std::uint8_t* p = data.data() + i;
    // The 16-bit register overlaps the first two bytes of the group.
    const unsigned b0 = (p[0] ^ c) & 0xFFU, b1 = (p[1] ^ (c >> 8)) & 0xFFU;
    c = static_cast<std::uint16_t>(kCrcSlices[7][b0] ^ kCrcSlices[6][b1] ^ kCrcSlices[5][p[2]] ^ kCrcSlices[4][p[3]] ^
                                   kCrcSlices[3][p[4]] ^ kCrcSlices[2][p[5]] ^ kCrcSlices[1][p[6]] ^ kCrcSlices[0][p[7]]);
  }
  for (; i < data.size(); ++i) c = static_cast<std::uint16_t>((c >> 8) ^ kCrcTable[(c ^ data[i]) & 0xFFU]);
  return static_cast<std::uint16_t>(~c);
}

// The CRC follows its block least significant octet first.
constexpr bool crc_matches(proto::Bytes block, std::uint8_t lo, std::uint8_t hi) noexcept {
  return crc16(block) == static_cast<std::uint16_t>(lo | (hi << 8));
}

}  // namespace fg::dnp3

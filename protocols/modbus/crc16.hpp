// CRC-16/MODBUS (poly 0x8005 reflected = 0xA001, init 0xFFFF), table-driven.
#pragma once

#include <array>
#include <cstdint>

#include "protocols/common/bytes.hpp"

namespace fg::modbus {

namespace detail {
constexpr std::array<std::uint16_t, 256> make_crc16_table() noexcept {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    std::uint16_t c = static_cast<std::uint16_t>(i);
    for (int b = 0; b < 8; ++b) c = (c & 1u) ? static_cast<std::uint16_t>((c >> 1) ^ 0xA001u) : static_cast<std::uint16_t>(c >> 1);
    t[i] = c;
  }
  return t;
}
inline constexpr auto kCrc16Table = make_crc16_table();
}  // namespace detail

// Modbus over Serial Line V1.02, 6.2.2: the CRC is sent low byte first.
constexpr std::uint16_t crc16_modbus(proto::Bytes data) noexcept {
  std::uint16_t crc = 0xFFFF;
  for (std::uint8_t b : data) crc = static_cast<std::uint16_t>((crc >> 8) ^ detail::kCrc16Table[(crc ^ b) & 0xFFu]);
  return crc;
}

}  // namespace fg::modbus

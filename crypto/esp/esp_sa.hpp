// A security association as configured: SPI, direction, AES-256-GCM key and salt (RFC 4106), ESN.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace fg::esp {

inline constexpr std::size_t kKeyBytes = 32;   // AES-256
inline constexpr std::size_t kSaltBytes = 4;   // RFC 4106 §8.1: the last 4 bytes of the keying material
inline constexpr std::size_t kIvBytes = 8;     // RFC 4106 §3.1: explicit per-packet IV
inline constexpr std::size_t kIcvBytes = 16;   // RFC 4106 §6: the 16-byte ICV (the only one we speak)
inline constexpr std::size_t kHeaderBytes = 8; // SPI + sequence number (RFC 4303 §2)
// Everything ESP adds in front of the protected payload.
inline constexpr std::size_t kPrefixBytes = kHeaderBytes + kIvBytes;

enum class Direction : std::uint8_t { Out, In };

struct SaSpec {
  std::uint32_t spi = 0;
  Direction dir = Direction::Out;
  std::array<std::uint8_t, kKeyBytes> key{};
  std::array<std::uint8_t, kSaltBytes> salt{};
  bool esn = true;  // 64-bit extended sequence numbers (RFC 4303 §2.2.1)
};

// Overwrites key and salt so that copies of a spec do not linger in freed memory.
void wipe(SaSpec& spec) noexcept;

// An SPI as messages and tables show it (0x0000abcd), as tshark and `ip xfrm` do.
inline std::string spi_text(std::uint32_t spi) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", spi);
  return b;
}

}  // namespace fg::esp

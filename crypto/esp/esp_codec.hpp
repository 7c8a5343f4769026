// ESP with AES-256-GCM (RFC 4303 + RFC 4106) on a buffer in place: header, explicit IV,
// padding, pad length, next header, ICV. The caller owns framing (outer IP, Ethernet).
#pragma once

#include <cstdint>

#include "crypto/esp/esp_sa.hpp"
#include "crypto/esp/gcm_context.hpp"

namespace fg::esp {

// IANA protocol numbers carried in the Next Header field.
inline constexpr std::uint8_t kNextIpv4 = 4;
inline constexpr std::uint8_t kNextIpv6 = 41;
inline constexpr std::uint8_t kNextNone = 59;  // dummy packet (RFC 4303 §2.6): discarded

// Padding so that payload + pad length + next header ends on a 4-byte boundary (RFC 4303 §2.4;
// GCM itself needs no block alignment, RFC 4106 §3.2).
[[nodiscard]] constexpr std::uint32_t pad_bytes(std::uint32_t payload_len) noexcept {
  return (4u - ((payload_len + 2u) & 3u)) & 3u;
}
// Bytes ESP adds behind the payload: padding, pad length, next header, ICV.
[[nodiscard]] constexpr std::uint32_t trailer_bytes(std::uint32_t payload_len) noexcept {
  return pad_bytes(payload_len) + 2u + static_cast<std::uint32_t>(kIcvBytes);
}

struct SealParams {
  std::uint32_t spi = 0;
  std::uint64_t seq = 0;  // full (extended) sequence number; also the explicit IV
  bool esn = true;
  const std::uint8_t* salt = nullptr;  // kSaltBytes
  std::uint8_t next_header = kNextIpv4;
};

// `esp` points at kPrefixBytes of room followed by `payload_len` payload bytes and at least
// trailer_bytes(payload_len) bytes of room. Writes header, IV and trailer, encrypts in place.
// Returns the ESP length (header to ICV), 0 when the cipher fails.
std::uint32_t seal(GcmContext& gcm, const SealParams& p, std::uint8_t* esp, std::uint32_t payload_len) noexcept;

// The clear fields of an ESP packet.
struct Header {
  std::uint32_t spi = 0;
  std::uint32_t seq_low = 0;
};

enum class OpenStatus : std::uint8_t { Ok, Malformed, Auth, BadPadding };

struct Opened {
  OpenStatus status = OpenStatus::Malformed;
  std::uint32_t payload_len = 0;  // payload starts at esp + kPrefixBytes
  std::uint8_t next_header = 0;
};

// Reads SPI and sequence number; false when `len` cannot hold even an empty GCM ESP packet
// or the encrypted part is not 4-byte aligned (RFC 4303 §2.4).
bool parse_header(const std::uint8_t* esp, std::uint32_t len, Header& out) noexcept;

// Authenticates and decrypts in place the ESP packet `esp` of `len` bytes whose full sequence
// number is `seq`; checks padding (RFC 4303 §2.4: bytes 1, 2, 3, ...).
Opened open(GcmContext& gcm, const std::uint8_t* salt, bool esn, std::uint64_t seq, std::uint8_t* esp,
            std::uint32_t len) noexcept;

}  // namespace fg::esp

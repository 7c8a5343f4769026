#include "crypto/esp/esp_codec.hpp"

#include <cstring>

namespace fg::esp {

namespace {

void put32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t get32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// RFC 4106 §5: AAD is SPI || seq (8 bytes) or, with ESN, SPI || seq high || seq low (12 bytes).
std::uint32_t make_aad(std::uint8_t* aad, std::uint32_t spi, std::uint64_t seq, bool esn) noexcept {
  put32(aad, spi);
  if (esn) {
    put32(aad + 4, static_cast<std::uint32_t>(seq >> 32));
    put32(aad + 8, static_cast<std::uint32_t>(seq));
    return 12;
  }
  put32(aad + 4, static_cast<std::uint32_t>(seq));
  return 8;
}

}  // namespace

std::uint32_t seal(GcmContext& gcm, const SealParams& p, std::uint8_t* esp, std::uint32_t payload_len) noexcept {
  put32(esp, p.spi);
  put32(esp + 4, static_cast<std::uint32_t>(p.seq));
  // The explicit IV is the 64-bit sequence number: unique per packet under one key, which is
  // all RFC 4106 §3.1 asks, and never a second counter to keep.
  std::uint8_t* iv = esp + kHeaderBytes;
  put32(iv, static_cast<std::uint32_t>(p.seq >> 32));
  put32(iv + 4, static_cast<std::uint32_t>(p.seq));

  std::uint8_t* payload = esp + kPrefixBytes;
  const std::uint32_t pad = pad_bytes(payload_len);
  std::uint8_t* t = payload + payload_len;
  for (std::uint32_t i = 0; i < pad; ++i) t[i] = static_cast<std::uint8_t>(i + 1);  // RFC 4303 §2.4
  t[pad] = static_cast<std::uint8_t>(pad);
  t[pad + 1] = p.next_header;
  const std::uint32_t plain = payload_len + pad + 2;

  std::uint8_t nonce[kNonceBytes];
  std::memcpy(nonce, p.salt, kSaltBytes);
  std::memcpy(nonce + kSaltBytes, iv, kIvBytes);
  std::uint8_t aad[12];
  const std::uint32_t aad_len = make_aad(aad, p.spi, p.seq, p.esn);
  if (!gcm.seal(nonce, aad, aad_len, payload, plain, payload + plain)) return 0;
  return static_cast<std::uint32_t>(kPrefixBytes) + plain + static_cast<std::uint32_t>(kIcvBytes);
}

bool parse_header(const std::uint8_t* esp, std::uint32_t len, Header& out) noexcept {
  constexpr std::uint32_t kMin = kPrefixBytes + 2 + kIcvBytes;
  if (len < kMin) return false;
  if (((len - kPrefixBytes - kIcvBytes) & 3u) != 0) return false;
  out.spi = get32(esp);
  out.seq_low = get32(esp + 4);
  return true;
}

Opened open(GcmContext& gcm, const std::uint8_t* salt, bool esn, std::uint64_t seq, std::uint8_t* esp,
            std::uint32_t len) noexcept {
  Opened r;
  Header h;
  if (!parse_header(esp, len, h)) return r;
  const std::uint32_t ct_len = len - static_cast<std::uint32_t>(kPrefixBytes + kIcvBytes);
  std::uint8_t nonce[kNonceBytes];
  std::memcpy(nonce, salt, kSaltBytes);
  std::memcpy(nonce + kSaltBytes, esp + kHeaderBytes, kIvBytes);
  std::uint8_t aad[12];
  const std::uint32_t aad_len = make_aad(aad, h.spi, seq, esn);
  std::uint8_t* ct = esp + kPrefixBytes;
  if (!gcm.open(nonce, aad, aad_len, ct, ct_len, ct + ct_len)) {
    r.status = OpenStatus::Auth;
    return r;
  }
  const std::uint8_t pad = ct[ct_len - 2];
  r.next_header = ct[ct_len - 1];
  if (std::uint32_t{pad} + 2 > ct_len) {
    r.status = OpenStatus::BadPadding;
    return r;
  }
  r.payload_len = ct_len - 2 - pad;
  for (std::uint32_t i = 0; i < pad; ++i) {
    if (ct[r.payload_len + i] != static_cast<std::uint8_t>(i + 1)) {
      r.status = OpenStatus::BadPadding;
      return r;
    }
  }
  r.status = OpenStatus::Ok;
  return r;
}

}  // namespace fg::esp

// One AES-256-GCM key ready for per-packet use: OpenSSL 3 EVP (AES-NI, PCLMULQDQ), key schedule
// expanded once, only the nonce set per packet. One per SA, direction and worker: EVP contexts
// are not shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/esp/esp_sa.hpp"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace fg::esp {

inline constexpr std::size_t kNonceBytes = kSaltBytes + kIvBytes;  // RFC 4106 §4

class GcmContext {
 public:
  GcmContext() = default;
  ~GcmContext();
  GcmContext(const GcmContext&) = delete;
  GcmContext& operator=(const GcmContext&) = delete;
  GcmContext(GcmContext&& o) noexcept : ctx_(o.ctx_), encrypt_(o.encrypt_) { o.ctx_ = nullptr; }
  GcmContext& operator=(GcmContext&& o) noexcept;

  // Allocates the EVP context and expands the key (control plane). False when OpenSSL fails.
  bool init(const std::uint8_t (&key)[kKeyBytes], bool encrypt) noexcept;
  bool init(const std::uint8_t* key, bool encrypt) noexcept;
  [[nodiscard]] bool ready() const noexcept { return ctx_ != nullptr; }

  // Encrypts `data` in place and writes the 16-byte tag. Hot path: no allocation.
  bool seal(const std::uint8_t* nonce, const std::uint8_t* aad, std::size_t aad_len, std::uint8_t* data,
            std::size_t len, std::uint8_t* tag) noexcept;
  // Decrypts in place; false when the tag does not authenticate `aad` and the ciphertext (the
  // buffer then holds unauthenticated bytes and must be dropped).
  bool open(const std::uint8_t* nonce, const std::uint8_t* aad, std::size_t aad_len, std::uint8_t* data,
            std::size_t len, const std::uint8_t* tag) noexcept;

 private:
  EVP_CIPHER_CTX* ctx_ = nullptr;
  bool encrypt_ = true;
};

}  // namespace fg::esp

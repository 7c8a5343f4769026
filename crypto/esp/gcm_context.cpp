#include "crypto/esp/gcm_context.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>

namespace fg::esp {

namespace {

// Fetched once: an explicit fetch avoids the provider lookup an implicit EVP_aes_256_gcm() does
// on every init.
EVP_CIPHER* aes_256_gcm() noexcept {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

}  // namespace

void wipe(SaSpec& spec) noexcept {
  OPENSSL_cleanse(spec.key.data(), spec.key.size());
  OPENSSL_cleanse(spec.salt.data(), spec.salt.size());
}

GcmContext::~GcmContext() { EVP_CIPHER_CTX_free(ctx_); }  // frees (and clears) the key schedule

GcmContext& GcmContext::operator=(GcmContext&& o) noexcept {
  if (this != &o) {
    EVP_CIPHER_CTX_free(ctx_);
    ctx_ = o.ctx_;
    encrypt_ = o.encrypt_;
    o.ctx_ = nullptr;
  }
  return *this;
}

bool GcmContext::init(const std::uint8_t (&key)[kKeyBytes], bool encrypt) noexcept {
  return init(static_cast<const std::uint8_t*>(key), encrypt);
}

bool GcmContext::init(const std::uint8_t* key, bool encrypt) noexcept {
  EVP_CIPHER_CTX_free(ctx_);
  ctx_ = EVP_CIPHER_CTX_new();
  encrypt_ = encrypt;
  EVP_CIPHER* cipher = aes_256_gcm();
  if (ctx_ == nullptr || cipher == nullptr) return false;
  const int ok = encrypt ? EVP_EncryptInit_ex2(ctx_, cipher, key, nullptr, nullptr)
                         : EVP_DecryptInit_ex2(ctx_, cipher, key, nullptr, nullptr);
  if (ok != 1) {
    EVP_CIPHER_CTX_free(ctx_);
    ctx_ = nullptr;
    return false;
  }
  return true;
}

bool GcmContext::seal(const std::uint8_t* nonce, const std::uint8_t* aad, std::size_t aad_len, std::uint8_t* data,
                      std::size_t len, std::uint8_t* tag) noexcept {
  if (ctx_ == nullptr || !encrypt_ || len > INT_MAX || aad_len > INT_MAX) return false;
  int out = 0;
  // A nonce-only re-init keeps the expanded key: no key schedule per packet.
  if (EVP_EncryptInit_ex2(ctx_, nullptr, nullptr, nonce, nullptr) != 1) return false;
  if (EVP_EncryptUpdate(ctx_, nullptr, &out, aad, static_cast<int>(aad_len)) != 1) return false;
  if (len > 0 && EVP_EncryptUpdate(ctx_, data, &out, data, static_cast<int>(len)) != 1) return false;
  if (EVP_EncryptFinal_ex(ctx_, data + out, &out) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kIcvBytes), tag) == 1;
}

bool GcmContext::open(const std::uint8_t* nonce, const std::uint8_t* aad, std::size_t aad_len, std::uint8_t* data,
                      std::size_t len, const std::uint8_t* tag) noexcept {
  if (ctx_ == nullptr || encrypt_ || len > INT_MAX || aad_len > INT_MAX) return false;
  int out = 0;
  if (EVP_DecryptInit_ex2(ctx_, nullptr, nullptr, nonce, nullptr) != 1) return false;
  if (EVP_DecryptUpdate(ctx_, nullptr, &out, aad, static_cast<int>(aad_len)) != 1) return false;
  if (len > 0 && EVP_DecryptUpdate(ctx_, data, &out, data, static_cast<int>(len)) != 1) return false;
  // OpenSSL copies the tag into the context; the const_cast only satisfies the old signature.
  if (EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kIcvBytes), const_cast<std::uint8_t*>(tag)) != 1)
    return false;
  return EVP_DecryptFinal_ex(ctx_, data + out, &out) == 1;
}

}  // namespace fg::esp

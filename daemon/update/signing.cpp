#include "daemon/update/signing.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <openssl/pem.h>

#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace fg::update {

namespace {

EVP_PKEY* as_pkey(void* p) { return static_cast<EVP_PKEY*>(p); }

// fopen with O_EXCL and a mode, so a key file is never world-readable even for an instant.
FILE* create_exclusive(const std::string& path, mode_t mode, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    error = path + ": cannot create (exists already, or no permission)";
    return nullptr;
  }
  FILE* f = ::fdopen(fd, "w");
  if (!f) ::close(fd);
  return f;
}

}  // namespace

Digest sha256(std::span<const std::uint8_t> data) {
  Digest d{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

KeyId key_id(const PublicKey& pub) {
  const Digest d = sha256(pub);
  KeyId id{};
  std::copy_n(d.begin(), id.size(), id.begin());
  return id;
}

bool ed25519_verify(const PublicKey& pub, std::span<const std::uint8_t> msg, const Signature& sig) {
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), pub.size());
  if (!pkey) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
            EVP_DigestVerify(ctx, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return ok;
}

SigningKey::~SigningKey() { EVP_PKEY_free(as_pkey(pkey_)); }

bool SigningKey::generate(std::string& error) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!k) {
    error = "Ed25519 key generation failed";
    return false;
  }
  EVP_PKEY_free(as_pkey(pkey_));
  pkey_ = k;
  return true;
}

bool SigningKey::load_pem(const std::string& path, std::string& error) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) {
    error = path + ": cannot read the key file";
    return false;
  }
  EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(k);
    error = path + ": not an Ed25519 private key in PEM (PKCS#8)";
    return false;
  }
  EVP_PKEY_free(as_pkey(pkey_));
  pkey_ = k;
  return true;
}

bool SigningKey::save_pem(const std::string& path, std::string& error) const {
  FILE* f = create_exclusive(path, 0600, error);
  if (!f) return false;
  const bool ok = PEM_write_PrivateKey(f, as_pkey(pkey_), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) error = path + ": write failed";
  return ok && closed;
}

PublicKey SigningKey::public_key() const {
  PublicKey pub{};
  std::size_t len = pub.size();
  EVP_PKEY_get_raw_public_key(as_pkey(pkey_), pub.data(), &len);
  return pub;
}

bool SigningKey::sign(std::span<const std::uint8_t> msg, Signature& out) const {
  if (!pkey_) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = out.size();
  const bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, as_pkey(pkey_)) == 1 &&
                  EVP_DigestSign(ctx, out.data(), &len, msg.data(), msg.size()) == 1 && len == out.size();
  EVP_MD_CTX_free(ctx);
  return ok;
}

bool load_public_pem(const std::string& path, PublicKey& out, std::string& error) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) {
    error = path + ": cannot read the public key file";
    return false;
  }
  EVP_PKEY* k = PEM_read_PUBKEY(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  std::size_t len = out.size();
  const bool ok = k && EVP_PKEY_get_id(k) == EVP_PKEY_ED25519 &&
                  EVP_PKEY_get_raw_public_key(k, out.data(), &len) == 1 && len == out.size();
  EVP_PKEY_free(k);
  if (!ok) error = path + ": not an Ed25519 public key in PEM";
  return ok;
}

bool save_public_pem(const std::string& path, const PublicKey& pub, std::string& error) {
  EVP_PKEY* k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), pub.size());
  FILE* f = k ? create_exclusive(path, 0644, error) : nullptr;
  bool ok = f && PEM_write_PUBKEY(f, k) == 1;
  if (f) ok = (std::fclose(f) == 0) && ok;
  EVP_PKEY_free(k);
  if (!ok && error.empty()) error = path + ": write failed";
  return ok;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

bool from_hex(std::string_view hex, std::span<std::uint8_t> out) {
  if (hex.size() != out.size() * 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace fg::update

// Ed25519 signatures and SHA-256 digests for update bundles (OpenSSL 3 EVP), and the PEM key
// files the console and the gateway keep. Nothing here logs key material.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fg::update {

using PublicKey = std::array<std::uint8_t, 32>;   // raw Ed25519 public key (RFC 8032)
using Signature = std::array<std::uint8_t, 64>;
using Digest = std::array<std::uint8_t, 32>;      // SHA-256
using KeyId = std::array<std::uint8_t, 16>;       // first 16 bytes of SHA-256(raw public key)

Digest sha256(std::span<const std::uint8_t> data);
KeyId key_id(const PublicKey& pub);

// RFC 8032 verification of `sig` over `msg` with `pub`.
bool ed25519_verify(const PublicKey& pub, std::span<const std::uint8_t> msg, const Signature& sig);

// A private key loaded from a PEM file (PKCS#8, as `openssl genpkey -algorithm ed25519` writes).
class SigningKey {
 public:
  SigningKey() = default;
  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  bool generate(std::string& error);
  bool load_pem(const std::string& path, std::string& error);
  // Writes the private key with mode 0600 (refuses to overwrite an existing file).
  bool save_pem(const std::string& path, std::string& error) const;
  [[nodiscard]] PublicKey public_key() const;
  bool sign(std::span<const std::uint8_t> msg, Signature& out) const;

 private:
  void* pkey_ = nullptr;  // EVP_PKEY*, kept opaque so callers need no OpenSSL headers
};

// Public key PEM files (SubjectPublicKeyInfo, as `openssl pkey -pubout` writes).
bool load_public_pem(const std::string& path, PublicKey& out, std::string& error);
bool save_public_pem(const std::string& path, const PublicKey& pub, std::string& error);

std::string to_hex(std::span<const std::uint8_t> bytes);
// Lower- or upper-case hex of exactly out.size() bytes.
bool from_hex(std::string_view hex, std::span<std::uint8_t> out);

}  // namespace fg::update

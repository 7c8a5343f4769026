// Ed25519 keys for sealing the record chains (OpenSSL). The private key file must be
// readable by its owner only; the key never appears in logs or answers.
#pragma once

#include <memory>
#include <string>

namespace fg::daemon {

// Where a configured key file is: an absolute path as given; a bare name is a systemd
// credential ($CREDENTIALS_DIRECTORY/NAME, see LoadCredential= in fieldguardd.service), which
// lets the key stay readable by root only while the daemon runs as its own user.
std::string resolve_key_path(const std::string& configured);

class SealKey {
 public:
  SealKey();
  ~SealKey();
  SealKey(const SealKey&) = delete;
  SealKey& operator=(const SealKey&) = delete;

  // A PEM private key (PKCS#8). Refused when group or others may read the file.
  bool load_private(const std::string& path, std::string& error);
  // A PEM public key (SubjectPublicKeyInfo).
  bool load_public(const std::string& path, std::string& error);
  // Base64 Ed25519 signature of `msg`; empty on failure.
  [[nodiscard]] std::string sign(const std::string& msg) const;
  [[nodiscard]] bool verify(const std::string& msg, const std::string& sig_base64) const;
  // First 16 hex digits of the SHA-256 of the public key: names the key in seal lines.
  [[nodiscard]] std::string key_id() const;
  [[nodiscard]] bool loaded() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fg::daemon

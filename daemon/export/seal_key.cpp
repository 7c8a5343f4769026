#include "daemon/export/seal_key.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "daemon/export/hash_chain.hpp"

namespace fg::daemon {

std::string resolve_key_path(const std::string& configured) {
  if (configured.empty() || configured.front() == '/') return configured;
  const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
  return dir != nullptr && *dir != '\0' ? std::string(dir) + "/" + configured : configured;
}

struct SealKey::Impl {
  EVP_PKEY* key = nullptr;
  ~Impl() { EVP_PKEY_free(key); }
};

SealKey::SealKey() : impl_(std::make_unique<Impl>()) {}
SealKey::~SealKey() = default;

bool SealKey::loaded() const noexcept { return impl_->key != nullptr; }

namespace {

EVP_PKEY* read_pem(const std::string& path, bool priv, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "re");
  if (f == nullptr) {
    error = "cannot open " + path;
    return nullptr;
  }
  EVP_PKEY* k = priv ? PEM_read_PrivateKey(f, nullptr, nullptr, nullptr) : PEM_read_PUBKEY(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (k == nullptr) {
    error = path + ": not a PEM " + (priv ? "private" : "public") + " key";
    return nullptr;
  }
  if (EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(k);
    error = path + ": not an Ed25519 key";
    return nullptr;
  }
  return k;
}

}  // namespace

bool SealKey::load_private(const std::string& path, std::string& error) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    error = "cannot open " + path;
    return false;
  }
  if ((st.st_mode & 077) != 0) {
    error = path + ": the seal key must be readable by its owner only (chmod 600)";
    return false;
  }
  EVP_PKEY* k = read_pem(path, true, error);
  if (k == nullptr) return false;
  EVP_PKEY_free(impl_->key);
  impl_->key = k;
  return true;
}

bool SealKey::load_public(const std::string& path, std::string& error) {
  EVP_PKEY* k = read_pem(path, false, error);
  if (k == nullptr) return false;
  EVP_PKEY_free(impl_->key);
  impl_->key = k;
  return true;
}

std::string SealKey::sign(const std::string& msg) const {
  if (impl_->key == nullptr) return {};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char sig[64];
  std::size_t len = sizeof sig;
  const bool ok = ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, impl_->key) == 1 &&
                  EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return {};
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), sig, static_cast<int>(len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool SealKey::verify(const std::string& msg, const std::string& sig_base64) const {
  if (impl_->key == nullptr || sig_base64.size() != 88) return false;
  unsigned char sig[66];
  if (EVP_DecodeBlock(sig, reinterpret_cast<const unsigned char*>(sig_base64.data()), 88) != 66) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, impl_->key) == 1 &&
                  EVP_DigestVerify(ctx, sig, 64, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::string SealKey::key_id() const {
  if (impl_->key == nullptr) return {};
  unsigned char raw[32];
  std::size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(impl_->key, raw, &len) != 1) return {};
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(raw), len)).substr(0, 16);
}

}  // namespace fg::daemon

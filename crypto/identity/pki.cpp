#include "crypto/identity/pki.hpp"
#include "crypto/identity/openssl_error.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace fg::crypto {

namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL, X509_CRL_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::string bio_text(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

CertPtr read_cert(const std::string& pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return CertPtr(b ? PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr) : nullptr);
}

KeyPtr read_key(const std::string& pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return KeyPtr(b ? PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr) : nullptr);
}

bool write_pair(X509* cert, EVP_PKEY* key, PemPair& out) {
  BioPtr c(BIO_new(BIO_s_mem())), k(BIO_new(BIO_s_mem()));
  if (!c || !k || PEM_write_bio_X509(c.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(k.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return false;
  out.cert = bio_text(c.get());
  out.key = bio_text(k.get());
  return true;
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool set_serial(X509* cert, std::uint64_t serial) {
  BIGNUM* bn = BN_new();
  bool ok = bn != nullptr;
  if (ok && serial != 0) ok = BN_set_word(bn, serial) == 1;
  else if (ok) ok = BN_rand(bn, 120, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1;  // RFC 5280: positive, <= 20 bytes
  ok = ok && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  return ok;
}

// An unsigned certificate for `key` with subject CN, issued by `issuer` (itself when null).
CertPtr new_cert(EVP_PKEY* key, const std::string& cn, std::int64_t not_before_s, std::int64_t valid_s,
                 std::uint64_t serial, X509* issuer) {
  CertPtr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1 || !set_serial(cert.get(), serial)) return nullptr;
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before_s));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_before_s + valid_s));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  return cert;
}

}  // namespace

bool make_ca(const std::string& common_name, std::int64_t valid_s, PemPair& out, std::string& error) {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return error = openssl_error("cannot generate the CA key"), false;
  CertPtr cert = new_cert(key.get(), common_name, -60, valid_s, 0, nullptr);
  if (!cert || !add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash") ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) == 0 || !write_pair(cert.get(), key.get(), out))
    return error = openssl_error("cannot build the CA certificate"), false;
  return true;
}

bool issue_certificate(const PemPair& ca, const IssueOptions& opt, PemPair& out, std::string& error) {
  CertPtr ca_cert = read_cert(ca.cert);
  KeyPtr ca_key = read_key(ca.key);
  if (!ca_cert || !ca_key) return error = openssl_error("cannot read the CA certificate or key"), false;
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return error = openssl_error("cannot generate a key"), false;
  CertPtr cert = new_cert(key.get(), opt.common_name, opt.not_before_s, opt.valid_s, opt.serial, ca_cert.get());
  std::string san;
  for (const auto& d : opt.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& a : opt.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + a;
  bool ok = cert && add_ext(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
            add_ext(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature") &&
            add_ext(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always");
  if (ok && !opt.no_eku) ok = add_ext(cert.get(), ca_cert.get(), NID_ext_key_usage, opt.server ? "serverAuth" : "clientAuth");
  if (ok && !san.empty()) ok = add_ext(cert.get(), ca_cert.get(), NID_subject_alt_name, san);
  if (!ok || X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0 || !write_pair(cert.get(), key.get(), out))
    return error = openssl_error("cannot issue the certificate"), false;
  return true;
}

bool make_crl(const PemPair& ca, const std::vector<std::string>& revoked_serials_hex, std::int64_t valid_s,
              std::string& crl_pem, std::string& error) {
  CertPtr ca_cert = read_cert(ca.cert);
  KeyPtr ca_key = read_key(ca.key);
  if (!ca_cert || !ca_key) return error = openssl_error("cannot read the CA certificate or key"), false;
  CrlPtr crl(X509_CRL_new());
  if (!crl || X509_CRL_set_version(crl.get(), 1) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca_cert.get())) != 1)
    return error = openssl_error("cannot build the CRL"), false;
  ASN1_TIME* now = ASN1_TIME_adj(nullptr, time(nullptr), 0, 0);
  ASN1_TIME* next = ASN1_TIME_adj(nullptr, time(nullptr), 0, static_cast<long>(valid_s));
  X509_CRL_set1_lastUpdate(crl.get(), now);
  X509_CRL_set1_nextUpdate(crl.get(), next);
  bool ok = true;
  for (const auto& hex : revoked_serials_hex) {
    BIGNUM* bn = nullptr;
    X509_REVOKED* r = X509_REVOKED_new();
    ok = r != nullptr && BN_hex2bn(&bn, hex.c_str()) > 0;
    ASN1_INTEGER* serial = ok ? BN_to_ASN1_INTEGER(bn, nullptr) : nullptr;
    ok = ok && serial != nullptr && X509_REVOKED_set_serialNumber(r, serial) == 1 &&
         X509_REVOKED_set_revocationDate(r, now) == 1 && X509_CRL_add0_revoked(crl.get(), r) == 1;
    if (!ok) X509_REVOKED_free(r);
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    if (!ok) break;
  }
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  if (!ok) return error = "cannot add a revoked serial to the CRL (expected hex serial numbers)", false;
  X509_CRL_sort(crl.get());
  BioPtr b(BIO_new(BIO_s_mem()));
  if (X509_CRL_sign(crl.get(), ca_key.get(), EVP_sha256()) == 0 || !b || PEM_write_bio_X509_CRL(b.get(), crl.get()) != 1)
    return error = openssl_error("cannot sign the CRL"), false;
  crl_pem = bio_text(b.get());
  return true;
}

std::string certificate_serial(const std::string& cert_pem) {
  CertPtr cert = read_cert(cert_pem);
  if (!cert) return "";
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
  char* hex = bn ? BN_bn2hex(bn) : nullptr;
  std::string s = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return s;
}

}  // namespace fg::crypto

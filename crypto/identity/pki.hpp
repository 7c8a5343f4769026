// A plant PKI for plants that have none yet (fieldguardctl pki, tests): a CA, device and
// gateway certificates, and CRLs, all P-256 ECDSA with OpenSSL 3. PEM text in and out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fg::crypto {

struct PemPair {
  std::string cert;
  std::string key;  // PKCS#8, unencrypted: keep the file mode 0600
};

struct IssueOptions {
  std::string common_name;               // a device id for device certificates
  std::vector<std::string> dns_names;    // subjectAltName DNS entries
  std::vector<std::string> ip_addresses; // subjectAltName IP entries
  bool server = false;                   // EKU serverAuth (the gateway) instead of clientAuth (a device)
  bool no_eku = false;                   // tests: a certificate without extended key usage
  std::int64_t not_before_s = -60;       // relative to now
  std::int64_t valid_s = 365 * 86400;    // after not_before
  std::uint64_t serial = 0;              // 0: random
};

bool make_ca(const std::string& common_name, std::int64_t valid_s, PemPair& out, std::string& error);
bool issue_certificate(const PemPair& ca, const IssueOptions& opt, PemPair& out, std::string& error);
// A CRL signed by `ca` listing the given certificates' serial numbers (hex, as
// certificate_serial gives them), valid for valid_s from now.
bool make_crl(const PemPair& ca, const std::vector<std::string>& revoked_serials_hex, std::int64_t valid_s,
              std::string& crl_pem, std::string& error);
// The serial number of a PEM certificate as upper-case hex ("" when unreadable).
std::string certificate_serial(const std::string& cert_pem);

}  // namespace fg::crypto

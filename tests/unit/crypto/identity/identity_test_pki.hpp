// A throwaway plant PKI in a temporary folder for the identity tests: the plant CA, a rogue
// CA, the gateway's certificate and device certificates in every state a refusal covers.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "crypto/identity/pki.hpp"

namespace fg::test {

struct TestPki {
  std::filesystem::path dir;
  crypto::PemPair ca, rogue;

  TestPki() {
    char tmpl[] = "/tmp/fg-identity-test-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    dir = tmpl;
    std::string err;
    if (!crypto::make_ca("plant CA", 86400 * 30, ca, err) || !crypto::make_ca("rogue CA", 86400 * 30, rogue, err))
      throw std::runtime_error(err);
    write("ca.pem", ca.cert);
    crypto::IssueOptions server;
    server.common_name = "fieldguard-gateway";
    server.dns_names = {"fieldguard-gateway"};
    server.ip_addresses = {"127.0.0.1"};
    server.server = true;
    issue("server", server, ca);
    crl({});
  }
  ~TestPki() { std::filesystem::remove_all(dir); }

  std::string path(const std::string& name) const { return (dir / name).string(); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
  }
  // Writes NAME.pem / NAME.key; returns the certificate's serial.
  std::string issue(const std::string& name, const crypto::IssueOptions& o, const crypto::PemPair& by) const {
    crypto::PemPair p;
    std::string err;
    if (!crypto::issue_certificate(by, o, p, err)) throw std::runtime_error(err);
    write(name + ".pem", p.cert);
    write(name + ".key", p.key);
    return crypto::certificate_serial(p.cert);
  }
  std::string device(const std::string& name, const std::string& id, std::int64_t not_before_s = -60,
                     std::int64_t valid_s = 86400, bool rogue_ca = false, bool server_eku = false) const {
    crypto::IssueOptions o;
    o.common_name = id;
    o.not_before_s = not_before_s;
    o.valid_s = valid_s;
    o.server = server_eku;
    return issue(name, o, rogue_ca ? rogue : ca);
  }
  void crl(const std::vector<std::string>& serials) const {
    std::string pem, err;
    if (!crypto::make_crl(ca, serials, 86400, pem, err)) throw std::runtime_error(err);
    write("crl.pem.tmp", pem);
    std::filesystem::rename(dir / "crl.pem.tmp", dir / "crl.pem");
  }
};

}  // namespace fg::test

// The mbedTLS device SDK and fieldguard-device-agent against the gateway's real identity
// service (OpenSSL, the daemon's authority): admitted, refused with the gateway's reason,
// and the SDK's own errors for bad credentials and an untrusted gateway.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "crypto/device-sdk/fieldguard_device.h"
#include "crypto/identity/identity_service.hpp"
#include "daemon/identity/identity_authority.hpp"
#include "identity_test_pki.hpp"

using namespace fg;

namespace {

struct Gateway {
  test::TestPki pki;
  dp::RcuDomain rcu{1};
  dp::Snapshot<dp::IdentityTable> table{rcu};
  std::unique_ptr<daemon::IdentityAuthority> authority;
  crypto::IdentityService service;

  Gateway() {
    pki.device("good", "rtu-7");
    pki.device("expired", "rtu-7", -2 * 86400, 86400);
    pki.device("rogue", "rtu-7", -60, 86400, true);
    const std::string revoked = pki.device("revoked", "rtu-7");
    pki.crl({revoked});
    rules::Inventory inv;
    rules::Device rtu;
    rtu.id = "rtu-7";
    rtu.identity = rules::IdentityKind::Certificate;
    inv.devices.push_back(rtu);
    daemon::IdentitySettings s;
    s.enabled = true;
    s.lease_ns = 4'000'000'000ull;
    s.ca = pki.path("ca.pem");
    authority = std::make_unique<daemon::IdentityAuthority>(
        s, inv, table, [] { return std::uint64_t{0}; },
        [](const dp::IpAddr&, dp::Mac& m) { m = {0x02, 0, 0, 0, 0, 7}; return true; });
    crypto::IdentityServiceConfig c;
    c.listen = "127.0.0.1";
    c.port = 0;
    c.ca_file = pki.path("ca.pem");
    c.crl_file = pki.path("crl.pem");
    c.cert_file = pki.path("server.pem");
    c.key_file = pki.path("server.key");
    std::string err;
    REQUIRE(service.start(c, [this](const crypto::AdmissionRequest& r) { return authority->admit(r); }, err));
  }

  // Runs the agent once as `device`; returns its exit status and first output line.
  std::pair<int, std::string> agent(const std::string& device, const std::string& server_name = "fieldguard-gateway") {
    const char* exe = std::getenv("FG_DEVICE_AGENT");
    REQUIRE(exe != nullptr);
    const std::string cmd = std::string(exe) + " --gateway 127.0.0.1 --port " + std::to_string(service.port()) +
                            " --server-name " + server_name + " --ca " + pki.path("ca.pem") + " --cert " +
                            pki.path(device + ".pem") + " --key " + pki.path(device + ".key") + " --once";
    FILE* p = popen(cmd.c_str(), "r");
    char buf[256] = {};
    std::string out = std::fgets(buf, sizeof buf, p) ? buf : "";
    const int status = pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
  }

  std::string read(const std::string& name) const {
    std::ifstream in(pki.path(name));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

}  // namespace

TEST_CASE("the device agent is admitted with a plant certificate and gets the lease time") {
  Gateway gw;
  const auto [rc, out] = gw.agent("good");
  CHECK(rc == 0);
  CHECK(out == "admitted rtu-7 lease 4s\n");
  CHECK(gw.authority->take_events().at(0).name == "identity.admitted");
}

TEST_CASE("the device agent reports the gateway's refusal reason") {
  Gateway gw;
  CHECK(gw.agent("expired") == std::pair<int, std::string>{1, "refused expired\n"});
  CHECK(gw.agent("rogue") == std::pair<int, std::string>{1, "refused wrong_ca\n"});
  CHECK(gw.agent("revoked") == std::pair<int, std::string>{1, "refused revoked\n"});
}

TEST_CASE("the device agent refuses a gateway whose certificate names another host") {
  Gateway gw;
  const auto [rc, out] = gw.agent("good", "some-other-gateway");
  CHECK(rc == 3);
  CHECK(out.find("gateway's certificate is not trusted") != std::string::npos);
  CHECK(gw.authority->take_events().empty());  // never got as far as asking
}

TEST_CASE("the SDK admits and renews through its C API and names its errors") {
  Gateway gw;
  const std::string ca = gw.read("ca.pem"), cert = gw.read("good.pem"), key = gw.read("good.key");
  const std::string port = std::to_string(gw.service.port());
  fgd_config cfg{};
  cfg.host = "127.0.0.1";
  cfg.port = port.c_str();
  cfg.server_name = "fieldguard-gateway";
  cfg.ca_pem = reinterpret_cast<const unsigned char*>(ca.c_str());
  cfg.ca_pem_len = ca.size() + 1;
  cfg.cert_pem = reinterpret_cast<const unsigned char*>(cert.c_str());
  cfg.cert_pem_len = cert.size() + 1;
  cfg.key_pem = reinterpret_cast<const unsigned char*>(key.c_str());
  cfg.key_pem_len = key.size() + 1;
  fgd_client c;
  REQUIRE(fgd_init(&c, &cfg) == FGD_OK);
  fgd_lease lease;
  CHECK(fgd_admit(&c, &lease) == FGD_OK);
  CHECK(std::string(lease.device) == "rtu-7");
  CHECK(lease.lease_s == 4);
  CHECK(fgd_renew(&c, &lease) == FGD_OK);
  fgd_close(&c);
  const auto ev = gw.authority->take_events();
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].name == "identity.renewed");

  // A key that is not the certificate's.
  const std::string other_key = gw.read("expired.key");
  cfg.key_pem = reinterpret_cast<const unsigned char*>(other_key.c_str());
  cfg.key_pem_len = other_key.size() + 1;
  CHECK(fgd_init(&c, &cfg) == FGD_ERR_CREDENTIALS);
  cfg.key_pem = nullptr;
  CHECK(fgd_init(&c, &cfg) == FGD_ERR_ARGS);
  cfg.key_pem = reinterpret_cast<const unsigned char*>(key.c_str());
  cfg.key_pem_len = key.size() + 1;
  cfg.port = "1";  // nothing listens there
  REQUIRE(fgd_init(&c, &cfg) == FGD_OK);
  CHECK(fgd_admit(&c, &lease) == FGD_ERR_CONNECT);
  fgd_close(&c);
  CHECK(std::string(fgd_strerror(FGD_ERR_REFUSED)) == "the gateway refused admission");
}

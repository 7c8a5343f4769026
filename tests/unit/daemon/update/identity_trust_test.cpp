// A bundle's crl / ca files: checked before anything is swapped (a bad CRL is refused as
// invalid content), refused without an identity service, put in force through the identity
// service's trust reload, and the config's files restored on rollback.
#include <catch2/catch.hpp>

#include <filesystem>

#include "crypto/identity/identity_service.hpp"
#include "daemon/rules/rule_manager.hpp"
#include "daemon/update/bundle_config.hpp"
#include "daemon/update/bundle_store.hpp"
#include "daemon/update/bundle_verify.hpp"
#include "daemon/update/daemon_target.hpp"
#include "../../crypto/identity/identity_test_pki.hpp"
#include "test_bundles.hpp"

using namespace fg;
using namespace fg::update;
using fg::update::test::Console;
using fg::update::test::install;
namespace fs = std::filesystem;

namespace {

std::string crl_listing(const fg::test::TestPki& pki, const std::vector<std::string>& serials) {
  std::string pem, err;
  REQUIRE(crypto::make_crl(pki.ca, serials, 86400, pem, err));
  return pem;
}

}  // namespace

TEST_CASE("a bundle's crl is checked before the swap, put in force by the identity service, restored on rollback") {
  fg::test::TestPki pki;
  const std::string serial_a = pki.device("a", "rtu-1");
  const std::string serial_b = pki.device("b", "rtu-2");
  pki.crl({serial_a});
  BundleStore s((pki.dir / "state").string());
  std::string error;
  REQUIRE(s.open(error));
  Console c;

  daemon::Config cfg;
  cfg.source = "fieldguard.yaml";

  SECTION("without an identity service a crl file is refused") {
    const auto ib = install(s, c, 1, {{"crl.pem", FileRole::Crl, crl_listing(pki, {serial_b})}});
    daemon::Config out;
    daemon::Diagnostics d;
    CHECK_FALSE(compose_config(cfg, &ib, out, d));
    CHECK_THAT(d.str(), Catch::Contains("crl.pem") && Catch::Contains("no identity service"));
  }

  cfg.identity.enabled = true;
  cfg.identity.ca = pki.path("ca.pem");
  cfg.identity.crl = pki.path("crl.pem");
  cfg.identity.server_cert = pki.path("server.pem");
  cfg.identity.server_key = pki.path("server.key");
  crypto::IdentityService service;
  crypto::IdentityServiceConfig sc{};
  sc.listen = "127.0.0.1";
  sc.port = 0;
  sc.ca_file = cfg.identity.ca;
  sc.crl_file = cfg.identity.crl;
  sc.cert_file = cfg.identity.server_cert;
  sc.key_file = cfg.identity.server_key;
  REQUIRE(service.start(sc, [](const crypto::AdmissionRequest&) { return crypto::AdmissionAnswer{}; }, error));
  std::vector<std::string> revoked;  // what the service read from the CRL it put in force
  dp::RcuDomain rcu(1);
  rules::RuleNames names;
  daemon::RuleManager rm(cfg, rcu, names);
  daemon::Diagnostics d0;
  REQUIRE(rm.start(d0));
  DataplaneHooks hooks{&rcu, &rm, [] { return HealthSample{}; }, {},
                       [&](const std::string& ca, const std::string& crl, std::string& err) {
                         return service.reload_trust(ca, crl, revoked, err);
                       }};
  DaemonUpdateTarget target(cfg, hooks);

  SECTION("a bad CRL is refused at validation and nothing is swapped") {
    const auto ib = install(s, c, 2, {{"crl.pem", FileRole::Crl, "-----BEGIN X509 CRL-----\nnot base64\n-----END X509 CRL-----\n"}});
    std::string why;
    CHECK_FALSE(target.validate(&ib, why));
    CHECK_THAT(why, Catch::Contains(ib.dir + "/crl.pem"));
    CHECK(revoked.empty());  // the hook never ran
  }

  SECTION("a good CRL is put in force; the rollback restores identity.crl") {
    const auto ib = install(s, c, 3, {{"crl.pem", FileRole::Crl, crl_listing(pki, {serial_a, serial_b})}});
    std::string why;
    REQUIRE(target.validate(&ib, why));
    REQUIRE(target.apply(&ib, false, why));
    CHECK(revoked.size() == 2);
    // reload_crl (devices reload-crl, the file watch) now reads the bundle's CRL.
    std::vector<std::string> again;
    REQUIRE(service.reload_crl(again, error));
    CHECK(again.size() == 2);
    REQUIRE(target.apply(nullptr, true, why));
    CHECK(revoked.size() == 1);
    REQUIRE(service.reload_crl(again, error));
    CHECK(again.size() == 1);
  }
  service.stop();
}

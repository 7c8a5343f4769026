// The identity: section of the daemon configuration: values load, mistakes name FILE:LINE:COL.
#include <catch2/catch.hpp>

#include "daemon/config/config_loader.hpp"

using namespace fg::daemon;

TEST_CASE("an identity section loads its mode, lease, address and credentials") {
  Config c;
  Diagnostics d;
  REQUIRE(load_config_text(R"(
identity:
  mode: monitor
  lease: 90s
  report_interval: 30s
  listen: 198.18.0.254
  port: 8443
  ca: /pki/ca.pem
  crl: /pki/crl.pem
  server_cert: /pki/gw.pem
  server_key: /pki/gw.key
)", "fg.yaml", c, d));
  CHECK(c.identity.enabled);
  CHECK_FALSE(c.identity.enforce);
  CHECK(c.identity.lease_ns == 90'000'000'000ull);
  CHECK(c.identity.report_interval_ns == 30'000'000'000ull);
  CHECK(c.identity.listen == "198.18.0.254");
  CHECK(c.identity.port == 8443);
  CHECK(c.identity.service());
  CHECK(c.identity.crl == "/pki/crl.pem");
}

TEST_CASE("no identity section: the stage does not run; an empty one runs it in enforce mode") {
  Config c;
  Diagnostics d;
  REQUIRE(load_config_text("control: {socket: /tmp/x.sock}\n", "fg.yaml", c, d));
  CHECK_FALSE(c.identity.enabled);
  REQUIRE(load_config_text("identity:\n", "fg.yaml", c, d));
  CHECK(c.identity.enabled);
  CHECK(c.identity.enforce);
  CHECK_FALSE(c.identity.service());
}

TEST_CASE("identity mistakes name their line and column and what was expected") {
  Config c;
  Diagnostics d;
  CHECK_FALSE(load_config_text(R"(
identity:
  mode: enforcing
  lease: 1s
  listen: gateway.local
  prot: 7443
  ca: /pki/ca.pem
)", "fg.yaml", c, d));
  const std::string e = d.str();
  CHECK(e.find("fg.yaml:3:9: error: identity.mode: expected enforce or monitor, got \"enforcing\"") != std::string::npos);
  CHECK(e.find("fg.yaml:4:10: error: identity.lease: expected a lease between 2s and 168h") != std::string::npos);
  CHECK(e.find("fg.yaml:5:11: error: identity.listen: expected an IPv4 or IPv6 address") != std::string::npos);
  CHECK(e.find("fg.yaml:6:3: error: identity: unknown key \"prot\" (did you mean \"port\"?)") != std::string::npos);
  CHECK(e.find("missing \"server_cert\"") != std::string::npos);
  CHECK(e.find("missing \"server_key\"") != std::string::npos);
}

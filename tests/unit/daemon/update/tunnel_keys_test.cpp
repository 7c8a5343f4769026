// A bundle's tunnel_keys file: stored as a secret (0600), checked with the key file's reader
// before anything is swapped, refused without a tunnel, put in force through the tunnel's
// rekey (new outbound SA, old inbound SAs kept for the grace period), reinstalled on
// rollback, and a refused rekey leaves the SAs in force untouched.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "daemon/rules/rule_manager.hpp"
#include "daemon/tunnel_service.hpp"
#include "daemon/update/bundle_config.hpp"
#include "daemon/update/bundle_store.hpp"
#include "daemon/update/bundle_verify.hpp"
#include "daemon/update/daemon_target.hpp"
#include "test_bundles.hpp"

using namespace fg;
using namespace fg::update;
using fg::update::test::Console;
using fg::update::test::install;
using fg::update::test::TempDir;
namespace fs = std::filesystem;

namespace {

// A distinct AES-256-GCM key + salt per `fill` so that the test can tell SAs apart.
std::string key_hex(char fill) { return "0x" + std::string(64, fill) + "01020304"; }

std::string sas(std::uint32_t out_spi, std::uint32_t in_spi, char fill) {
  return "sas:\n  - {spi: " + std::to_string(out_spi) + ", direction: out, key: \"" + key_hex(fill) +
         "\"}\n  - {spi: " + std::to_string(in_spi) + ", direction: in, key: \"" + key_hex(fill) + "\"}\n";
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

std::vector<std::uint32_t> inbound_spis(const dp::Tunnel& t) {
  std::vector<std::uint32_t> out;
  for (const auto& s : t.table()->in) out.push_back(s->spi);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("tunnel_keys files are stored 0600, other roles 0640") {
  TempDir t;
  Console c;
  BundleStore s(t.path);
  std::string error;
  REQUIRE(s.open(error));
  const auto ib = install(s, c, 1, {{"policy.yaml", FileRole::Config, "acl: {default: allow}\n"},
                                    {"sas.yaml", FileRole::TunnelKeys, sas(0x1002, 0x2002, 'b')}});
  CHECK(mode_of(ib.dir + "/sas.yaml") == 0600);
  CHECK(mode_of(ib.dir + "/policy.yaml") == 0640);
}

TEST_CASE("a tunnel_keys file is refused without a tunnel, and when it does not read as an SA file") {
  TempDir t;
  Console c;
  BundleStore s(t.path);
  std::string error;
  REQUIRE(s.open(error));
  daemon::Config base;
  base.source = "fieldguard.yaml";
  {
    const auto ib = install(s, c, 1, {{"sas.yaml", FileRole::TunnelKeys, sas(0x1002, 0x2002, 'b')}});
    daemon::Config out;
    daemon::Diagnostics d;
    CHECK_FALSE(compose_config(base, &ib, out, d));
    CHECK_THAT(d.str(), Catch::Contains("sas.yaml") && Catch::Contains("no tunnel: configured"));
  }
  base.tunnel.enabled = true;
  {
    const std::string secret = std::string(64, 'c');
    const auto ib = install(s, c, 2, {{"sas.yaml", FileRole::TunnelKeys,
                                       "sas:\n  - {spi: 7, direction: sideways, key: \"0x" + secret + "01020304\"}\n"}});
    daemon::Config out;
    daemon::Diagnostics d;
    CHECK_FALSE(compose_config(base, &ib, out, d));
    CHECK_THAT(d.str(), Catch::Contains(ib.dir + "/sas.yaml:2:"));
    CHECK_THAT(d.str(), !Catch::Contains(secret));  // keys never reach a diagnostic
  }
  {
    const auto ib = install(s, c, 3, {{"sas.yaml", FileRole::TunnelKeys, sas(0x1002, 0x2002, 'b')}});
    daemon::Config out;
    daemon::Diagnostics d;
    REQUIRE(compose_config(base, &ib, out, d));
    CHECK(out.tunnel.sa_file == ib.dir + "/sas.yaml");
  }
}

TEST_CASE("applying a bundle's tunnel_keys rekeys the tunnel; a rollback reinstalls the keys before") {
  TempDir t;
  Console c;
  BundleStore s(t.path);
  std::string error;
  REQUIRE(s.open(error));
  const std::string base_keys = t.path + "/base-sas.yaml";
  std::ofstream(base_keys) << sas(0x1001, 0x2001, 'a');
  ::chmod(base_keys.c_str(), 0600);

  daemon::Config cfg;
  cfg.source = "fieldguard.yaml";
  cfg.tunnel.enabled = true;
  cfg.tunnel.settings.rekey_grace_ns = 30'000'000'000ull;
  cfg.tunnel.sa_file = base_keys;
  dp::RcuDomain rcu(1);
  rules::RuleNames names;
  daemon::RuleManager rm(cfg, rcu, names);
  daemon::Diagnostics d;
  REQUIRE(rm.start(d));
  dp::Tunnel tunnel(cfg.tunnel.settings, rcu, 1);
  std::string summary;
  REQUIRE(daemon::apply_sa_file(tunnel, base_keys, true, 0, summary, error));
  const std::uint64_t now = 5'000'000'000ull;
  DataplaneHooks hooks{&rcu, &rm, [] { return HealthSample{}; },
                       [&](const std::string& f, bool replace, std::string& sum, std::string& err) {
                         return daemon::apply_sa_file(tunnel, f, replace, now, sum, err);
                       }};
  DaemonUpdateTarget target(cfg, hooks);

  // Bundle 1: new keys. The new outbound SA is in force at once; the old inbound SA stays
  // for the grace period beside the new one.
  const auto b1 = install(s, c, 1, {{"sas.yaml", FileRole::TunnelKeys, sas(0x1002, 0x2002, 'b')}});
  std::string why;
  REQUIRE(target.validate(&b1, why));
  REQUIRE(target.apply(&b1, false, why));
  CHECK(tunnel.table()->out->spi == 0x1002);
  CHECK(inbound_spis(tunnel) == std::vector<std::uint32_t>{0x2001, 0x2002});
  for (const auto& in : tunnel.table()->in)
    CHECK(in->expires_mono_ns == (in->spi == 0x2001 ? now + cfg.tunnel.settings.rekey_grace_ns : 0));
  CHECK_THAT(target.describe(), Catch::Contains("tunnel rekeyed"));

  // Bundle 2 carries the same keys again (a console sends every file every time): no rekey.
  const auto b2 = install(s, c, 2, {{"policy.yaml", FileRole::Config, "acl: {default: allow}\n"},
                                    {"keys.yaml", FileRole::TunnelKeys, sas(0x1002, 0x2002, 'b')}});
  REQUIRE(target.apply(&b2, false, why));
  CHECK(tunnel.table()->rekeys == 1);

  // Bundle 3 reuses an SPI in force: the tunnel refuses the rekey, nothing changes.
  const auto b3 = install(s, c, 3, {{"sas.yaml", FileRole::TunnelKeys, sas(0x1002, 0x2003, 'c')}});
  REQUIRE(target.validate(&b3, why));  // a well-formed file: only the tunnel can tell
  CHECK_FALSE(target.apply(&b3, false, why));
  CHECK_THAT(why, Catch::Contains("0x00001002"));
  CHECK_THAT(why, !Catch::Contains(std::string(64, 'c')));
  CHECK(tunnel.table()->out->spi == 0x1002);
  CHECK(inbound_spis(tunnel) == std::vector<std::uint32_t>{0x2001, 0x2002});

  // The agent's rollback re-applies the bundle before with `reverting`: every SA replaced by
  // that bundle's (here: back to the config's key file, which bundle 1 rekeyed away from).
  REQUIRE(target.apply(nullptr, true, why));
  CHECK(tunnel.table()->out->spi == 0x1001);
  CHECK(inbound_spis(tunnel) == std::vector<std::uint32_t>{0x2001});
}

TEST_CASE("without a tunnel hook a bundle's tunnel_keys is refused at validation") {
  TempDir t;
  Console c;
  BundleStore s(t.path);
  std::string error;
  REQUIRE(s.open(error));
  daemon::Config cfg;
  cfg.tunnel.enabled = true;  // configured, but this daemon built no tunnel (hook null)
  dp::RcuDomain rcu(1);
  rules::RuleNames names;
  daemon::RuleManager rm(cfg, rcu, names);
  daemon::Diagnostics d;
  REQUIRE(rm.start(d));
  DaemonUpdateTarget target(cfg, {&rcu, &rm, [] { return HealthSample{}; }, {}});
  const auto b1 = install(s, c, 1, {{"sas.yaml", FileRole::TunnelKeys, sas(0x1002, 0x2002, 'b')}});
  std::string why;
  CHECK_FALSE(target.validate(&b1, why));
  CHECK_THAT(why, Catch::Contains("the daemon runs no tunnel"));
}

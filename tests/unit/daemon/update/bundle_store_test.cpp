// The bundle store: installs are atomic, links switch by rename, damage is detected, and
// the config a bundle yields is checked like any config.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "daemon/update/bundle_config.hpp"
#include "daemon/update/bundle_store.hpp"
#include "daemon/update/bundle_verify.hpp"
#include "test_bundles.hpp"

using namespace fg::update;
using fg::update::test::Console;
using fg::update::test::TempDir;
namespace fs = std::filesystem;

namespace {

InstalledBundle install(BundleStore& s, const Console& c, std::uint64_t v, const std::string& policy) {
  return fg::update::test::install(s, c, v, {{"policy.yaml", FileRole::Config, policy}});
}

}  // namespace

TEST_CASE("install, activate and revert move current and previous; prune keeps only those") {
  TempDir t;
  Console c;
  BundleStore s(t.path);
  std::string error;
  REQUIRE(s.open(error));
  CHECK_FALSE(s.current(error));
  install(s, c, 1, "acl: {default: allow}\n");
  REQUIRE(s.activate(1, error));
  install(s, c, 2, "acl: {default: drop}\n");
  REQUIRE(s.activate(2, error));
  install(s, c, 3, "acl: {default: alert}\n");  // installed, never activated
  CHECK(s.current(error)->version == 2);
  CHECK(s.previous(error)->version == 1);
  s.prune();
  CHECK_FALSE(fs::exists(t.path + "/bundles/3"));
  REQUIRE(s.revert(error));
  CHECK(s.current(error)->version == 1);
  CHECK_FALSE(s.previous(error));
  REQUIRE(s.revert(error));  // the first bundle: back to no bundle at all
  CHECK_FALSE(s.current(error));
  CHECK_FALSE(s.revert(error));
}

TEST_CASE("leftovers of an interrupted install are dropped at open and never reachable") {
  TempDir t;
  Console c;
  {
    BundleStore s(t.path);
    std::string error;
    REQUIRE(s.open(error));
    install(s, c, 1, "acl: {default: allow}\n");
    REQUIRE(s.activate(1, error));
  }
  fs::create_directories(t.path + "/staging/2.install");
  std::ofstream(t.path + "/staging/2.install/policy.yaml") << "half";
  ::symlink("bundles/2", (t.path + "/current.tmp").c_str());
  BundleStore s(t.path);
  std::string error;
  REQUIRE(s.open(error));
  CHECK(fs::is_empty(t.path + "/staging"));
  CHECK_FALSE(fs::exists(fs::symlink_status(t.path + "/current.tmp")));
  CHECK(s.current(error)->version == 1);
}

TEST_CASE("a bundle file damaged on disk makes the bundle unusable, not half-used") {
  TempDir t;
  Console c;
  BundleStore s(t.path);
  std::string error;
  REQUIRE(s.open(error));
  const auto ib = install(s, c, 1, "acl: {default: allow}\n");
  REQUIRE(s.activate(1, error));
  std::ofstream(ib.dir + "/policy.yaml") << "acl: {default: drop}\n";
  error.clear();
  CHECK_FALSE(s.current(error));
  CHECK(error.find("does not match the SHA-256") != std::string::npos);
}

TEST_CASE("state survives reopening") {
  TempDir t;
  BundleStore s(t.path);
  std::string error;
  REQUIRE(s.open(error));
  StoreState st;
  st.highest_version = 9;
  st.added_keys.push_back(PublicKey{1, 2, 3});
  st.revoked_keys.push_back(KeyId{4});
  REQUIRE(s.save_state(st, error));
  StoreState back;
  REQUIRE(BundleStore(t.path).load_state(back, error));
  CHECK(back.highest_version == 9);
  CHECK(back.added_keys == st.added_keys);
  CHECK(back.revoked_keys == st.revoked_keys);
}

TEST_CASE("a bundle's config fragment replaces the ACL; other keys and bad ACLs are refused with FILE:LINE:COL") {
  TempDir t;
  Console c;
  BundleStore s(t.path);
  std::string error;
  REQUIRE(s.open(error));
  fg::daemon::Config base;
  base.source = "fg.yaml";
  base.control_socket = "/run/x.sock";

  const auto good = install(s, c, 1, "acl:\n  default: drop\n  rules:\n    - {name: modbus, action: allow, dst_port: \"502\"}\n");
  fg::daemon::Config out;
  fg::daemon::Diagnostics d;
  REQUIRE(compose_config(base, &good, out, d));
  CHECK(out.acl.default_action == fg::dp::Action::Drop);
  CHECK(out.acl.rules.size() == 1);
  CHECK(out.control_socket == "/run/x.sock");
  CHECK(out.source == "fg.yaml + bundle 1");

  const auto ports = install(s, c, 2, "control:\n  socket: /tmp/evil.sock\n");
  fg::daemon::Diagnostics d2;
  CHECK_FALSE(compose_config(base, &ports, out, d2));
  CHECK(d2.str().find("bundles/2/policy.yaml:1:1: error: control: a bundle may not set this key") != std::string::npos);

  const auto bad = install(s, c, 3, "acl:\n  default: allow\n  rules:\n    - {name: x, action: dorp}\n");
  fg::daemon::Diagnostics d3;
  CHECK_FALSE(compose_config(base, &bad, out, d3));
  INFO(d3.str());
  CHECK(d3.str().find("bundles/3/policy.yaml:4:25: error: acl.rules[0].action: unknown action \"dorp\"") != std::string::npos);
}

TEST_CASE("a bundle's rule file is checked by the rule loader and becomes the policy") {
  TempDir t;
  Console c;
  BundleStore s(t.path);
  std::string error;
  REQUIRE(s.open(error));
  fg::daemon::Config base;
  base.source = "fg.yaml";
  base.acl.rules.push_back({});
  auto install_rules = [&](std::uint64_t v, const std::string& text) {
    const auto bytes = c.bundle(v, {{"rules.yaml", FileRole::Rules, text}});
    VerifiedBundle vb;
    REQUIRE(verify_bundle(bytes, {{c.key.public_key()}, 0}, {"gw-1", {}}, std::time(nullptr), 1 << 20, vb).ok());
    InstalledBundle ib;
    REQUIRE(s.install(vb, ib, error));
    return ib;
  };
  const auto good = install_rules(1, "default_action: drop\nrules:\n  - {name: r1, action: allow, proto: tcp, dst_port: 502}\n");
  fg::daemon::Config out;
  fg::daemon::Diagnostics d;
  REQUIRE(compose_config(base, &good, out, d));
  CHECK(out.rules_path == good.dir + "/rules.yaml");
  CHECK(out.acl.rules.empty());

  const auto bad = install_rules(2, "default_action: drop\nrules:\n  - {name: r1, action: allow, proto: tcpp}\n");
  fg::daemon::Diagnostics d2;
  CHECK_FALSE(compose_config(base, &bad, out, d2));
  INFO(d2.str());
  CHECK(d2.str().find(bad.dir + "/rules.yaml:3:") != std::string::npos);
}

TEST_CASE("at start, a bundle still on trial (health check cut short) gives way to the previous one") {
  TempDir t;
  Console c;
  BundleStore s(t.path);
  std::string error;
  REQUIRE(s.open(error));
  install(s, c, 1, "acl: {default: alert}\n");
  REQUIRE(s.activate(1, error));
  install(s, c, 2, "acl: {default: drop}\n");
  REQUIRE(s.activate(2, error));
  StoreState st;
  st.highest_version = 2;
  st.trial_version = 2;
  REQUIRE(s.save_state(st, error));

  fg::daemon::Config cfg;
  cfg.source = "fg.yaml";
  cfg.update.enabled = true;
  cfg.update.state_dir = t.path;
  const std::string report = use_installed_bundle(cfg);
  INFO(report);
  CHECK(report.find("bundle 2 was on trial") != std::string::npos);
  CHECK(cfg.acl.default_action == fg::dp::Action::Alert);
  CHECK(s.current(error)->version == 1);
  REQUIRE(cfg.update_base);
  CHECK(cfg.update_base->acl.default_action == fg::dp::Action::Allow);

  // Without a trial, the current bundle is used as it is.
  fg::daemon::Config again;
  again.update.enabled = true;
  again.update.state_dir = t.path;
  st.trial_version = 0;
  REQUIRE(s.save_state(st, error));
  use_installed_bundle(again);
  CHECK(again.acl.default_action == fg::dp::Action::Alert);
}

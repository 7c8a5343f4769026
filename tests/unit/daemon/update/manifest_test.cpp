// Manifest parsing (FILE:LINE:COL errors, strict names and times) and the update: settings.
#include <catch2/catch.hpp>

#include "daemon/config/config_loader.hpp"
#include "daemon/update/manifest.hpp"
#include "daemon/update/update_settings.hpp"

using namespace fg::update;

namespace {
std::string errors_of(const std::string& text) {
  Manifest m;
  fg::daemon::Diagnostics d;
  CHECK_FALSE(parse_manifest(text, "m.json", m, d));
  return d.str();
}
const std::string kHash(64, 'a');
}  // namespace

TEST_CASE("a manifest written by manifest_json parses back to the same values") {
  Manifest m;
  m.version = 42;
  m.created = 1'800'000'000;
  m.expires = 1'800'086'400;
  m.gateways = {"gw-1", "gw-2"};
  m.groups = {"plant-a"};
  m.files = {{"policy.yaml", FileRole::Config, 10, {}}, {"keys.bin", FileRole::TunnelKeys, 0, {}}};
  m.files[0].sha256[0] = 0xab;
  m.add_keys.push_back(PublicKey{});
  m.revoke_keys.push_back(KeyId{});
  m.comment = "night \"change\"";
  Manifest back;
  fg::daemon::Diagnostics d;
  REQUIRE(parse_manifest(manifest_json(m), "m.json", back, d));
  CHECK(back.version == 42);
  CHECK(back.created == m.created);
  CHECK(back.expires == m.expires);
  CHECK(back.gateways == m.gateways);
  CHECK(back.groups == m.groups);
  REQUIRE(back.files.size() == 2);
  CHECK(back.files[0].sha256 == m.files[0].sha256);
  CHECK(back.files[1].role == FileRole::TunnelKeys);
  CHECK(back.add_keys.size() == 1);
  CHECK(back.revoke_keys.size() == 1);
  CHECK(back.comment == m.comment);
}

TEST_CASE("manifest errors name line and column") {
  const std::string e = errors_of("{\"format\":1,\"version\":3,\"created\":\"2026-01-01T00:00:00Z\",\n"
                                  "\"expires\":\"2026-01-02T00:00:00Z\",\"targets\":{\"gateways\":[\"a\"]},\n"
                                  "\"files\":[{\"name\":\"../etc/passwd\",\"role\":\"config\",\"size\":1,\"sha256\":\"" + kHash + "\"}]}");
  INFO(e);
  CHECK(e.find("m.json:3:18: error: files[0].name: expected a plain file name") != std::string::npos);
  CHECK(errors_of("{\"format\":1,\"verison\":3}").find("did you mean \"version\"") != std::string::npos);
  CHECK(errors_of("{\"format\":2}").find("unsupported format 2") != std::string::npos);
  CHECK(errors_of("[1,2").find("m.json:1:") != std::string::npos);
}

TEST_CASE("file names, roles, hashes and times are strict") {
  CHECK(valid_file_name("rules-v2.yaml"));
  CHECK_FALSE(valid_file_name(".hidden"));
  CHECK_FALSE(valid_file_name("a/b"));
  CHECK_FALSE(valid_file_name(""));
  CHECK_FALSE(valid_file_name(std::string(65, 'a')));
  std::int64_t t = 0;
  CHECK(parse_utc("2026-11-28T05:30:00Z", t));
  CHECK(format_utc(t) == "2026-11-28T05:30:00Z");
  CHECK_FALSE(parse_utc("2026-02-31T00:00:00Z", t));
  CHECK_FALSE(parse_utc("2026-11-28 05:30:00Z", t));
  CHECK_FALSE(parse_utc("2026-11-28T05:30:00+01:00", t));
  const std::string base = "{\"format\":1,\"version\":3,\"created\":\"2026-01-01T00:00:00Z\",\"expires\":\"2026-01-02T00:00:00Z\","
                           "\"targets\":{\"gateways\":[\"a\"]},\"files\":[{\"name\":\"x\",\"role\":\"rulez\",\"size\":1,\"sha256\":\"";
  CHECK(errors_of(base + kHash + "\"}]}").find("did you mean \"rules\"") != std::string::npos);
  CHECK(errors_of(base + "abc\"}]}").find("expected 64 hex digits") != std::string::npos);
  CHECK(errors_of("{\"format\":1,\"version\":3,\"created\":\"2026-01-02T00:00:00Z\",\"expires\":\"2026-01-01T00:00:00Z\","
                  "\"targets\":{\"gateways\":[\"a\"]},\"files\":[]}").find("later than") != std::string::npos);
}

TEST_CASE("the update: section loads with units and refuses what it cannot use") {
  fg::daemon::Config c;
  fg::daemon::Diagnostics d;
  REQUIRE(fg::daemon::load_config_text(R"(
update:
  state_dir: /tmp/fg
  gateway_id: gw-1
  groups: [north]
  keys: [/etc/fieldguard/console.pub]
  url: https://console.example/gw-1.fgb
  ca: ca.pem
  cert: gw.crt
  key: gw.key
  interval: 30s
  jitter: 5s
  max_bundle_size: 2MiB
  health: {window: 2s, require_traffic: false}
)", "fg.yaml", c, d));
  CHECK(c.update.enabled);
  CHECK(c.update.max_bundle_bytes == 2u << 20);
  CHECK(c.update.interval_ns == 30'000'000'000ull);
  CHECK_FALSE(c.update.health_requires_traffic);
  CHECK(c.update.keys[0] == "/etc/fieldguard/console.pub");
  fg::daemon::Config rel;
  fg::daemon::Diagnostics dr;
  REQUIRE(fg::daemon::load_config_text("update: {gateway_id: g, keys: [console.pub], state_dir: state}\n", "/etc/fg/fg.yaml", rel, dr));
  CHECK(rel.update.keys[0] == "/etc/fg/console.pub");
  CHECK(rel.update.state_dir == "/etc/fg/state");
  fg::daemon::Config c2;
  fg::daemon::Diagnostics d2;
  CHECK_FALSE(fg::daemon::load_config_text("update:\n  gateway_id: gw-1\n  keys: [k.pub]\n  url: http://console/x\n", "fg.yaml", c2, d2));
  CHECK(d2.str().find("fg.yaml:4:8: error: update.url: must be an https:// URL") != std::string::npos);
  CHECK(d2.str().find("missing \"ca\"") != std::string::npos);
  std::uint64_t n = 0;
  CHECK(parse_size_bytes("512KiB", n));
  CHECK(n == 512u * 1024);
  CHECK_FALSE(parse_size_bytes("12 MB", n));
}

TEST_CASE("polls back off exponentially after failures, capped, with jitter below its bound") {
  UpdateSettings s;
  s.interval_ns = 10'000'000'000ull;
  s.jitter_ns = 2'000'000'000ull;
  s.max_backoff_ns = 60'000'000'000ull;
  CHECK(poll_delay_ns(s, 0, 0) == 10'000'000'000ull);
  CHECK(poll_delay_ns(s, 1, 0) == 20'000'000'000ull);
  CHECK(poll_delay_ns(s, 2, 0) == 40'000'000'000ull);
  CHECK(poll_delay_ns(s, 3, 0) == 60'000'000'000ull);
  CHECK(poll_delay_ns(s, 200, 0) == 60'000'000'000ull);
  CHECK(poll_delay_ns(s, 0, 2'000'000'000ull + 5) == 10'000'000'005ull);
  CHECK(poll_delay_ns(s, 0, ~0ull) < 12'000'000'000ull);
  s.jitter_ns = 0;
  CHECK(poll_delay_ns(s, 0, 12345) == 10'000'000'000ull);
  s.max_backoff_ns = 1;  // a cap below the interval: the interval wins
  CHECK(poll_delay_ns(s, 5, 0) == 10'000'000'000ull);
}

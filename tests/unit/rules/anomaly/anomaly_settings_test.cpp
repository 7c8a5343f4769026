// The `anomaly:` section: every key read, bad names and values reported at FILE:LINE:COL.
#include <catch2/catch.hpp>

#include "rules/anomaly/anomaly_settings_reader.hpp"
#include "rules/anomaly/dataplane_guard.hpp"
#include "protocols/dnp3/anomalies.hpp"

using namespace fg;
using namespace fg::anomaly;

namespace {

bool read(const std::string& text, AnomalySettings& s, daemon::Diagnostics& d) {
  daemon::YamlReader r("fg.yaml", d);
  const YAML::Node root = YAML::Load(text);
  return read_anomaly_settings(r, root["anomaly"], s);
}

}  // namespace

TEST_CASE("a full anomaly section is read") {
  AnomalySettings s;
  daemon::Diagnostics d;
  REQUIRE(read(R"(anomaly:
  conformance: {default: alert, overrides: {dnp3.bad_link_crc: drop, modbus.user_defined_function: allow}}
  baseline: {mode: enforce, state_dir: /tmp/x, action: drop, save_interval: 30s, event_holdoff: 5s}
  rates: {syn_per_s: 100, connections_per_s: 20, flow_requests_per_s: 40, k_sigma: 4.5, action: drop}
  clustering: {window: 20s, max_k: 5, threshold_margin: 2, min_windows: 10}
)", s, d));
  CHECK(d.empty());
  CHECK(s.configured);
  CHECK(s.conformance.default_action == dp::Action::Alert);
  REQUIRE(s.conformance.overrides.size() == 2);
  CHECK(s.baseline.mode == Mode::Enforce);
  CHECK(s.baseline.mode_set);
  CHECK(s.baseline.state_dir == "/tmp/x");
  CHECK(s.baseline.action == dp::Action::Drop);
  CHECK(s.baseline.save_interval_ns == 30'000'000'000ull);
  CHECK(s.rates.syn_per_s == 100);
  CHECK(s.rates.k_sigma == Approx(4.5));
  CHECK(s.clustering.window_ns == 20'000'000'000ull);
  CHECK(s.clustering.max_k == 5);

  const GuardConfig g = make_guard_config(s);
  bool found = false;
  for (std::uint32_t i = 0; i < g.conformance_count; ++i)
    if (g.conformance[i].kind == &dnp3::kBadLinkCrc) {
      found = true;
      CHECK(g.conformance[i].action == dp::Action::Drop);
    }
  CHECK(found);
  CHECK(g.syn.fixed == 100);
}

TEST_CASE("an unknown event name in overrides is an error with a suggestion") {
  AnomalySettings s;
  daemon::Diagnostics d;
  CHECK_FALSE(read("anomaly:\n  conformance:\n    overrides: {dnp3.bad_link_cr: drop}\n", s, d));
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].line == 3);
  CHECK(d.items()[0].column == 17);
  CHECK(d.items()[0].message.find("did you mean \"dnp3.bad_link_crc\"") != std::string::npos);
}

TEST_CASE("bad keys, modes and numbers are reported, each at its place") {
  AnomalySettings s;
  daemon::Diagnostics d;
  CHECK_FALSE(read(R"(anomaly:
  baseline: {mode: learning}
  rates: {k_sigma: lots, syn_per_s: -1}
  clustering: {windows: 10s}
)", s, d));
  REQUIRE(d.items().size() == 4);
  auto has = [&](const std::string& text, int line) {
    for (const auto& i : d.items())
      if (i.message.find(text) != std::string::npos && i.line == line) return true;
    return false;
  };
  CHECK(has("expected off, learn or enforce", 2));
  CHECK(has("anomaly.rates.k_sigma: expected a number", 3));
  CHECK(has("anomaly.rates.syn_per_s: -1 is out of range", 3));
  CHECK(has("did you mean \"window\"", 4));
}

TEST_CASE("an empty anomaly section keeps the defaults") {
  AnomalySettings s;
  daemon::Diagnostics d;
  CHECK(read("anomaly:\n", s, d));
  CHECK(s.baseline.mode == Mode::Off);
  CHECK_FALSE(s.baseline.mode_set);
  CHECK(s.baseline.state_dir == "/var/lib/fieldguard");
}

// A rules reload re-reads the rule file's `anomaly:` section (RuleManager + AnomalyService, as
// the daemon wires them): good settings reach the engine and, through Snapshot<GuardConfig>,
// the workers' slot; a bad section, a new state_dir or a new window refuses the whole reload.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "daemon/anomaly_service.hpp"
#include "daemon/export/record_writer.hpp"
#include "daemon/rules/rule_files.hpp"
#include "protocols/modbus/anomalies.hpp"

using namespace fg;

namespace {

std::string dir() {
  static const std::string d = [] {
    char tmpl[] = "/tmp/fg-anomaly-reload-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    return std::string(tmpl);
  }();
  return d;
}

std::string write(const std::string& name, const std::string& text) {
  const std::string path = dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

dp::Action guard_action(const anomaly::GuardConfig& g, const proto::AnomalyKind& k) {
  for (std::uint32_t i = 0; i < g.conformance_count; ++i)
    if (g.conformance[i].kind == &k) return g.conformance[i].action;
  return dp::Action::Allow;
}

constexpr const char* kRules = "default_action: allow\nrules:\n  - {name: r1, action: alert, modbus: {function: [8]}}\n";

struct Daemon {
  daemon::Config cfg;
  rules::RuleNames names;
  daemon::RecordWriter writer{nullptr, nullptr, {}};
  dp::RcuDomain rcu{1};
  std::unique_ptr<daemon::RuleManager> rules;
  std::unique_ptr<daemon::AnomalyService> service;

  explicit Daemon(const std::string& rule_file) {
    cfg.anomaly.baseline.state_dir = dir() + "/state";
    cfg.anomaly.rates.syn_per_s = 10;
    cfg.anomaly_config = cfg.anomaly;  // as main does
    cfg.rules_path = rule_file;
    rules::LoadedRules loaded;
    daemon::Diagnostics d;
    REQUIRE(daemon::load_rule_files(cfg, cfg.rules_path, loaded, d));
    REQUIRE(daemon::apply_rule_file_anomaly(loaded, cfg, d));
    rcu.online(0);
    rules = std::make_unique<daemon::RuleManager>(cfg, rcu, names);
    service = std::make_unique<daemon::AnomalyService>(cfg, writer, true);
    service->set_rcu(&rcu);
    rules->set_settings_hook(service.get());
    REQUIRE(rules->start(d));
  }
  const anomaly::GuardConfig* live() const { return cfg.pipeline.anomaly.live->load(std::memory_order_acquire); }
};

}  // namespace

TEST_CASE("a rules reload applies the rule file's anomaly section to the engine and the workers") {
  Daemon dm(write("start.yaml", std::string(kRules) + "anomaly: {conformance: {default: alert}}\n"));
  CHECK(guard_action(dm.cfg.pipeline.anomaly, modbus::kIllegalFunction) == dp::Action::Alert);
  CHECK(dm.live() == nullptr);  // nothing published yet: the workers run their start copy

  daemon::Diagnostics d;
  REQUIRE(dm.rules->reload_rules(write("drop.yaml", std::string(kRules) +
                                           "anomaly:\n  conformance: {overrides: {modbus.illegal_function: drop}}\n"
                                           "  baseline: {action: block, event_holdoff: 3s}\n"
                                           "  rates: {connections_per_s: 5}\n"),
                                 d));
  CHECK(d.empty());
  dm.service->apply_pending();  // the control thread's next tick
  const anomaly::GuardConfig* g = dm.live();
  REQUIRE(g != nullptr);
  CHECK(g->version == 1);
  CHECK(guard_action(*g, modbus::kIllegalFunction) == dp::Action::Drop);
  CHECK(guard_action(*g, modbus::kBadLength) == dp::Action::Alert);
  CHECK(g->syn.fixed == 10);  // the config's, kept: the rule file only adds
  CHECK(g->connections.fixed == 5);
  const anomaly::AnomalySettings& s = dm.service->engine().settings();
  CHECK(s.baseline.action == dp::Action::Block);
  CHECK(s.baseline.event_holdoff_ns == 3'000'000'000ull);
  CHECK(dm.service->engine().quarantine().action == dp::Action::Block);
  CHECK(dm.rules->info().version == 2);

  SECTION("a bad anomaly section refuses the reload: old rules and old settings stay") {
    daemon::Diagnostics bad;
    CHECK_FALSE(dm.rules->reload_rules(
        write("bad.yaml", "default_action: drop\nrules: []\nanomaly:\n  conformance: {default: dorp}\n"), bad));
    CHECK_THAT(bad.str(), Catch::Contains("bad.yaml:4:26: error: anomaly.conformance.default"));
    dm.service->apply_pending();
    CHECK(dm.live() == g);
    CHECK(dm.rules->info().version == 2);
    CHECK(dm.rules->info().default_action == "allow");
    CHECK(dm.service->engine().settings().baseline.action == dp::Action::Block);
  }
  SECTION("a new clustering window or state_dir is refused with its position") {
    daemon::Diagnostics bad;
    CHECK_FALSE(dm.rules->reload_rules(write("window.yaml", std::string(kRules) + "anomaly:\n  clustering: {window: 5s}\n"), bad));
    CHECK_THAT(bad.str(), Catch::Contains("window.yaml:5:24: error: anomaly.clustering.window: cannot change while the daemon runs"));
    daemon::Diagnostics bad2;
    CHECK_FALSE(dm.rules->reload_rules(write("dir.yaml", std::string(kRules) + "anomaly:\n  baseline: {state_dir: /tmp/x}\n"), bad2));
    CHECK_THAT(bad2.str(), Catch::Contains("dir.yaml:5:25: error: anomaly.baseline.state_dir: cannot change"));
    dm.service->apply_pending();
    CHECK(dm.live() == g);
    CHECK(dm.rules->info().version == 2);
  }
  SECTION("a rule file without an anomaly section brings back the config's settings") {
    daemon::Diagnostics ok;
    REQUIRE(dm.rules->reload_rules(write("plain.yaml", kRules), ok));
    dm.service->apply_pending();
    REQUIRE(dm.live() != nullptr);
    CHECK(dm.live()->version == 2);
    CHECK(guard_action(*dm.live(), modbus::kIllegalFunction) == dp::Action::Alert);
    CHECK(dm.live()->connections.fixed == 0);
    CHECK(dm.service->engine().settings().baseline.action == dp::Action::Alert);
  }
}

// A bundle's `baseline` (a learned-state file): read whole at validation (a malformed one is
// FILE:LINE:COL and refuses the bundle), swapped into the anomaly engine whole on apply with
// the file's mode, the baseline learned on the gateway kept aside and back on rollback, and
// the same outcome at start from the installed bundle.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/anomaly_service.hpp"
#include "daemon/export/record_writer.hpp"
#include "daemon/rules/rule_manager.hpp"
#include "daemon/update/bundle_config.hpp"
#include "daemon/update/bundle_store.hpp"
#include "daemon/update/bundle_verify.hpp"
#include "daemon/update/daemon_target.hpp"
#include "test_bundles.hpp"
#include "tests/unit/rules/anomaly/anomaly_test_support.hpp"

using namespace fg;
using namespace fg::update;
using fg::anomaly::test::modbus_request;
using fg::update::test::Console;
using fg::update::test::install;
using fg::update::test::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kSec = 1'000'000'000ull;

// What a console ships: the state file an engine that learned `client` polling .101 saved,
// in enforce mode.
std::string console_state(const std::string& dir, std::uint8_t client) {
  anomaly::AnomalySettings s;
  s.baseline.state_dir = dir;
  anomaly::AnomalyEngine e(s, nullptr, nullptr);
  std::string json, error;
  REQUIRE(e.learn_start(json, error));
  for (std::uint64_t t = 100; t < 160; ++t) e.on_audit(modbus_request(client, 101, t * kSec, 1, 3, 0, 10));
  REQUIRE(e.enforce(json, error));
  std::ifstream in(dir + "/baseline.yaml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool knows(const anomaly::AnomalyEngine& e, std::uint8_t client) {
  for (const auto& [k, p] : e.baseline().pairs())
    if (k.client == anomaly::test::ip(client)) return true;
  return false;
}

}  // namespace

TEST_CASE("a bundle's baseline replaces the learned one whole; a malformed one refuses the bundle; rollback restores") {
  TempDir t;
  Console c;
  BundleStore s(t.path + "/update");
  std::string error;
  REQUIRE(s.open(error));
  fs::create_directories(t.path + "/console");
  const std::string shipped = console_state(t.path + "/console", 10);

  daemon::Config cfg;
  cfg.source = "fieldguard.yaml";
  cfg.anomaly.baseline.state_dir = t.path + "/state";
  cfg.anomaly_config = cfg.anomaly;
  dp::RcuDomain rcu(1);
  rules::RuleNames names;
  daemon::RuleManager rm(cfg, rcu, names);
  daemon::Diagnostics d;
  REQUIRE(rm.start(d));
  daemon::RecordWriter writer(nullptr, nullptr, {});
  auto service = std::make_unique<daemon::AnomalyService>(cfg, writer, true);
  service->set_rcu(&rcu);
  // The gateway learned its own baseline: client .20 only, mode off.
  anomaly::AnomalyEngine& engine = service->engine();
  std::string json;
  REQUIRE(engine.learn_start(json, error));
  for (std::uint64_t t2 = 100; t2 < 160; ++t2) engine.on_audit(modbus_request(20, 101, t2 * kSec, 1, 3, 0, 10));
  REQUIRE(engine.learn_stop(json, error));

  DataplaneHooks hooks{&rcu, &rm, [] { return HealthSample{}; }};
  hooks.baseline = [&](const std::string& f, std::string& err) { return service->stage_baseline(f, err); };
  DaemonUpdateTarget target(cfg, hooks);

  // A malformed baseline: refused at validation with its position, nothing staged.
  const auto bad = install(s, c, 1, {{"baseline.yaml", FileRole::Baseline, "version: 1\nmode: enforce\npairs:\n  - {client: 198.18.0.10, server: 198.18.0.101, port: 502, proto: fieldbus, requests: 1}\n"}});
  std::string why;
  CHECK_FALSE(target.validate(&bad, why));
  CHECK_THAT(why, Catch::Contains(bad.dir + "/baseline.yaml:4:") && Catch::Contains("baseline: unknown protocol"));
  service->apply_pending();
  CHECK(knows(engine, 20));
  CHECK(engine.mode() == anomaly::Mode::Off);

  // A good one: in force at the control thread's next tick, with the file's mode.
  const auto b2 = install(s, c, 2, {{"baseline.yaml", FileRole::Baseline, shipped}});
  REQUIRE(target.validate(&b2, why));
  REQUIRE(target.apply(&b2, false, why));
  CHECK(knows(engine, 20));  // not yet: the engine belongs to the control thread
  service->apply_pending();
  CHECK(knows(engine, 10));
  CHECK_FALSE(knows(engine, 20));
  CHECK(engine.mode() == anomaly::Mode::Enforce);
  CHECK(engine.bundle_baseline() == b2.dir + "/baseline.yaml");
  CHECK(fs::exists(cfg.anomaly.baseline.state_dir + "/baseline.local.yaml"));
  // Enforced: the learned pair is quiet, the gateway's own client is now a new pair.
  const std::uint64_t before = engine.stats().baseline_events;
  engine.on_audit(modbus_request(10, 101, 500 * kSec, 1, 3, 0, 10));
  CHECK(engine.stats().baseline_events == before);
  engine.on_audit(modbus_request(20, 101, 501 * kSec, 1, 3, 0, 10));
  CHECK(engine.stats().baseline_events == before + 1);

  // A restart while bundle 2 is in force (use_installed_bundle names its file) starts with
  // its baseline, and the gateway's own stays aside.
  cfg.baseline_file = b2.dir + "/baseline.yaml";
  service.reset();
  service = std::make_unique<daemon::AnomalyService>(cfg, writer, true);
  CHECK(knows(service->engine(), 10));
  CHECK(service->engine().bundle_baseline() == b2.dir + "/baseline.yaml");
  CHECK(fs::exists(cfg.anomaly.baseline.state_dir + "/baseline.local.yaml"));
  cfg.baseline_file.clear();

  // The rollback to no bundle brings back what the gateway learned, mode included.
  REQUIRE(target.apply(nullptr, true, why));
  service->apply_pending();
  CHECK(knows(service->engine(), 20));
  CHECK_FALSE(knows(service->engine(), 10));
  CHECK(service->engine().mode() == anomaly::Mode::Off);
  CHECK(service->engine().bundle_baseline().empty());
  CHECK_FALSE(fs::exists(cfg.anomaly.baseline.state_dir + "/baseline.local.yaml"));

  // At start, the installed bundle's baseline is used even if the saved state says otherwise.
  cfg.baseline_file = b2.dir + "/baseline.yaml";
  service.reset();
  service = std::make_unique<daemon::AnomalyService>(cfg, writer, true);
  CHECK(knows(service->engine(), 10));
  cfg.baseline_file.clear();
  service.reset();
  service = std::make_unique<daemon::AnomalyService>(cfg, writer, true);
  CHECK(knows(service->engine(), 20));
}

TEST_CASE("without an anomaly engine a bundle's baseline is refused at validation") {
  TempDir t;
  Console c;
  BundleStore s(t.path);
  std::string error;
  REQUIRE(s.open(error));
  daemon::Config cfg;
  dp::RcuDomain rcu(1);
  rules::RuleNames names;
  daemon::RuleManager rm(cfg, rcu, names);
  daemon::Diagnostics d;
  REQUIRE(rm.start(d));
  DaemonUpdateTarget target(cfg, {&rcu, &rm, [] { return HealthSample{}; }});
  fs::create_directories(t.path + "/console");
  const auto b1 = install(s, c, 1, {{"baseline.yaml", FileRole::Baseline, console_state(t.path + "/console", 10)}});
  std::string why;
  CHECK_FALSE(target.validate(&b1, why));
  CHECK_THAT(why, Catch::Contains("the daemon runs no anomaly engine"));
}

// The learned baseline: ranges, learn and check, the value band, persistence across a
// restart (atomic files) and the export as a rule file.
#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "rules/anomaly/anomaly_engine.hpp"
#include "rules/anomaly/atomic_file.hpp"
#include "rules/anomaly/baseline_model.hpp"
#include "tests/unit/rules/anomaly/anomaly_test_support.hpp"

using namespace fg;
using namespace fg::anomaly;
using namespace fg::anomaly::test;

namespace {

constexpr std::uint64_t kSec = 1'000'000'000ull;

Observation obs(const dp::AuditEntry& e) {
  Observation o;
  REQUIRE(observe(e, o));
  return o;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/fg-anomaly-test-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

}  // namespace

TEST_CASE("ranges merge when they overlap or touch and stay apart otherwise") {
  RangeSet r;
  r.add(10, 19);
  r.add(30, 39);
  r.add(20, 25);
  REQUIRE(r.ranges().size() == 2);
  CHECK(r.ranges()[0] == std::pair<std::uint32_t, std::uint32_t>{10, 25});
  CHECK(r.covers(12, 25));
  CHECK_FALSE(r.covers(24, 30));
  CHECK_FALSE(r.covers(26, 26));
  r.add(26, 29);
  CHECK(r.ranges().size() == 1);
  CHECK(r.covers(10, 39));
}

TEST_CASE("a range set past its capacity joins its closest neighbours instead of growing") {
  RangeSet r;
  for (std::uint32_t i = 0; i < 100; ++i) r.add(i * 10, i * 10 + 1);
  CHECK(r.ranges().size() <= RangeSet::kMaxRanges);
  for (std::uint32_t i = 0; i < 100; ++i) CHECK(r.covers(i * 10, i * 10 + 1));
}

TEST_CASE("learned traffic passes the check; new functions, units, addresses and values do not") {
  BaselineModel m;
  for (int i = 0; i < 50; ++i) {
    REQUIRE(m.learn(obs(modbus_request(10, 101, i * kSec, 1, 3, 0, 10))));
    REQUIRE(m.learn(obs(modbus_request(10, 101, i * kSec, 1, 6, 20, 1, {static_cast<std::uint16_t>(40 + i % 21)}))));
  }
  std::vector<Violation> v;
  m.check(obs(modbus_request(10, 101, 0, 1, 3, 2, 5)), v);
  m.check(obs(modbus_request(10, 101, 0, 1, 6, 20, 1, {62})), v);  // inside the widened band 35-65
  CHECK(v.empty());

  auto one = [&](const dp::AuditEntry& e) {
    v.clear();
    m.check(obs(e), v);
    REQUIRE(v.size() == 1);
    return std::string(v[0].kind->name);
  };
  CHECK(one(modbus_request(10, 101, 0, 1, 16, 20, 1, {50})) == "baseline.new_function");
  CHECK(one(modbus_request(10, 101, 0, 7, 3, 0, 10)) == "baseline.new_unit");
  CHECK(one(modbus_request(10, 101, 0, 1, 3, 5, 10)) == "baseline.address_out_of_range");
  CHECK(one(modbus_request(10, 101, 0, 1, 6, 20, 1, {70})) == "baseline.value_out_of_range");
  CHECK(one(modbus_request(66, 101, 0, 1, 3, 0, 10)) == "baseline.new_pair");
  CHECK(m.pairs().begin()->second.max_rate == 2);
}

TEST_CASE("files are replaced atomically and their directory is created") {
  const std::string dir = temp_dir() + "/a/b";
  std::string error;
  REQUIRE(write_file_atomically(dir + "/f.txt", "one", error));
  REQUIRE(write_file_atomically(dir + "/f.txt", "two", error));
  std::ifstream in(dir + "/f.txt");
  std::string s;
  in >> s;
  CHECK(s == "two");
  CHECK_FALSE(std::filesystem::exists(dir + "/f.txt.tmp"));
  CHECK_FALSE(write_file_atomically("/proc/version/x", "no", error));
  CHECK_FALSE(error.empty());
}

TEST_CASE("the learned state survives a restart, mode included") {
  AnomalySettings s;
  s.baseline.state_dir = temp_dir();
  s.clustering.min_windows = 5;
  std::string json, error;
  {
    AnomalyEngine e(s, nullptr, nullptr);
    REQUIRE(e.load(error));
    REQUIRE(e.learn_start(json, error));
    for (int i = 0; i < 600; ++i) {
      e.on_audit(modbus_request(10, 101, 1000 * kSec + i * kSec, 1, 3, 0, 10));
      e.on_audit(modbus_request(10, 101, 1000 * kSec + i * kSec + kSec / 2, 1, 4, 100, 10));
    }
    REQUIRE(e.enforce(json, error));
    CHECK(e.behaviour().trained());
  }
  AnomalyEngine again(s, nullptr, nullptr);
  REQUIRE(again.load(error));
  CHECK(again.mode() == Mode::Enforce);
  REQUIRE(again.baseline().pairs().size() == 1);
  const PairProfile& p = again.baseline().pairs().begin()->second;
  CHECK(p.requests == 1200);
  CHECK(p.functions.size() == 2);
  CHECK(p.functions.at(4).addresses.covers(100, 109));
  CHECK(again.behaviour().trained());
  CHECK(again.behaviour().centroids_.size() >= 1);
  CHECK(again.export_rules("drop") != "");
}

TEST_CASE("a damaged state file is an error naming FILE:LINE:COL and the engine starts empty") {
  AnomalySettings s;
  s.baseline.state_dir = temp_dir();
  std::ofstream(s.baseline.state_dir + "/baseline.yaml") << "version: 1\nmode: enforce\npairs:\n  - {client: 10.0.0.1, server: nowhere, port: 502, proto: modbus, requests: 1}\n";
  AnomalyEngine e(s, nullptr, nullptr);
  std::string error;
  CHECK_FALSE(e.load(error));
  CHECK(error.find("/baseline.yaml:4:5: error:") != std::string::npos);
  CHECK(e.baseline().pairs().empty());
  CHECK(e.mode() == Mode::Off);
}

TEST_CASE("the export is a commented rule file with one allow rule per learned function and one for responses") {
  AnomalySettings s;
  s.baseline.state_dir = temp_dir();
  AnomalyEngine e(s, nullptr, nullptr);
  std::string json, error;
  REQUIRE(e.learn_start(json, error));
  for (int i = 0; i < 20; ++i) {
    e.on_audit(modbus_request(10, 101, i * kSec, 1, 3, 0, 10));
    e.on_audit(modbus_request(10, 101, i * kSec, 1, 3, 100, 20));
    e.on_audit(modbus_request(10, 101, i * kSec, 2, 6, 20, 1, {50}));
  }
  REQUIRE(e.learn_stop(json, error));
  const std::string text = e.export_rules("drop");
  INFO(text);
  CHECK(text.find("# fieldguard baseline export") == 0);
  const YAML::Node doc = YAML::Load(text);
  CHECK(doc["default_action"].as<std::string>() == "drop");
  REQUIRE(doc["rules"].size() == 3);
  const YAML::Node r0 = doc["rules"][0];
  CHECK(r0["action"].as<std::string>() == "allow");
  CHECK(r0["from"].as<std::string>() == "198.18.0.10/32");
  CHECK(r0["to"].as<std::string>() == "198.18.0.101/32");
  CHECK(r0["dst_port"].as<int>() == 502);
  CHECK(r0["modbus"]["function"][0].as<int>() == 3);
  CHECK(r0["modbus"]["unit_id"].size() == 2);
  CHECK(r0["modbus"]["address"][0].as<std::string>() == "0-9");
  CHECK(r0["modbus"]["address"][1].as<std::string>() == "100-119");
  CHECK(doc["rules"][1]["modbus"]["value"].as<std::string>() == "49-51");
  CHECK(doc["rules"][2]["direction"].as<std::string>() == "response");
  CHECK(doc["rules"][2]["modbus"].IsMap());
}

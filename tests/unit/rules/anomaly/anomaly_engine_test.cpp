// The engine from audit records: learn then enforce, request rates and behaviour windows
// firing on their attacks and quiet on normal traffic.
#include <catch2/catch.hpp>

#include <fstream>

#include "rules/anomaly/anomaly_engine.hpp"
#include "tests/unit/rules/anomaly/anomaly_test_support.hpp"

using namespace fg;
using namespace fg::anomaly;
using namespace fg::anomaly::test;

namespace {

constexpr std::uint64_t kSec = 1'000'000'000ull;

struct Run {
  std::vector<dp::EventEntry> events;
  std::vector<EngineNote> notes;
  AnomalyEngine engine;
  explicit Run(AnomalySettings s)
      : engine(std::move(s), [this](const dp::EventEntry& e) { events.push_back(e); },
               [this](const EngineNote& n) { notes.push_back(n); }) {}
  int count(std::string_view name) const {
    int n = 0;
    for (const auto& e : events) n += e.anomaly.kind->name == name;
    for (const auto& e : notes) n += e.name == name;
    return n;
  }
};

std::string temp_dir() {
  char tmpl[] = "/tmp/fg-anomaly-engine-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

// An HMI polling a PLC: FC3 0-9 and FC4 100-109 every second with jitter, a setpoint write
// now and then.
void poll(AnomalyEngine& e, std::uint64_t from_s, std::uint64_t seconds, std::uint32_t seed) {
  std::uint32_t x = seed;
  auto rnd = [&x] { return (x = x * 1103515245u + 12345u) >> 8; };
  for (std::uint64_t s = from_s; s < from_s + seconds; ++s) {
    const std::uint64_t t = s * kSec + rnd() % (kSec / 20);
    e.on_audit(modbus_request(10, 101, t, 1, 3, 0, 10));
    e.on_audit(modbus_request(10, 101, t + kSec / 8, 1, 4, 100, 10));
    if (rnd() % 300 == 0) e.on_audit(modbus_request(10, 101, t + kSec / 2, 1, 6, 20, 1, {50}));
  }
}

AnomalySettings settings() {
  AnomalySettings s;
  s.baseline.state_dir = temp_dir();
  return s;
}

}  // namespace

TEST_CASE("learn then enforce: normal polling is quiet, a new function raises an event") {
  Run r(settings());
  std::string json, error;
  REQUIRE(r.engine.learn_start(json, error));
  poll(r.engine, 1000, 3600, 1);
  REQUIRE(r.engine.enforce(json, error));
  r.events.clear();
  r.notes.clear();
  poll(r.engine, 10000, 3600, 2);
  CHECK(r.events.empty());
  CHECK(r.count("behaviour.outlier") == 0);
  r.engine.on_audit(modbus_request(10, 101, 13700 * kSec, 1, 8, 0, 1));
  CHECK(r.count("baseline.new_function") == 1);
  // Repeats inside the hold-off are counted, not raised.
  r.engine.on_audit(modbus_request(10, 101, 13701 * kSec, 1, 8, 0, 1));
  CHECK(r.count("baseline.new_function") == 1);
  CHECK(r.engine.stats().baseline_suppressed == 1);
}

TEST_CASE("a write burst on a known function exceeds the learned request rate and the behaviour clusters") {
  Run r(settings());
  std::string json, error;
  REQUIRE(r.engine.learn_start(json, error));
  poll(r.engine, 1000, 3600, 3);
  REQUIRE(r.engine.enforce(json, error));
  poll(r.engine, 10000, 600, 4);
  CHECK(r.events.empty());
  for (int i = 0; i < 200; ++i) r.engine.on_audit(modbus_request(10, 101, 10600 * kSec + i * kSec / 40, 1, 6, 20, 1, {50}));
  poll(r.engine, 10606, 60, 5);
  CHECK(r.count("rate.flow_requests") >= 1);
  CHECK(r.count("behaviour.outlier") >= 1);
  bool named = false;
  for (const auto& n : r.notes)
    named |= n.detail.find("write_share") != std::string::npos || n.detail.find("request_rate") != std::string::npos;
  CHECK(named);
}

TEST_CASE("without a baseline, request rates are judged against their EWMA and the floor") {
  AnomalySettings s = settings();
  Run r(s);
  poll(r.engine, 1000, 1200, 6);
  CHECK(r.events.empty());
  for (int i = 0; i < 400; ++i) r.engine.on_audit(modbus_request(10, 101, 2200 * kSec + i * kSec / 200, 1, 3, 0, 10));
  CHECK(r.count("rate.flow_requests") >= 1);
  CHECK(r.count("rate.device_requests") >= 1);
  CHECK(r.count("baseline.new_function") == 0);  // mode off: no baseline checks
}

TEST_CASE("mode commands refuse what makes no sense") {
  Run r(settings());
  std::string json, error;
  CHECK_FALSE(r.engine.learn_stop(json, error));
  CHECK(error.find("not learning") != std::string::npos);
  CHECK_FALSE(r.engine.enforce(json, error));
  CHECK(error.find("no baseline learned") != std::string::npos);
}

TEST_CASE("enforce mode with action drop quarantines the pair that stepped outside; release lifts it") {
  AnomalySettings s = settings();
  s.baseline.action = dp::Action::Drop;
  Run r(s);
  std::string json, error;
  REQUIRE(r.engine.learn_start(json, error));
  poll(r.engine, 1000, 600, 7);
  REQUIRE(r.engine.enforce(json, error));
  const std::uint64_t v0 = r.engine.quarantine_version();
  poll(r.engine, 2000, 60, 8);
  CHECK(r.engine.quarantine().pairs.empty());
  r.engine.on_audit(modbus_request(10, 101, 2100 * kSec, 1, 3, 500, 4));
  CHECK(r.count("baseline.address_out_of_range") == 1);
  CHECK(r.count("baseline.quarantined") == 1);
  const Quarantine q = r.engine.quarantine();
  REQUIRE(q.pairs.size() == 1);
  CHECK(q.action == dp::Action::Drop);
  CHECK(q.contains(ip(10), ip(101), 502));
  CHECK_FALSE(q.contains(ip(11), ip(101), 502));
  CHECK(r.engine.quarantine_version() != v0);
  REQUIRE(r.engine.release(json, error));
  CHECK(r.engine.quarantine().pairs.empty());
  CHECK(r.count("baseline.released") == 1);
}

TEST_CASE("release of one pair lifts only its quarantine, and survives a restart") {
  AnomalySettings s = settings();
  s.baseline.action = dp::Action::Drop;
  std::string json, error;
  {
    Run r(s);
    REQUIRE(r.engine.learn_start(json, error));
    poll(r.engine, 1000, 600, 11);
    REQUIRE(r.engine.enforce(json, error));
    r.engine.on_audit(modbus_request(10, 101, 2100 * kSec, 1, 3, 500, 4));  // address outside
    r.engine.on_audit(modbus_request(11, 101, 2101 * kSec, 1, 3, 0, 10));   // a client never seen
    REQUIRE(r.engine.quarantined().size() == 2);

    // A pair that is not quarantined (another port) is refused by name; nothing changes.
    const std::uint64_t v0 = r.engine.quarantine_version();
    QuarantineEntry other{ip(10), ip(101), 503};
    CHECK_FALSE(r.engine.release(json, error, &other));
    CHECK(error.find("198.18.0.10 -> 198.18.0.101:503 is not quarantined") == 0);
    CHECK(r.engine.quarantine_version() == v0);
    CHECK(r.count("baseline.released") == 0);

    QuarantineEntry first{ip(10), ip(101), 502};
    REQUIRE(r.engine.release(json, error, &first));
    CHECK(r.engine.quarantine_version() != v0);  // the daemon republishes the table
    const Quarantine q = r.engine.quarantine();
    CHECK_FALSE(q.contains(ip(10), ip(101), 502));
    CHECK(q.contains(ip(11), ip(101), 502));
    REQUIRE(r.count("baseline.released") == 1);
    CHECK(r.notes.back().detail == "198.18.0.10 -> 198.18.0.101:502 released; 1 pair(s) stay quarantined");
    CHECK(r.notes.back().fields.find("\"dst_port\":502") != std::string::npos);
    // The reply shows what is still quarantined.
    const std::size_t from = json.find("\"quarantined\":[");
    REQUIRE(from != std::string::npos);
    const std::string listed = json.substr(from, json.find(']', from) - from);
    CHECK(listed.find("\"client\":\"198.18.0.11\"") != std::string::npos);
    CHECK(listed.find("\"client\":\"198.18.0.10\"") == std::string::npos);
  }
  Run r(s);  // the restarted daemon keeps the other pair cut off, and only it
  REQUIRE(r.engine.load_quarantine(error));
  const Quarantine q = r.engine.quarantine();
  CHECK(q.pairs.size() == 1);
  CHECK(q.contains(ip(11), ip(101), 502));
}

TEST_CASE("a quarantine survives a restart with its reason, and a release survives the next one") {
  AnomalySettings s = settings();
  s.baseline.action = dp::Action::Block;
  std::string json, error;
  {
    Run r(s);
    REQUIRE(r.engine.learn_start(json, error));
    poll(r.engine, 1000, 600, 9);
    REQUIRE(r.engine.enforce(json, error));
    r.engine.on_audit(modbus_request(10, 101, 2100 * kSec, 1, 8, 0, 1));
    REQUIRE(r.engine.quarantined().size() == 1);
  }
  {
    Run r(s);  // the restarted daemon
    REQUIRE(r.engine.load(error));
    CHECK(r.engine.quarantine().pairs.empty());  // not yet: the quarantine is its own file
    const std::uint64_t v0 = r.engine.quarantine_version();
    REQUIRE(r.engine.load_quarantine(error));
    CHECK(r.engine.quarantine_version() != v0);  // the daemon publishes it for the workers
    const Quarantine q = r.engine.quarantine();
    REQUIRE(q.pairs.size() == 1);
    CHECK(q.action == dp::Action::Block);
    CHECK(q.contains(ip(10), ip(101), 502));
    const QuarantineReason& why = r.engine.quarantined().begin()->second;
    CHECK(why.event == "baseline.new_function");
    CHECK(why.detail.find("function/service 8 never seen") == 0);
    CHECK(why.action == "block");
    CHECK(why.since_ns == 2100 * kSec);
    const std::string show = r.engine.show_json();
    CHECK(show.find("\"because\":\"baseline.new_function\"") != std::string::npos);
    CHECK(show.find("\"since\":\"1970-01-01T00:35:00Z\"") != std::string::npos);
    REQUIRE(r.engine.release(json, error));
  }
  Run r(s);
  REQUIRE(r.engine.load_quarantine(error));
  CHECK(r.engine.quarantined().empty());
  CHECK(r.engine.quarantine().pairs.empty());
}

TEST_CASE("a damaged quarantine file is an error naming FILE:LINE:COL and restores nothing") {
  AnomalySettings s = settings();
  Run r(s);
  std::string error;
  CHECK_FALSE(r.engine.load_quarantine_text("version: 1\npairs:\n  - {client: 198.18.0.1, server: nonsense, port: 502}\n",
                                            s.baseline.state_dir + "/quarantine.yaml", error));
  CHECK(error.find("/quarantine.yaml:3:5: error: unreadable quarantine: bad address") != std::string::npos);
  CHECK(r.engine.quarantined().empty());
  error.clear();
  CHECK_FALSE(r.engine.load_quarantine_text("version: 1\npairs:\n  - {client: 198.18.0.1, server: 198.18.0.2, port: 99999}\n",
                                            "q.yaml", error));
  CHECK(error.find("q.yaml:3:") == 0);
  error.clear();
  CHECK_FALSE(r.engine.load_quarantine_text("[1, 2", "q.yaml", error));
  CHECK(error.find("q.yaml:1:") == 0);
  CHECK(r.engine.quarantined().empty());
  std::string json;
  CHECK(r.engine.release(json, error));  // releasing nothing is fine
}

TEST_CASE("a bundle baseline keeps the local one aside; a damaged aside copy is refused; learn start makes it local") {
  AnomalySettings s = settings();
  Run r(s);
  std::string json, error;
  REQUIRE(r.engine.learn_start(json, error));
  poll(r.engine, 1000, 60, 10);
  REQUIRE(r.engine.learn_stop(json, error));
  LearnedState shipped;
  StateError e;
  REQUIRE(AnomalyEngine::parse_state("version: 1\nmode: enforce\npairs:\n  - {client: 198.18.0.30, server: 198.18.0.101, "
                                     "port: 502, proto: modbus, requests: 5, functions: [{code: 3, ranges: [[0, 9]]}]}\n",
                                     shipped, e));
  REQUIRE(r.engine.use_bundle_baseline("/bundles/7/base.yaml", &shipped, error));
  CHECK(r.engine.mode() == Mode::Enforce);
  CHECK(r.engine.baseline().pairs().size() == 1);
  CHECK(r.count("baseline.bundle_applied") == 1);
  std::ofstream(s.baseline.state_dir + "/baseline.local.yaml") << "version: 1\npairs: {not: a list}\n";
  CHECK_FALSE(r.engine.use_bundle_baseline("", nullptr, error));
  CHECK(error.find("baseline.local.yaml:") != std::string::npos);
  CHECK(r.engine.bundle_baseline() == "/bundles/7/base.yaml");  // nothing changed
  CHECK(r.engine.mode() == Mode::Enforce);
  REQUIRE(r.engine.learn_start(json, error));
  CHECK(r.engine.bundle_baseline().empty());
  CHECK_FALSE(std::ifstream(s.baseline.state_dir + "/baseline.local.yaml").good());
}

// The workers' guard, through a real pipeline: conformance actions on the packet that raised
// the event, SYN floods and connection floods against quiet normal traffic.
#include <catch2/catch.hpp>

#include "dataplane/pipeline/pipeline.hpp"
#include "dataplane/rcu/snapshot.hpp"
#include "rules/anomaly/anomaly_events.hpp"
#include "rules/anomaly/dataplane_guard.hpp"
#include "tests/unit/rules/anomaly/anomaly_test_support.hpp"
#include "tests/unit/rules/anomaly/guard_pipeline.hpp"

using namespace fg;
using namespace fg::anomaly;
using namespace fg::anomaly::test;

namespace {

constexpr std::uint64_t kSec = 1'000'000'000ull;

// Modbus/TCP sessions: capture-file hole policy, room for 8192 flows.
struct Bench : GuardPipeline {
  explicit Bench(const AnomalySettings& s) : GuardPipeline(s, 8192, dp::HolePolicy::Skip) {}
};

// A Modbus/TCP connection from .10:40000 to .101:502; `exchange` sends one request.
struct Session {
  Bench& b;
  std::uint16_t sport;
  std::uint32_t cseq = 1000, sseq = 9000;
  Session(Bench& bench, std::uint64_t ts, std::uint16_t port = 40000) : b(bench), sport(port) {
    b.send(tcp_frame(10, 101, sport, 502, dp::kTcpSyn, cseq - 1, 0), ts);
    b.send(tcp_frame(101, 10, 502, sport, dp::kTcpSyn | dp::kTcpAck, sseq - 1, cseq), ts + 100);
    b.send(tcp_frame(10, 101, sport, 502, dp::kTcpAck, cseq, sseq), ts + 200);
  }
  dp::Packet request(const std::vector<std::uint8_t>& adu, std::uint64_t ts) {
    dp::Packet p = b.send(tcp_frame(10, 101, sport, 502, dp::kTcpAck | dp::kTcpPsh, cseq, sseq, adu), ts);
    cseq += static_cast<std::uint32_t>(adu.size());
    return p;
  }
};

}  // namespace

TEST_CASE("a conformance event configured to drop drops the packet that raised it") {
  AnomalySettings s;
  s.conformance.overrides = {{"modbus.illegal_function", dp::Action::Drop}};
  Bench b(s);
  Session c(b, kSec);
  const dp::Packet ok = c.request(modbus_adu(1, 1, {3, 0, 0, 0, 10}), 2 * kSec);
  CHECK(ok.forwarded());
  CHECK(b.out.events.empty());
  const dp::Packet bad = c.request(modbus_adu(2, 1, {0x30, 0, 0}), 3 * kSec);  // FC 48: reserved
  CHECK_FALSE(bad.forwarded());
  CHECK(bad.verdict == dp::Action::Drop);
  REQUIRE(b.out.count("modbus.illegal_function") == 1);
  CHECK(b.out.events.back().action == dp::Action::Drop);
  CHECK(b.out.audits.back().verdict == dp::Action::Drop);
  CHECK(b.pipeline.anomaly().conformance_enforced == 1);
  // The next conforming request goes through again.
  CHECK(c.request(modbus_adu(3, 1, {3, 0, 0, 0, 10}), 4 * kSec).forwarded());
}

TEST_CASE("a conformance event configured to allow is counted but raises no event") {
  AnomalySettings s;
  s.conformance.default_action = dp::Action::Allow;
  Bench b(s);
  Session c(b, kSec);
  CHECK(c.request(modbus_adu(2, 1, {0x30, 0, 0}), 2 * kSec).forwarded());
  CHECK(b.out.count("modbus.illegal_function") == 0);
  CHECK(b.pipeline.anomaly().conformance_silenced == 1);
}

TEST_CASE("a conformance event configured to block blocks the rest of the flow") {
  AnomalySettings s;
  s.conformance.overrides = {{"modbus.illegal_function", dp::Action::Block}};
  Bench b(s);
  Session c(b, kSec);
  CHECK_FALSE(c.request(modbus_adu(2, 1, {0x30, 0, 0}), 2 * kSec).forwarded());
  CHECK_FALSE(c.request(modbus_adu(3, 1, {3, 0, 0, 0, 10}), 3 * kSec).forwarded());
}

TEST_CASE("a SYN flood raises one event per second and server; normal connection rates stay quiet") {
  AnomalySettings s;
  Bench b(s);
  // Normal: a historian connecting every 5 s, an HMI every 2 s, for ten minutes.
  std::uint16_t port = 20000;
  for (std::uint64_t t = 0; t < 600; ++t) {
    if (t % 5 == 0) b.send(tcp_frame(11, 101, ++port, 502, dp::kTcpSyn, 1, 0), 100 * kSec + t * kSec);
    if (t % 2 == 0) b.send(tcp_frame(10, 102, ++port, 502, dp::kTcpSyn, 1, 0), 100 * kSec + t * kSec + 5000);
  }
  CHECK(b.out.count("rate.syn_flood") == 0);
  CHECK(b.out.count("rate.connection_flood") == 0);
  // Flood: 2000 SYNs from random ports within two seconds.
  const std::uint64_t t0 = 800 * kSec;
  for (int i = 0; i < 2000; ++i)
    b.send(tcp_frame(66, 101, static_cast<std::uint16_t>(1024 + i), 502, dp::kTcpSyn, 7, 0), t0 + i * (kSec / 1000));
  CHECK(b.out.count("rate.syn_flood") == 2);
  CHECK(b.out.count("rate.connection_flood") == 2);
  CHECK(b.pipeline.anomaly().syn_floods == 2);
}

TEST_CASE("rates with action drop drop the SYNs over the threshold") {
  AnomalySettings s;
  s.rates.syn_per_s = 10;
  s.rates.action = dp::Action::Drop;
  Bench b(s);
  int forwarded = 0;
  for (int i = 0; i < 30; ++i)
    forwarded += b.send(tcp_frame(66, 101, static_cast<std::uint16_t>(1024 + i), 502, dp::kTcpSyn, 7, 0),
                        kSec + i * (kSec / 100)).forwarded();
  CHECK(forwarded == 10);
  CHECK(b.out.count("rate.syn_flood") == 1);
}

TEST_CASE("a quarantined pair is cut off from the next burst on; other pairs pass") {
  AnomalySettings s;
  Bench b(s);
  Session c(b, kSec);
  CHECK(c.request(modbus_adu(1, 1, {3, 0, 0, 0, 10}), 2 * kSec).forwarded());
  Quarantine q;
  q.action = dp::Action::Drop;
  q.pairs.push_back({ip(10), ip(101), 502});
  q.seal();
  b.cfg.anomaly.quarantine->store(&q, std::memory_order_release);  // what the control thread publishes
  CHECK_FALSE(c.request(modbus_adu(2, 1, {3, 0, 0, 0, 10}), 3 * kSec).forwarded());
  CHECK(b.pipeline.anomaly().quarantine_dropped == 1);
  // The server's answers and other clients are not affected.
  CHECK(b.send(tcp_frame(101, 10, 502, 40000, dp::kTcpAck, 9000, 1012), 3 * kSec + 100).forwarded());
  CHECK(b.send(tcp_frame(11, 101, 41000, 502, dp::kTcpSyn, 5, 0), 4 * kSec).forwarded());
}

TEST_CASE("settings published through Snapshot<GuardConfig> change a conformance action from the next burst") {
  AnomalySettings s;  // modbus.illegal_function: alert
  Bench b(s);
  dp::RcuDomain rcu(1);
  rcu.online(0);
  dp::Snapshot<GuardConfig> live(rcu, b.cfg.anomaly.live);
  Session c(b, kSec);
  CHECK(c.request(modbus_adu(1, 1, {0x30, 0, 0}), 2 * kSec).forwarded());
  AnomalySettings drop = s;
  drop.conformance.overrides = {{"modbus.illegal_function", dp::Action::Drop}};
  drop.rates.syn_per_s = 2;
  auto next = std::make_unique<GuardConfig>(make_guard_config(drop));
  next->version = 1;
  live.publish(std::move(next));  // the control thread, while the worker runs
  CHECK_FALSE(c.request(modbus_adu(2, 1, {0x30, 0, 0}), 3 * kSec).forwarded());
  CHECK(b.out.events.back().action == dp::Action::Drop);
  // The thresholds came along: the third SYN in a second is a flood now (the floor was 50).
  for (std::uint16_t port = 41000; port < 41003; ++port) b.send(tcp_frame(12, 101, port, 502, dp::kTcpSyn, 5, 0), 5 * kSec);
  CHECK(b.out.count("rate.syn_flood") == 1);
  // Back to alert with a later version; the replaced table is freed once the worker passed
  // a quiescent state.
  auto back = std::make_unique<GuardConfig>(make_guard_config(s));
  back->version = 2;
  live.publish(std::move(back));
  CHECK(live.retired() == 1);
  CHECK(c.request(modbus_adu(3, 1, {0x30, 0, 0}), 6 * kSec).forwarded());
  rcu.quiescent(0);
  live.reclaim();
  CHECK(live.retired() == 0);
}

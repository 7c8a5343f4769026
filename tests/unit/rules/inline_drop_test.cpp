// Inline semantics through the real pipeline: a PDU a drop rule matches never reaches its
// destination complete, even when split across segments and when its segments come again.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/pipeline/pipeline.hpp"
#include "rules_fixture.hpp"

using namespace fg;
using dp::Action;

namespace {

struct Capture final : dp::RecordOutput {
  std::vector<dp::AuditEntry> audits;
  std::vector<dp::EventEntry> events;
  void audit(const dp::AuditEntry& e) noexcept override { audits.push_back(e); }
  void event(const dp::EventEntry& e) noexcept override { events.push_back(e); }
};

// Ethernet/IPv4/TCP between 198.18.0.20:40000 (client) and 198.18.0.3:502 (server).
std::vector<std::uint8_t> frame(bool from_client, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                                const std::vector<std::uint8_t>& payload) {
  static constexpr std::uint8_t kHeader[] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
                                             0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 198, 18, 0, 20, 198, 18, 0, 3,
                                             0x9c, 0x40, 0x01, 0xf6, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0, 0xff, 0xff, 0, 0, 0, 0};
  // Sized once, then filled: GCC 12 warns falsely (-Warray-bounds) on growing a vector here.
  std::vector<std::uint8_t> f(sizeof kHeader + payload.size(), 0);
  std::copy(std::begin(kHeader), std::end(kHeader), f.begin());
  std::copy(payload.begin(), payload.end(), f.begin() + sizeof kHeader);
  const auto total = static_cast<std::uint16_t>(40 + payload.size());
  f[16] = static_cast<std::uint8_t>(total >> 8);
  f[17] = static_cast<std::uint8_t>(total);
  if (!from_client) {
    std::swap_ranges(f.begin() + 26, f.begin() + 30, f.begin() + 30);  // addresses
    std::swap_ranges(f.begin() + 34, f.begin() + 36, f.begin() + 36);  // ports
  }
  for (int i = 0; i < 4; ++i) {
    f[38 + i] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
    f[42 + i] = static_cast<std::uint8_t>(ack >> (24 - 8 * i));
  }
  f[47] = flags;
  return f;
}

constexpr std::uint8_t kAck = dp::kTcpAck, kPsh = dp::kTcpPsh | dp::kTcpAck;

// Modbus/TCP: read 10 holding registers; write register 40 = 101.
const std::vector<std::uint8_t> kRead = {0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10};
const std::vector<std::uint8_t> kWrite = {0, 2, 0, 0, 0, 6, 1, 6, 0, 40, 0, 101};
const std::vector<std::uint8_t> kReadResponse = {0, 1, 0, 0, 0, 5, 1, 3, 2, 0, 7};

struct Bridge {
  test::Compiled rules;
  std::atomic<const rules::CompiledRules*> slot{nullptr};
  Capture out;
  dp::Pipeline pipeline;
  std::uint64_t frame_no = 0;

  explicit Bridge(const std::string& yaml) : rules(yaml), pipeline(config(), out) {
    slot.store(rules.set.get());
    pipeline.set_rules_source(&slot);
  }
  static dp::PipelineConfig config() {
    dp::PipelineConfig c;
    c.max_flows = 64;
    c.stream_buffers = 16;
    c.app.states_per_protocol = 16;
    return c;
  }
  // Sends one frame through the pipeline; true when it would be forwarded.
  bool send(std::vector<std::uint8_t> f, bool* reset = nullptr) {
    dp::Packet p;
    p.data = f.data();
    p.len = static_cast<std::uint32_t>(f.size());
    p.frame = ++frame_no;
    p.ts_ns = frame_no * 1000;
    dp::Packet* one = &p;
    pipeline.process(&one, 1, p.ts_ns);
    if (reset != nullptr) *reset = p.send_reset;
    return p.forwarded();
  }
  void handshake() {
    REQUIRE(send(frame(true, dp::kTcpSyn, 1000, 0, {})));
    REQUIRE(send(frame(false, dp::kTcpSyn | kAck, 5000, 1001, {})));
    REQUIRE(send(frame(true, kAck, 1001, 5001, {})));
  }
  const dp::AuditEntry& last_audit() {
    REQUIRE_FALSE(out.audits.empty());
    return out.audits.back();
  }
};

std::vector<std::uint8_t> operator+(std::vector<std::uint8_t> a, const std::vector<std::uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::uint8_t> part(const std::vector<std::uint8_t>& v, std::size_t from, std::size_t to) {
  return {v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(to)};
}

}  // namespace

TEST_CASE("a dropped PDU split across segments: its completing segment and every retransmission stay out") {
  Bridge b(R"(
default_action: allow
rules:
  - {name: no-writes, action: drop, modbus: {function: write_single_register}}
)");
  b.handshake();
  CHECK(b.send(frame(true, kPsh, 1001, 5001, kRead)));
  CHECK(b.last_audit().verdict == Action::Allow);
  CHECK(b.send(frame(false, kPsh, 5001, 1013, kReadResponse)));
  // The write arrives in two segments: the first cannot complete it and passes ...
  CHECK(b.send(frame(true, kPsh, 1013, 5012, part(kWrite, 0, 8))));
  const std::size_t audits_before = b.out.audits.size();
  // ... the one that completes it is judged while it is in hand, and does not pass.
  CHECK_FALSE(b.send(frame(true, kPsh, 1021, 5012, part(kWrite, 8, 12))));
  REQUIRE(b.out.audits.size() == audits_before + 1);
  CHECK(b.last_audit().verdict == Action::Drop);
  CHECK(b.rules.names.name(b.last_audit().rule) == "no-writes");
  // The sender retransmits: the reassembler has consumed these bytes, the drop must stick,
  // however the retransmission is cut.
  CHECK_FALSE(b.send(frame(true, kPsh, 1021, 5012, part(kWrite, 8, 12))));
  CHECK_FALSE(b.send(frame(true, kPsh, 1013, 5012, kWrite)));
  CHECK_FALSE(b.send(frame(true, kPsh, 1013, 5012, part(kWrite, 0, 8))));
  CHECK_FALSE(b.send(frame(true, kPsh, 1001, 5012, std::vector<std::uint8_t>(kRead.begin(), kRead.end()) + kWrite)));
  CHECK(b.out.audits.size() == audits_before + 1);  // none of them was parsed again
  // Bytes before the dropped PDU, a pure ACK and the other direction still pass.
  CHECK(b.send(frame(true, kPsh, 1001, 5012, kRead)));
  CHECK(b.send(frame(true, kAck, 1013, 5012, {})));
  CHECK(b.send(frame(false, kAck, 5012, 1013, {})));
  // Data after it is judged on its own (a real receiver waits for the missing bytes first; a
  // replayed capture goes on). A second dropped PDU widens the range: the first stays shut.
  CHECK(b.send(frame(true, kPsh, 1025, 5012, kRead)));
  CHECK(b.last_audit().verdict == Action::Allow);
  CHECK_FALSE(b.send(frame(true, kPsh, 1037, 5012, kWrite)));
  CHECK_FALSE(b.send(frame(true, kPsh, 1013, 5012, kWrite)));
  CHECK_FALSE(b.send(frame(true, kPsh, 1037, 5012, kWrite)));
  CHECK_FALSE(b.send(frame(true, kPsh, 1025, 5012, kRead)));  // between the two: inside the range now
  CHECK(b.send(frame(true, kPsh, 1049, 5012, kRead)));
  CHECK(b.pipeline.rule_stats().sticky_drops == 7);
  CHECK(b.pipeline.rule_stats().pdu_drops == 2);
  // The drop raised an event naming the rule.
  bool event = false;
  for (const auto& e : b.out.events)
    event |= e.anomaly.kind != nullptr && std::string_view(e.anomaly.kind->name) == "policy.rule_match" &&
             e.action == Action::Drop;
  CHECK(event);
}

TEST_CASE("reset on a PDU drops its segment, asks for RSTs and blocks the rest of the flow") {
  Bridge b(R"(
rules:
  - {name: no-writes, action: reset, modbus: {function: write_single_register}}
)");
  b.handshake();
  CHECK(b.send(frame(true, kPsh, 1001, 5001, kRead)));
  bool reset = false;
  CHECK_FALSE(b.send(frame(true, kPsh, 1013, 5001, kWrite), &reset));
  CHECK(reset);
  CHECK(b.last_audit().verdict == Action::Reset);
  CHECK_FALSE(b.send(frame(false, kPsh, 5001, 1013, kReadResponse)));  // blocked both ways now
  CHECK_FALSE(b.send(frame(true, kAck, 1025, 5001, {})));
}

TEST_CASE("responses are judged as they complete: a rule on responses drops the server's segment") {
  Bridge b(R"(
rules:
  - {name: hide-reads, action: drop, direction: response, modbus: {function: read_holding_registers}}
)");
  b.handshake();
  CHECK(b.send(frame(true, kPsh, 1001, 5001, kRead)));
  CHECK_FALSE(b.send(frame(false, kPsh, 5001, 1013, kReadResponse)));
  CHECK(b.last_audit().verdict == Action::Drop);
  CHECK(b.send(frame(true, kAck, 1013, 5001, {})));
}

TEST_CASE("a flow whose rule has no protocol section is decided at its first packet") {
  Bridge b(R"(
default_action: allow
rules:
  - {name: no-modbus, action: drop, dst_port: 502}
)");
  CHECK_FALSE(b.send(frame(true, dp::kTcpSyn, 1000, 0, {})));
  CHECK(b.pipeline.rule_stats().flows_judged == 1);
}

TEST_CASE("the default action's events say no rule matched; a rule's name its kind") {
  auto names = [](const Capture& out) {
    std::vector<std::string> v;
    for (const auto& e : out.events)
      if (e.anomaly.kind != nullptr) v.emplace_back(e.anomaly.kind->name);
    return v;
  };
  Bridge dflt(R"(
default_action: alert
rules:
  - {name: elsewhere, action: allow, dst_port: 1}
)");
  dflt.handshake();
  CHECK(dflt.send(frame(true, kPsh, 1001, 5001, kRead)));
  CHECK(names(dflt.out) == std::vector<std::string>{"policy.default_action", "policy.default_action"});
  for (const auto& e : dflt.out.events) {
    CHECK(e.anomaly.kind->severity == proto::Severity::Low);
    CHECK(std::string_view(e.anomaly.kind->message).find("no rule matched") != std::string_view::npos);
    CHECK(e.action == Action::Alert);
  }
  Bridge rule(R"(
default_action: allow
rules:
  - {name: watch-modbus, action: alert, dst_port: 502}
)");
  rule.handshake();
  CHECK(names(rule.out) == std::vector<std::string>{"policy.acl_match"});
}

TEST_CASE("a new rule set applies to running flows at their next packet") {
  Bridge b(R"(
rules:
  - {name: reads, action: allow, modbus: {function: 3}}
)");
  b.handshake();
  CHECK(b.send(frame(true, kPsh, 1001, 5001, kRead)));
  CHECK(b.send(frame(false, kPsh, 5001, 1013, kReadResponse)));
  test::Compiled stricter(R"(
rules:
  - {name: no-reads, action: drop, modbus: {function: 3}}
)");
  b.slot.store(stricter.set.get());
  CHECK_FALSE(b.send(frame(true, kPsh, 1013, 5012, kRead)));
  CHECK(stricter.names.name(b.last_audit().rule) == "no-reads");
  b.slot.store(b.rules.set.get());  // `stricter` goes away before the bridge
}

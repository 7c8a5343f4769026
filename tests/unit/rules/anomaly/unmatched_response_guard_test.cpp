// dnp3.unmatched_response through a real pipeline over UDP: the configured conformance action
// applies to the datagram carrying the response that answers no request.
#include <catch2/catch.hpp>

#include "dataplane/pipeline/pipeline.hpp"
#include "rules/anomaly/dataplane_guard.hpp"
#include "tests/unit/protocols/dnp3/dnp3_test_support.hpp"
#include "tests/unit/rules/anomaly/anomaly_test_support.hpp"
#include "tests/unit/rules/anomaly/guard_pipeline.hpp"

using namespace fg;
using namespace fg::anomaly;
using namespace fg::anomaly::test;

namespace {

constexpr std::uint64_t kSec = 1'000'000'000ull;

// 198.18.0.<src>:sport → 198.18.0.<dst>:dport, UDP without checksum.
std::vector<std::uint8_t> udp_frame(std::uint8_t src, std::uint8_t dst, std::uint16_t sport, std::uint16_t dport,
                                    const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> f = tcp_frame(src, dst, sport, dport, 0, 0, 0);
  f.resize(14 + 20 + 8);
  std::uint8_t* ip = f.data() + 14;
  const auto total = static_cast<std::uint16_t>(28 + payload.size());
  ip[2] = static_cast<std::uint8_t>(total >> 8);
  ip[3] = static_cast<std::uint8_t>(total);
  ip[9] = 17;
  std::uint8_t* udp = ip + 20;
  const auto len = static_cast<std::uint16_t>(8 + payload.size());
  udp[4] = static_cast<std::uint8_t>(len >> 8);
  udp[5] = static_cast<std::uint8_t>(len);
  udp[6] = udp[7] = 0;
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

// One DNP3 fragment in one link frame: master 1 ↔ outstation 10.
std::vector<std::uint8_t> dnp3_read(std::uint8_t seq) {
  return dnp3::test::request_frame({0xc0, static_cast<std::uint8_t>(0xc0 | seq), 0x01, 60, 1, 0x06});
}
std::vector<std::uint8_t> dnp3_response(std::uint8_t seq) {
  return dnp3::test::response_frame({0xc0, static_cast<std::uint8_t>(0xc0 | seq), 0x81, 0x00, 0x00});
}

struct UdpBench : GuardPipeline {
  explicit UdpBench(const AnomalySettings& s) : GuardPipeline(s, 1024) {}
  dp::Packet master(std::vector<std::uint8_t> dnp3, std::uint64_t ts) { return send(udp_frame(10, 20, 40000, 20000, dnp3), ts); }
  dp::Packet outstation(std::vector<std::uint8_t> dnp3, std::uint64_t ts) { return send(udp_frame(20, 10, 20000, 40000, dnp3), ts); }
};

}  // namespace

TEST_CASE("DNP3 over UDP: an answered request passes, a response to nothing takes the configured action") {
  AnomalySettings s;
  s.conformance.overrides = {{"dnp3.unmatched_response", dp::Action::Drop}};
  UdpBench b(s);
  CHECK(b.master(dnp3_read(2), kSec).forwarded());
  const dp::Packet answered = b.outstation(dnp3_response(2), kSec + 1000);
  CHECK(answered.forwarded());
  CHECK(b.out.count("dnp3.unmatched_response") == 0);
  REQUIRE(b.out.audits.size() == 2);

  const dp::Packet unanswered = b.outstation(dnp3_response(3), 2 * kSec);
  CHECK_FALSE(unanswered.forwarded());
  CHECK(unanswered.verdict == dp::Action::Drop);
  REQUIRE(b.out.count("dnp3.unmatched_response") == 1);
  CHECK(b.out.events.back().action == dp::Action::Drop);
  CHECK(b.out.audits.back().verdict == dp::Action::Drop);
}

TEST_CASE("DNP3 over UDP: responses heard before any request are not judged") {
  AnomalySettings s;
  s.conformance.default_action = dp::Action::Drop;
  UdpBench b(s);
  CHECK(b.outstation(dnp3_response(5), kSec).forwarded());
  CHECK(b.outstation(dnp3_response(6), kSec + 1000).forwarded());
  CHECK(b.out.count("dnp3.unmatched_response") == 0);
}

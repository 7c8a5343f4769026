// What a worker keeps per flow for the rule set: the set that judged it, the rules that can
// still match its PDUs, token buckets of rate-limited rules, and where a dropped PDU began.
#pragma once

#include <cstdint>

#include "dataplane/decode/packet_meta.hpp"
#include "dataplane/pipeline/verdict.hpp"

namespace fg::rules {

// A flow matching more protocol rules by address and port than this is judged per PDU by a
// scan of that protocol's rules after the 16th (correct, slower; counted).
inline constexpr int kMaxFlowCandidates = 16;
inline constexpr int kMaxRateBuckets = 4;
inline constexpr std::uint8_t kNoInterface = 0xff;

// The flow as its client opened it: what L3/L4 conditions are judged against.
struct FlowTuple {
  dp::IpAddr client{};
  dp::IpAddr server{};
  std::uint16_t client_port = 0;
  std::uint16_t server_port = 0;
  std::uint8_t ip_proto = 0;
  std::uint8_t client_if = kNoInterface;  // dataplane port the client is behind
  std::uint8_t server_if = kNoInterface;  // ... and the server (the pair's other port)
};

// Per rule per flow: `tokens` counts matches in units of 1/rate_per_ns of a match, so refill
// is integer arithmetic.
struct RateBucket {
  std::uint32_t rule = 0;  // rule number + 1; 0 = free
  std::uint64_t tokens = 0;
  std::uint64_t last_ns = 0;
};

struct FlowPolicy {
  // Read for every packet of the flow: kept together in the first cache line.
  std::uint64_t set_id = 0;         // CompiledRules::id() that judged the flow; 0 = not yet
  // Sticky PDU drops on TCP: bit d set = a segment of direction d carrying any byte of
  // [drop_lo[d], drop_hi[d]) (the dropped PDUs' bytes, and any between them) is dropped, so a
  // retransmission cannot slip through: the reassembler has consumed those bytes and would
  // otherwise take it for old data and let it pass.
  std::uint8_t drop_dirs = 0;
  std::uint32_t drop_lo[2] = {0, 0};
  std::uint32_t drop_hi[2] = {0, 0};
  FlowTuple tuple;
  std::uint32_t fallthrough = 0;    // first matching rule without a protocol section, + 1; 0 = none
  std::uint32_t fall_rule = 0;      // its name id (0 = the default action)
  dp::Action fall_action = dp::Action::Allow;
  bool protect = false;             // the flow's rule says `protect` (upstream ESP, docs/RULES.md)
  bool fall_log = false;            // the flow's rule says `log: true`
  std::uint8_t count = 0;           // candidates in `cand`
  bool overflow = false;            // more candidates matched than `cand` holds
  std::uint16_t cand[kMaxFlowCandidates] = {};  // protocol rules the flow's L3/L4 matches, in order
  RateBucket buckets[kMaxRateBuckets];

  // Whether PDUs are judged one by one (some protocol rule may match), or the flow's verdict
  // decides everything.
  [[nodiscard]] bool inspect() const noexcept { return count > 0 || overflow; }
};

}  // namespace fg::rules

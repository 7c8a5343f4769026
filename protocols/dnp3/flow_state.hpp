// Per-flow DNP3 state: one transport reassembly buffer per direction, outstanding requests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "protocols/common/pending_requests.hpp"

namespace fg::dnp3 {

// IEEE 1815 recommends 2048-octet fragments; devices may be configured larger, so allow twice
// that. A fragment that would exceed it is discarded (anomaly dnp3.fragment_too_large) and the
// direction waits for the next FIR segment.
inline constexpr std::uint32_t kMaxFragment = 4096;

struct Reassembly {
  bool in_progress = false;
  bool discarding = false;       // after a discarded fragment: drop its remaining segments quietly
  std::uint8_t last_seq = 0;     // sequence of the last accepted segment
  std::uint16_t link_src = 0;    // link addresses the fragment came with
  std::uint16_t link_dst = 0;
  std::uint32_t length = 0;
  std::uint8_t data[kMaxFragment] = {};
};

// A master's request awaiting its solicited response (pairing.hpp). An association is the
// (master, outstation) pair of link addresses on this flow.
struct OutstandingRequest {
  std::uint16_t master = 0;      // link source of the request
  std::uint16_t outstation = 0;  // link destination of the request
  std::uint8_t request_dir = 0;  // proto::Direction the request travelled
  std::uint8_t seq = 0;          // SEQ the next response fragment must carry
  bool continuing = false;       // a multi-fragment response has begun: next fragments FIR=0
};

// A master has one request outstanding per association (clause 4.2.2.4); 16 covers a flow
// carrying several outstations (a terminal server) plus requests the outstation ignored. Policy
// when full: the oldest is forgotten without an event; a late response to it then raises
// dnp3.unmatched_response.
inline constexpr std::size_t kMaxOutstandingRequests = 16;
using RequestTable = proto::PendingRequests<OutstandingRequest, kMaxOutstandingRequests>;

struct FlowState {
  Reassembly dir[2] = {};        // indexed by proto::Direction
  RequestTable requests{};       // per flow: DNP3 over UDP pairs within its flow the same way
};

static_assert(std::is_trivially_copyable_v<FlowState>);

}  // namespace fg::dnp3

// One tracked conversation: key, TCP state per direction, app-layer binding, counters.
#pragma once

#include <cstdint>

#include "dataplane/flow/flow_key.hpp"

namespace fg::dp {

inline constexpr std::uint32_t kNoIndex = 0xffffffffu;

// Which LRU list (and so which idle timeout) a flow is on.
enum class FlowClass : std::uint8_t { Embryonic, Established, Closing, Datagram, kCount };

enum class TcpState : std::uint8_t {
  None,         // not TCP
  SynSent,      // client SYN seen
  SynReceived,  // server SYN-ACK seen
  Established,  // handshake done, or data seen on a flow joined mid-stream
  Closing,      // FIN seen from one side
  Closed,       // FIN both ways, or RST
};

// Flow-level decision that outlives one packet.
enum class FlowVerdict : std::uint8_t { Inspect, Block };

// TCP sequence tracking and reassembly state of one direction (sender's view).
struct TcpDir {
  std::uint32_t next_seq = 0;      // next in-order byte expected from this sender
  std::uint32_t isn = 0;
  std::uint32_t window = 0;        // last window advertised by this sender (scaled)
  std::uint32_t stream_buf = kNoIndex;  // pooled reassembly buffer, when bytes are held
  std::uint8_t wscale = 0;
  bool seq_known = false;
  bool fin_seen = false;
  bool gap = false;                // bytes were lost to reassembly: parser must resync
};

// Per-direction index: 0 = from the client (initiator), 1 = from the server.
struct Flow {
  FlowKey key;
  std::uint64_t first_seen_ns = 0;
  std::uint64_t last_seen_ns = 0;
  std::uint64_t queued_ns = 0;         // when it was last put at the tail of its LRU list
  std::uint32_t lru_prev = kNoIndex;
  std::uint32_t lru_next = kNoIndex;
  std::uint32_t app_state = kNoIndex;  // index into the bound protocol's state pool
  std::uint32_t rule = 0;              // ACL rule that decided the flow (0 = default)
  FlowClass cls = FlowClass::Embryonic;
  TcpState tcp = TcpState::None;
  FlowVerdict verdict = FlowVerdict::Inspect;
  bool client_is_lo = true;            // the key's lo endpoint opened the flow
  std::uint8_t app_proto = 0;          // proto::Protocol once bound
  std::uint8_t app_status = 0;         // AppStatus (dataplane/app)
  std::uint8_t detect_tries = 0;
  bool app_reversed = false;           // the protocol's server is the TCP client (reverse connection)
  std::uint8_t action = 0;             // Action the ACL chose for the whole flow
  TcpDir dir[2];
  std::uint32_t pkts[2] = {0, 0};
  std::uint64_t bytes[2] = {0, 0};
};
static_assert(sizeof(Flow) <= 192, "keep a flow within three cache lines");

}  // namespace fg::dp

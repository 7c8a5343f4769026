// TCP connection state per flow: handshake, FIN/RST, window and sequence validation.
#pragma once

#include <cstdint>

#include "dataplane/decode/packet_meta.hpp"
#include "dataplane/flow/flow.hpp"
#include "protocols/common/anomaly.hpp"

namespace fg::dp {

struct TcpTrackResult {
  bool reassemble = true;           // payload should go to the reassembler
  bool restart = false;             // a SYN reopened a closed flow: caller resets it first
  proto::Anomaly anomaly{};         // kind == nullptr when none
};

// `d` is 0 for the client (initiator) side, 1 for the server side.
TcpTrackResult tcp_track(Flow& f, int d, const PacketMeta& m) noexcept;

// Called on a flow's first packet: picks who is client and sets the initial state.
void tcp_open(Flow& f, const PacketMeta& m, bool from_lo) noexcept;

// The FlowClass a flow's TCP state belongs to (drives its idle timeout).
constexpr FlowClass tcp_flow_class(TcpState s) noexcept {
  switch (s) {
    case TcpState::Established: return FlowClass::Established;
    case TcpState::Closing:
    case TcpState::Closed: return FlowClass::Closing;
    default: return FlowClass::Embryonic;
  }
}

}  // namespace fg::dp

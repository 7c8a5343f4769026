// Per-flow S7 parser state: one bounded COTP reassembly buffer per direction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "protocols/common/pending_requests.hpp"

namespace fg::s7comm {

// S7comm PDU sizes are negotiated (240/480/960 bytes in practice) and S7comm-plus PDUs seen stay
// under ~1 KB per COTP message; 2 KiB per direction leaves headroom. Policy when exceeded: keep
// the first kReassemblyMax bytes, drop the rest, raise s7comm.cotp_reassembly_overflow once, and
// at EOT parse only the kept front (the record carries `reassembly_overflow`).
inline constexpr std::size_t kReassemblyMax = 2048;

struct DirState {
  std::uint32_t total = 0;  // bytes of DT user data since the last EOT (may exceed the buffer)
  bool pending = false;     // a DT without EOT was seen
  std::uint8_t buf[kReassemblyMax] = {};
};

// Outstanding jobs by PDU reference, to tell an Ack/Ack_Data answering nothing. S7 peers
// negotiate at most a few parallel jobs (max AmQ, 1-8 in practice); past kMaxPendingJobs the
// oldest is forgotten. Until the flow has shown a job, answers are not judged (a capture or a
// bridge joined mid-conversation sees answers to jobs it never saw). The table is the one
// DNP3 and OPC UA pair with (protocols/common/pending_requests.hpp).
inline constexpr std::size_t kMaxPendingJobs = 8;

using JobPairing = proto::PendingRequests<std::uint16_t, kMaxPendingJobs>;

struct FlowState {
  DirState dir[2] = {};
  JobPairing jobs{};
};

static_assert(std::is_trivially_copyable_v<FlowState>);

}  // namespace fg::s7comm

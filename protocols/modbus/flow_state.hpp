// Per-flow Modbus parser state: outstanding requests for pairing and per-direction sync flags.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

#include "protocols/common/pending_requests.hpp"

namespace fg::modbus {

// One outstanding request, kept until its response (or eviction) so the response record can
// carry what was asked for.
struct PendingRequest {
  std::uint16_t transaction_id = 0;
  std::uint16_t address = 0;
  std::uint16_t quantity = 0;
  std::uint8_t unit_id = 0;
  std::uint8_t function = 0;
};

// Limit: a client may pipeline requests (Implementation Guide 4.2.1 suggests small numbers);
// 16 covers every shared capture. Policy when full: the oldest entry is evicted (Low anomaly
// `modbus.pending_table_full`), so a late response to it reads as unmatched.
inline constexpr std::size_t kMaxPending = 16;

struct FlowState {
  // The outstanding requests (the table every protocol's pairing uses); its seen_request()
  // is false until a request came, before which a response may simply predate the capture.
  proto::PendingRequests<PendingRequest, kMaxPending> pending{};
  std::array<bool, 2> out_of_sync{};  // per direction: framing lost, anomalies already reported
};

static_assert(std::is_trivially_copyable_v<FlowState>);

}  // namespace fg::modbus

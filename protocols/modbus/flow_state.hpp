// Per-flow Modbus parser state: outstanding requests for pairing and per-direction sync flags.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

namespace fg::modbus {

// One outstanding request, kept until its response (or eviction) so the response record can
// carry what was asked for.
struct PendingRequest {
  std::uint16_t transaction_id = 0;
  std::uint16_t address = 0;
  std::uint16_t quantity = 0;
  std::uint8_t unit_id = 0;
  std::uint16_t order = 0;   // insertion counter: oldest first for eviction and duplicate ids
  std::uint8_t function = 0;
};

// Limit: a client may pipeline requests (Implementation Guide 4.2.1 suggests small numbers);
// 16 covers every shared capture. Policy when full: the oldest entry is evicted (Low anomaly
// `modbus.pending_table_full`), so a late response to it reads as unmatched.
inline constexpr std::size_t kMaxPending = 16;

struct FlowState {
  std::array<PendingRequest, kMaxPending> pending{};
  // Bit i set: pending[i] holds an outstanding request. Walking set bits instead of all 16
  // entries keeps pairing to a few instructions when one request is outstanding, the usual case.
  std::uint16_t used_mask = 0;
  static_assert(kMaxPending <= 16, "used_mask has one bit per entry");
  std::uint16_t next_order = 0;     // stamps PendingRequest::order
  bool seen_request = false;        // until then a response may simply predate the capture
  std::array<bool, 2> out_of_sync{};  // per direction: framing lost, anomalies already reported
};

static_assert(std::is_trivially_copyable_v<FlowState>);

}  // namespace fg::modbus

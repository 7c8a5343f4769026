// Per-flow DNP3 state: one transport reassembly buffer per direction.
#pragma once

#include <cstdint>
#include <type_traits>

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

struct FlowState {
  Reassembly dir[2] = {};        // indexed by proto::Direction
};

static_assert(std::is_trivially_copyable_v<FlowState>);

}  // namespace fg::dnp3

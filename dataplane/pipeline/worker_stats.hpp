// Counters of one worker, written only by that worker (read, racily but safely, by control).
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/decode/packet_meta.hpp"
#include "dataplane/pipeline/verdict.hpp"

namespace fg::dp {

struct alignas(64) WorkerStats {
  std::uint64_t rx_packets = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t forwarded = 0;
  std::uint64_t forwarded_bytes = 0;
  std::uint64_t resets_sent = 0;
  std::uint64_t ipv4 = 0;
  std::uint64_t ipv6 = 0;
  std::uint64_t arp = 0;
  std::uint64_t other_l2 = 0;
  std::uint64_t fragments = 0;
  std::uint64_t tcp = 0;
  std::uint64_t udp = 0;
  std::uint64_t icmp = 0;
  std::uint64_t untracked = 0;  // table full, forwarded by policy without inspection
  std::uint64_t bursts = 0;
  std::array<std::uint64_t, static_cast<int>(DropReason::kCount)> dropped{};
  std::array<std::uint64_t, static_cast<int>(DecodeError::UnknownLinkType) + 1> decode_errors{};
};

}  // namespace fg::dp

// Client→server pairs that enforce mode (baseline.action drop/reset/block) has cut off after
// they stepped outside the baseline. Immutable once published: workers read it through one
// pointer load per burst; the control thread replaces it whole (RCU).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <tuple>
#include <vector>

#include "dataplane/decode/packet_meta.hpp"
#include "dataplane/pipeline/verdict.hpp"

namespace fg::anomaly {

struct QuarantineEntry {
  dp::IpAddr client{};
  dp::IpAddr server{};
  std::uint16_t port = 0;  // the server's
  friend bool operator<(const QuarantineEntry& a, const QuarantineEntry& b) noexcept {
    return std::tie(a.client.bytes, a.server.bytes, a.port) < std::tie(b.client.bytes, b.server.bytes, b.port);
  }
};

struct Quarantine {
  static constexpr std::size_t kMaxPairs = 1024;
  dp::Action action = dp::Action::Drop;
  std::vector<QuarantineEntry> pairs;  // sorted

  [[nodiscard]] bool contains(const dp::IpAddr& client, const dp::IpAddr& server, std::uint16_t port) const noexcept {
    const QuarantineEntry key{client, server, port};
    return std::binary_search(pairs.begin(), pairs.end(), key);
  }
};

// Where the table in force is published; shared by every worker's guard and the control
// thread that replaces it (acquire/release, see Snapshot<T>).
using QuarantineSlot = std::atomic<const Quarantine*>;

}  // namespace fg::anomaly

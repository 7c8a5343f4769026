// Client→server pairs that enforce mode (baseline.action drop/reset/block) has cut off after
// they stepped outside the baseline. Immutable once published: workers read it through one
// pointer load per burst; the control thread replaces it whole (RCU).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "dataplane/decode/packet_meta.hpp"
#include "dataplane/pipeline/verdict.hpp"

namespace fg::anomaly {

struct QuarantineEntry {
  dp::IpAddr client{};
  dp::IpAddr server{};
  std::uint16_t port = 0;  // the server's
  // Any strict order will do (sorting and lookup use the same one): four word compares, which
  // GCC's -Wstringop-overread does not misread under the sanitizers as it did memcmp.
  friend bool operator<(const QuarantineEntry& a, const QuarantineEntry& b) noexcept {
    const auto x = a.words(), y = b.words();
    for (int i = 0; i < 4; ++i)
      if (x[i] != y[i]) return x[i] < y[i];
    return a.port < b.port;
  }
  [[nodiscard]] std::array<std::uint64_t, 4> words() const noexcept {
    std::array<std::uint64_t, 4> w;
    std::memcpy(w.data(), client.bytes.data(), 16);
    std::memcpy(w.data() + 2, server.bytes.data(), 16);
    return w;
  }
  friend bool operator==(const QuarantineEntry& a, const QuarantineEntry& b) noexcept {
    return a.port == b.port && a.client == b.client && a.server == b.server;
  }
  // Four independent multiplies (they run in parallel): cheap enough for every client packet.
  [[nodiscard]] std::uint64_t hash() const noexcept {
    std::uint64_t w[4];
    std::memcpy(w, client.bytes.data(), 16);
    std::memcpy(w + 2, server.bytes.data(), 16);
    const std::uint64_t h = (w[0] * 0x9e3779b97f4a7c15ull) ^ (w[1] * 0xc2b2ae3d27d4eb4full) ^
                            (w[2] * 0x165667b19e3779f9ull) ^ (w[3] * 0xd6e8feb86659fd93ull) ^
                            (std::uint64_t{port} * 0xff51afd7ed558ccdull);
    return h ^ (h >> 29);
  }
};

struct Quarantine {
  static constexpr std::size_t kMaxPairs = 1024;
  static constexpr std::size_t kFilterBits = 1u << 16;
  dp::Action action = dp::Action::Drop;
  std::vector<QuarantineEntry> pairs;  // sorted
  // One bit per hash bucket: almost every packet of a pair not in the table is answered by a
  // single bit test, without touching `pairs`.
  std::vector<std::uint64_t> filter = std::vector<std::uint64_t>(kFilterBits / 64, 0);

  // Sorts `pairs` and fills the filter; call once before publishing.
  void seal() {
    std::sort(pairs.begin(), pairs.end());
    std::fill(filter.begin(), filter.end(), 0);
    for (const auto& p : pairs) {
      const std::uint64_t b = p.hash() % kFilterBits;
      filter[b / 64] |= 1ull << (b % 64);
    }
  }

  [[nodiscard]] bool contains(const dp::IpAddr& client, const dp::IpAddr& server, std::uint16_t port) const noexcept {
    const QuarantineEntry key{client, server, port};
    const std::uint64_t b = key.hash() % kFilterBits;
    if (!(filter[b / 64] >> (b % 64) & 1)) return false;
    return std::binary_search(pairs.begin(), pairs.end(), key);
  }
};

// Where the table in force is published; shared by every worker's guard and the control
// thread that replaces it (acquire/release, see Snapshot<T>).
using QuarantineSlot = std::atomic<const Quarantine*>;

}  // namespace fg::anomaly

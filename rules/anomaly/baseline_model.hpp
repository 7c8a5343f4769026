// The learned baseline: per client→server pair, the protocol, functions, units, S7 areas/DBs,
// DNP3 objects, address ranges, written value ranges and request rates seen while learning.
// Learn mode adds observations; enforce mode reports what lies outside.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "rules/anomaly/observation.hpp"

namespace fg::anomaly {

struct PairKey {
  dp::IpAddr client{};
  dp::IpAddr server{};
  std::uint16_t port = 0;
  proto::Protocol proto = proto::Protocol::None;
  friend bool operator<(const PairKey& a, const PairKey& b) noexcept {
    return std::tie(a.client.bytes, a.server.bytes, a.port, a.proto) <
           std::tie(b.client.bytes, b.server.bytes, b.port, b.proto);
  }
  friend bool operator==(const PairKey& a, const PairKey& b) noexcept = default;
};

PairKey pair_of(const Observation& o) noexcept;

// Sorted, disjoint, non-adjacent [lo, hi] ranges; merged as they are added. Capped: past
// kMaxRanges the two closest ranges are joined (the baseline gets coarser, never wrong).
class RangeSet {
 public:
  static constexpr std::size_t kMaxRanges = 32;
  void add(std::uint32_t lo, std::uint32_t hi);
  [[nodiscard]] bool covers(std::uint32_t lo, std::uint32_t hi) const noexcept;
  [[nodiscard]] const std::vector<std::pair<std::uint32_t, std::uint32_t>>& ranges() const noexcept { return r_; }
  [[nodiscard]] bool empty() const noexcept { return r_.empty(); }

 private:
  std::vector<std::pair<std::uint32_t, std::uint32_t>> r_;
};

struct FunctionProfile {
  std::uint64_t count = 0;
  RangeSet addresses;
  bool has_values = false;
  std::uint16_t value_min = 0xffff, value_max = 0;  // as observed
  // The values enforce mode accepts: the observed range widened by a quarter of its span
  // (at least 1) each side. A few dozen operator writes rarely hit both true extremes; a
  // drift that leaves the band by more than that is what the check is for.
  [[nodiscard]] std::pair<std::uint32_t, std::uint32_t> allowed_values() const noexcept {
    const std::uint32_t m = std::max<std::uint32_t>(1, (value_max - value_min) / 4u);
    return {value_min > m ? value_min - m : 0u, std::min<std::uint32_t>(0xffff, value_max + m)};
  }
};

struct PairProfile {
  std::uint64_t requests = 0;
  std::uint64_t first_ns = 0, last_ns = 0;
  std::uint8_t ip_proto = 6;
  std::map<std::uint32_t, FunctionProfile> functions;
  std::set<std::uint16_t> units;
  std::set<std::uint32_t> tags;      // S7 area<<16|db, DNP3 group<<8|variation
  std::uint32_t max_rate = 0;        // most requests seen within one second
  // Current one-second window while learning.
  std::uint64_t rate_start_ns = 0;
  std::uint32_t rate_count = 0;
};

// What an enforce check found outside the baseline (at most one of each kind per request).
struct Violation {
  const proto::AnomalyKind* kind;
  std::int64_t arg0, arg1;
};

class BaselineModel {
 public:
  static constexpr std::size_t kMaxPairs = 4096;

  // Learn mode: false when the pair table is full (the request is not learned).
  bool learn(const Observation& o);
  // Enforce mode: appends what the request does outside the baseline.
  void check(const Observation& o, std::vector<Violation>& out) const;

  [[nodiscard]] const std::map<PairKey, PairProfile>& pairs() const noexcept { return pairs_; }
  std::map<PairKey, PairProfile>& pairs() noexcept { return pairs_; }
  [[nodiscard]] std::uint64_t requests() const noexcept;
  [[nodiscard]] const PairProfile* find(const PairKey& k) const;
  void clear() { pairs_.clear(); }

 private:
  std::map<PairKey, PairProfile> pairs_;
};

}  // namespace fg::anomaly

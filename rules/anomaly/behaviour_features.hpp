// Behaviour windows: per client→server pair and fixed window, the traffic summarised as a
// feature vector (rate, read/write mix, function classes, address span and entropy,
// inter-arrival mean and spread, PDU size, error rate).
#pragma once

#include <array>
#include <cstdint>

#include "rules/anomaly/observation.hpp"

namespace fg::anomaly {

inline constexpr int kFeatureCount = 12;
using FeatureVector = std::array<double, kFeatureCount>;

// Names as events and docs show them.
extern const std::array<const char*, kFeatureCount> kFeatureNames;

// One window of one pair; add() requests and responses, then features().
class WindowAccumulator {
 public:
  void reset(std::uint64_t start_ns) noexcept;
  void add(const Observation& o) noexcept;
  [[nodiscard]] std::uint32_t requests() const noexcept { return requests_; }
  [[nodiscard]] std::uint64_t start_ns() const noexcept { return start_ns_; }
  [[nodiscard]] FeatureVector features(std::uint64_t window_ns) const noexcept;

 private:
  static constexpr int kAddressBins = 32;
  std::uint64_t start_ns_ = 0;
  std::uint64_t last_request_ns_ = 0;
  std::uint32_t requests_ = 0;
  std::uint32_t responses_ = 0;
  std::uint32_t errors_ = 0;
  std::uint32_t ops_[4] = {};  // by OpClass
  std::uint64_t size_sum_ = 0;
  bool has_address_ = false;
  std::uint32_t addr_min_ = 0, addr_max_ = 0;
  std::uint32_t addr_bins_[kAddressBins] = {};
  std::uint32_t addr_total_ = 0;
  std::uint32_t gaps_ = 0;
  double gap_sum_ = 0, gap_sq_ = 0;  // inter-arrival times of requests, in ms
};

}  // namespace fg::anomaly

#include "rules/anomaly/behaviour_features.hpp"

#include <algorithm>
#include <cmath>

namespace fg::anomaly {

const std::array<const char*, kFeatureCount> kFeatureNames = {
    "request_rate", "write_ratio", "read_share", "write_share", "control_share", "other_share",
    "address_span", "address_entropy", "interarrival_mean", "interarrival_stddev", "pdu_size", "error_rate",
};

void WindowAccumulator::reset(std::uint64_t start_ns) noexcept {
  *this = WindowAccumulator{};
  start_ns_ = start_ns;
}

void WindowAccumulator::add(const Observation& o) noexcept {
  if (!o.request) {
    ++responses_;
    errors_ += o.error;
    return;
  }
  if (requests_ > 0 && o.ts_ns >= last_request_ns_) {
    const double gap_ms = static_cast<double>(o.ts_ns - last_request_ns_) / 1e6;
    ++gaps_;
    gap_sum_ += gap_ms;
    gap_sq_ += gap_ms * gap_ms;
  }
  last_request_ns_ = o.ts_ns;
  ++requests_;
  ++ops_[static_cast<int>(o.op)];
  size_sum_ += o.size;
  for (int i = 0; i < o.span_count; ++i) {
    const auto& s = o.spans[i];
    if (!has_address_) {
      addr_min_ = s.lo;
      addr_max_ = s.hi;
      has_address_ = true;
    }
    addr_min_ = std::min(addr_min_, s.lo);
    addr_max_ = std::max(addr_max_, s.hi);
    // Start addresses hashed into bins: a poll of a few fixed blocks has low entropy, a sweep high.
    ++addr_bins_[(s.lo * 2654435761u) >> 27];
    ++addr_total_;
  }
}

FeatureVector WindowAccumulator::features(std::uint64_t window_ns) const noexcept {
  FeatureVector f{};
  const double n = std::max<std::uint32_t>(requests_, 1);
  const double secs = static_cast<double>(window_ns) / 1e9;
  // Counts and sizes spread over decades: logarithms keep one busy pair from dominating.
  f[0] = std::log1p(requests_ / secs);
  const double rw = ops_[0] + ops_[1];
  f[1] = rw > 0 ? ops_[1] / rw : 0;
  for (int i = 0; i < 4; ++i) f[2 + i] = ops_[i] / n;
  f[6] = has_address_ ? std::log1p(static_cast<double>(addr_max_ - addr_min_)) : 0;
  double h = 0;
  for (std::uint32_t c : addr_bins_) {
    if (c == 0) continue;
    const double p = static_cast<double>(c) / addr_total_;
    h -= p * std::log2(p);
  }
  f[7] = h;
  const double mean = gaps_ > 0 ? gap_sum_ / gaps_ : secs * 1000;
  const double var = gaps_ > 1 ? std::max(0.0, gap_sq_ / gaps_ - mean * mean) : 0;
  f[8] = std::log1p(mean);
  f[9] = std::log1p(std::sqrt(var));
  f[10] = std::log1p(static_cast<double>(size_sum_) / n);
  f[11] = responses_ > 0 ? static_cast<double>(errors_) / responses_ : 0;
  return f;
}

}  // namespace fg::anomaly

// One rate counter: counts per fixed window and learns an EWMA of past windows, so a
// threshold can come from config or from what was normal. Plain data, no allocation.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace fg::anomaly {

struct RateLimits {
  std::uint32_t fixed = 0;        // > 0: this threshold, nothing learned
  std::uint32_t floor = 50;       // a learned threshold is never below this
  double k_sigma = 6.0;
  double alpha = 0.05;
  std::uint32_t warmup = 30;      // windows before a learned threshold replaces the floor
};

struct RateWindow {
  std::uint64_t start_ns = 0;
  std::uint32_t count = 0;
  std::uint32_t windows = 0;      // windows folded into the EWMA
  float mean = 0;
  float var = 0;
  bool alerted = false;           // an event was raised in this window already

  [[nodiscard]] std::uint32_t threshold(const RateLimits& l) const noexcept {
    if (l.fixed > 0) return l.fixed;
    if (windows < l.warmup) return l.floor;
    const double t = mean + l.k_sigma * std::sqrt(std::max(0.0f, var)) + 1.0;
    return std::max<std::uint32_t>(l.floor, static_cast<std::uint32_t>(t));
  }

  // Folds the closed window (and the empty windows since) into the EWMA. Windows that
  // raised an event are left out: an attack must not teach the detector it is normal.
  void roll(std::uint64_t now_ns, std::uint64_t window_ns, const RateLimits& l) noexcept {
    const std::uint64_t elapsed = now_ns >= start_ns ? (now_ns - start_ns) / window_ns : 0;
    if (elapsed == 0) return;
    if (!alerted) fold(static_cast<float>(count), l.alpha);
    // Empty windows in between; beyond 64 the EWMA has forgotten the past anyway.
    const std::uint64_t empty = std::min<std::uint64_t>(elapsed - 1, 64);
    for (std::uint64_t i = 0; i < empty; ++i) fold(0.0f, l.alpha);
    start_ns += elapsed * window_ns;
    count = 0;
    alerted = false;
  }

  void fold(float x, double alpha) noexcept {
    if (windows == 0) {
      mean = x;
      var = 0;
    } else {
      const float a = static_cast<float>(alpha);
      const float diff = x - mean;
      mean += a * diff;
      var = (1 - a) * (var + a * diff * diff);
    }
    ++windows;
  }
};

}  // namespace fg::anomaly

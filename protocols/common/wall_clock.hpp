// Wall-clock time in nanoseconds since the Unix epoch: what records, files, SAs and control
// events are stamped with. Not for the packet path: workers take time from the TSC.
#pragma once

#include <chrono>
#include <cstdint>

namespace fg::proto {

inline std::uint64_t unix_now_ns() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace fg::proto

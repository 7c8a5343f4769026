// fieldguard's counters through DPDK telemetry (`/fieldguard/stats` on the telemetry socket,
// e.g. dpdk-telemetry.py): the same numbers as `fieldguardctl stats` and /metrics.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace fg::dp {

using TelemetryCounters = std::vector<std::pair<std::string, std::uint64_t>>;

// Registers the command once per process (later calls replace the provider; an empty one
// answers an empty dictionary). `counters` runs on DPDK's telemetry thread: it
// must only read state published for other threads (the control loop's stats snapshot).
// False when DPDK refuses the registration.
bool register_telemetry(std::function<TelemetryCounters()> counters);

}  // namespace fg::dp

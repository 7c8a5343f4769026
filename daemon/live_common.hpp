// What both live modes (DPDK and libpcap) share: port pairs by index, status answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/control/control_api.hpp"

namespace fg::daemon {

// The configured pairs as (south, north) indices into Config::ports (names were checked
// when the config was loaded).
std::vector<std::pair<std::uint32_t, std::uint32_t>> pair_indices(const Config& cfg);

// The `status` answer common to both modes.
StatusInfo make_status(const Config& cfg, const char* mode, std::chrono::steady_clock::time_point started,
                       std::uint32_t workers, std::uint32_t workers_alive);

}  // namespace fg::daemon

// Live mode: the DPDK dataplane with a control thread that exports records and serves the CLI.
#pragma once

#include "daemon/config/config.hpp"
#include "daemon/options.hpp"

namespace fg::daemon {

int run_live(const Options& opt, const Config& cfg);

}  // namespace fg::daemon

// `fieldguardd -r FILE`: a capture through the pipeline, synchronously, then a summary.
#pragma once

#include "daemon/config/config.hpp"
#include "daemon/options.hpp"

namespace fg::daemon {

int run_offline(const Options& opt, const Config& cfg);

}  // namespace fg::daemon

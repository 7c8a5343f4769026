// Live mode on the libpcap backend: one thread runs the pipeline, exports and the control socket.
#pragma once

#include "daemon/config/config.hpp"
#include "daemon/options.hpp"

namespace fg::daemon {

int run_pcap_bridge(const Options& opt, const Config& cfg);

}  // namespace fg::daemon

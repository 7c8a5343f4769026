// Offline mode: a capture file through the same pipeline, forwarded packets to a file.
#pragma once

#include <cstdint>
#include <string>

#include "dataplane/pipeline/pipeline.hpp"

namespace fg::dp {

struct ReplayResult {
  bool ok = false;
  std::string error;           // why the replay could not run (file, link type)
  std::uint64_t packets = 0;
  std::uint64_t written = 0;   // packets written to the output file
  std::uint64_t resets = 0;    // RST packets crafted (written to the output as well)
  double seconds = 0;          // wall time of the replay loop
};

// Replays `input` (pcap or pcapng) through `pipeline`; when `output` is not empty, writes
// every forwarded packet to it unchanged, with the input's link type and timestamps.
ReplayResult replay_capture(const std::string& input, const std::string& output, Pipeline& pipeline);

}  // namespace fg::dp

// `capture start|stop|status`: one capture at a time, of the frames a BPF filter accepts,
// into a pcap file in the capture directory, bounded in bytes and seconds. Workers copy
// frames into a ring (dataplane/control/capture_tap.hpp); this side writes them.
#pragma once

#include <pcap/pcap.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/control/control_api.hpp"
#include "dataplane/control/capture_tap.hpp"

namespace fg::daemon {

struct CaptureHooks {
  std::uint32_t workers = 1;
  // Points worker w at a tap (nullptr: none).
  std::function<void(std::uint32_t w, dp::CaptureTap*)> install;
  // RCU: a token after uninstalling, and whether every worker has moved past it.
  std::function<std::uint64_t()> grace_start;
  std::function<bool(std::uint64_t)> grace_done;
};

class CaptureControl {
 public:
  CaptureControl(std::string dir, CaptureHooks hooks);
  ~CaptureControl();
  // Registers "capture" (args {"op": "start"|"stop"|"status", ...}).
  void register_command(ControlState& state);
  // From the control loop: writes captured frames, ends the capture at its bounds.
  void poll();

 private:
  ControlReply start(const YAML::Node& args);
  ControlReply stop(const std::string& why);
  ControlReply status() const;
  void drain();

  std::string dir_;
  CaptureHooks hooks_;
  bool active_ = false;
  std::string file_, filter_text_, ended_;
  std::uint64_t max_bytes_ = 0, bytes_ = 0, packets_ = 0, dropped_ = 0;
  std::chrono::steady_clock::time_point started_{}, deadline_{};
  pcap_t* dead_ = nullptr;
  pcap_dumper_t* dumper_ = nullptr;
  bpf_program prog_{};
  std::vector<std::unique_ptr<dp::CaptureTap>> taps_;
};

}  // namespace fg::daemon

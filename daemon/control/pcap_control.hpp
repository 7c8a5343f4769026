// The control plane of the libpcap bridge: one thread is worker and control, so flows are
// read from the table directly and a capture tap is set without a grace period.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "daemon/config/config.hpp"
#include "daemon/control/capture_control.hpp"
#include "daemon/control/control_api.hpp"
#include "daemon/log_files.hpp"
#include "daemon/metrics/metrics_server.hpp"
#include "dataplane/port/pcap/pcap_live.hpp"

namespace fg::daemon {

class PcapControl {
 public:
  PcapControl(const Config& cfg, dp::PcapBridge& bridge, const dp::Pipeline& pipeline, LogFiles& logs,
              std::function<RunSummary()> totals, std::function<std::uint64_t()> now_ns,
              std::chrono::steady_clock::time_point started, FormatContext rule_names);
  bool open(ControlState& state, std::string& error);
  void poll();
  [[nodiscard]] StatsDetail detail() const;

 private:
  const Config& cfg_;
  dp::PcapBridge& bridge_;
  const dp::Pipeline& pipeline_;
  LogFiles& logs_;
  std::function<RunSummary()> totals_;
  std::function<std::uint64_t()> now_ns_;
  std::chrono::steady_clock::time_point started_;
  FormatContext rule_names_;
  std::unique_ptr<CaptureControl> capture_;
  MetricsServer metrics_;
};

}  // namespace fg::daemon

// The control plane of the DPDK mode in one place: per-worker liveness (and the systemd
// watchdog it feeds), detailed stats, flow listings through the workers' mailboxes, captures,
// record tails and the metrics endpoint.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/control/capture_control.hpp"
#include "daemon/control/control_api.hpp"
#include "daemon/log_files.hpp"
#include "daemon/metrics/metrics_server.hpp"
#include "dataplane/port/dpdk/dpdk_dataplane.hpp"

namespace fg::daemon {

class RecordWriter;
class SyslogExporter;

// The export health row of `stats` from the exporter's counters.
ExportRow export_row(const SyslogExporter& s);

class DpdkControl {
 public:
  DpdkControl(const Config& cfg, dp::DpdkDataplane& dpl, RecordWriter& writer, LogFiles& logs,
              std::chrono::steady_clock::time_point started);
  ~DpdkControl();
  // Registers the commands and opens the metrics endpoint. False with `error` set.
  bool open(ControlState& state, std::string& error);
  // Once per control-loop round: liveness (every second), watchdog, capture, metrics.
  void poll();
  [[nodiscard]] std::uint32_t workers_alive() const noexcept { return alive_count_; }
  [[nodiscard]] StatsDetail detail();

 private:
  const Config& cfg_;
  dp::DpdkDataplane& dpl_;
  RecordWriter& writer_;
  LogFiles& logs_;
  std::chrono::steady_clock::time_point started_;
  std::vector<std::uint64_t> last_loops_;
  std::vector<bool> alive_;
  std::vector<std::uint64_t> episodes_seen_;  // overload episodes already reported
  std::vector<std::uint64_t> bypassed_seen_, overload_dropped_seen_;  // at the last report
  std::uint32_t alive_count_ = 0;
  std::chrono::steady_clock::time_point last_check_;
  bool watchdog_ = false;
  std::unique_ptr<CaptureControl> capture_;
  MetricsServer metrics_;
  // What DPDK's telemetry thread answers: a copy the control loop refreshes every second.
  mutable std::mutex published_mu_;
  StatsDetail published_;
};

}  // namespace fg::daemon

#include "daemon/control/pcap_control.hpp"

#include "daemon/control/dpdk_control.hpp"
#include "daemon/control/flow_command.hpp"
#include "daemon/control/tail_command.hpp"
#include "daemon/export/syslog_exporter.hpp"

namespace fg::daemon {

PcapControl::PcapControl(const Config& cfg, dp::PcapBridge& bridge, const dp::Pipeline& pipeline, LogFiles& logs,
                         std::function<RunSummary()> totals, std::function<std::uint64_t()> now_ns,
                         std::chrono::steady_clock::time_point started, FormatContext rule_names)
    : cfg_(cfg), bridge_(bridge), pipeline_(pipeline), logs_(logs), totals_(std::move(totals)),
      now_ns_(std::move(now_ns)), started_(started), rule_names_(rule_names) {}

StatsDetail PcapControl::detail() const {
  StatsDetail d;
  d.total = totals_();
  WorkerRow r;
  r.packets_in = d.total.packets_in;
  r.bytes_in = d.total.bytes_in;
  r.forwarded = d.total.forwarded;
  r.dropped = d.total.dropped;
  r.flows_active = d.total.flows_active;
  r.loops = pipeline_.stats().bursts;
  d.workers.push_back(r);
  if (logs_.syslog) d.syslog = export_row(*logs_.syslog);
  return d;
}

bool PcapControl::open(ControlState& state, std::string& error) {
  state.stats_detail = [this] { return detail(); };
  register_flow_command(
      state,
      [this](const dp::FlowRequest& req, std::vector<WorkerFlows>& out, std::string&) {
        WorkerFlows wf;
        wf.flows.resize(req.max);
        const std::uint32_t n = dp::query_flows(pipeline_.flows(), req.filter, req.order, wf.flows.data(), req.max, wf.matched);
        wf.flows.resize(n);
        out.push_back(std::move(wf));
        return true;
      },
      now_ns_, rule_names_);
  register_tail_command(state, "events", logs_.events_or_null());
  register_tail_command(state, "audit", logs_.audit_or_null());
  CaptureHooks hooks;
  hooks.workers = 1;
  hooks.install = [this](std::uint32_t, dp::CaptureTap* tap) { bridge_.set_capture(tap); };
  hooks.grace_start = [] { return std::uint64_t{0}; };
  hooks.grace_done = [](std::uint64_t) { return true; };  // same thread: nothing holds the tap
  capture_ = std::make_unique<CaptureControl>(cfg_.capture_dir, hooks);
  capture_->register_command(state);
  if (!cfg_.metrics_listen.empty() && !metrics_.open(cfg_.metrics_listen, error)) return false;
  return true;
}

void PcapControl::poll() {
  capture_->poll();
  metrics_.poll([this] {
    return stats_prometheus(detail(), std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  });
}

}  // namespace fg::daemon

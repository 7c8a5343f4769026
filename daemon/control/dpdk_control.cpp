#include "daemon/control/dpdk_control.hpp"

#include <thread>

#include "daemon/control/flow_command.hpp"
#include "daemon/control/tail_command.hpp"
#include "daemon/export/record_writer.hpp"
#include "daemon/export/syslog_exporter.hpp"
#include "dataplane/port/dpdk/dpdk_telemetry.hpp"

#ifdef FG_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace fg::daemon {

namespace {
constexpr auto kFlowAnswerTimeout = std::chrono::seconds(1);
}

ExportRow export_row(const SyslogExporter& s) {
  const SyslogStats st = s.stats();
  ExportRow r;
  r.connected = st.connected;
  r.sent = st.sent;
  r.dropped = st.dropped;
  r.queued_bytes = st.queued_bytes;
  r.connects = st.connects;
  r.connect_failures = st.connect_failures;
  r.last_error = st.last_error;
  return r;
}

DpdkControl::DpdkControl(const Config& cfg, dp::DpdkDataplane& dpl, RecordWriter& writer, LogFiles& logs,
                         std::chrono::steady_clock::time_point started)
    : cfg_(cfg), dpl_(dpl), writer_(writer), logs_(logs), started_(started),
      last_loops_(dpl.worker_count(), 0), alive_(dpl.worker_count(), true),
      episodes_seen_(dpl.worker_count(), 0), bypassed_seen_(dpl.worker_count(), 0),
      overload_dropped_seen_(dpl.worker_count(), 0), alive_count_(dpl.worker_count()),
      last_check_(std::chrono::steady_clock::now()) {
#ifdef FG_HAVE_SYSTEMD
  std::uint64_t usec = 0;
  watchdog_ = sd_watchdog_enabled(0, &usec) > 0;
#endif
}

DpdkControl::~DpdkControl() { dp::register_telemetry({}); }

StatsDetail DpdkControl::detail() {
  StatsDetail d;
  RunSummary& s = d.total;
  for (std::uint32_t w = 0; w < dpl_.worker_count(); ++w) {
    RunSummary one;
    add_worker(one, dpl_.pipeline(w));
    add_worker(s, dpl_.pipeline(w));
    WorkerRow r;
    r.id = w;
    r.alive = alive_[w];
    r.packets_in = one.packets_in;
    r.bytes_in = one.bytes_in;
    r.forwarded = one.forwarded;
    r.dropped = one.dropped;
    r.flows_active = one.flows_active;
    r.loops = dpl_.shared(w).loops.load(std::memory_order_relaxed);
    r.overload_episodes = dpl_.shared(w).overload_episodes.load(std::memory_order_relaxed);
    r.overload_bypassed = dpl_.shared(w).overload_bypassed.load(std::memory_order_relaxed);
    r.overload_dropped = dpl_.shared(w).overload_dropped.load(std::memory_order_relaxed);
    r.records_lost = dpl_.output(w).lost.load(std::memory_order_relaxed);
    s.records_lost += r.records_lost;
    d.workers.push_back(r);
  }
  s.resets_sent = dpl_.resets_sent();
  s.events = writer_.event_count();
  s.audit_records = writer_.audit_count();
  s.audit_filtered = writer_.audit_filtered();
  for (const auto& p : dpl_.port_counters())
    d.ports.push_back({p.name, p.rx_packets, p.tx_packets, p.rx_bytes, p.tx_bytes, p.rx_missed, p.rx_errors, p.tx_errors});
  if (logs_.syslog) d.syslog = export_row(*logs_.syslog);
  return d;
}

bool DpdkControl::open(ControlState& state, std::string& error) {
  state.stats_detail = [this] { return detail(); };
  register_flow_command(
      state,
      [this](const dp::FlowRequest& req, std::vector<WorkerFlows>& out, std::string& err) {
        for (std::uint32_t w = 0; w < dpl_.worker_count(); ++w)
          if (!dpl_.flow_mailbox(w).post(req)) {
            err = "worker " + std::to_string(w) + " has not answered an earlier flow request (stalled?)";
            return false;
          }
        const auto give_up = std::chrono::steady_clock::now() + kFlowAnswerTimeout;
        for (std::uint32_t w = 0; w < dpl_.worker_count(); ++w) {
          while (!dpl_.flow_mailbox(w).answered()) {
            if (std::chrono::steady_clock::now() > give_up) {
              err = "worker " + std::to_string(w) + " did not answer within 1 s (stalled?)";
              return false;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
          }
          const dp::FlowMailbox& m = dpl_.flow_mailbox(w);
          out.push_back({w, std::vector<dp::FlowInfo>(m.results(), m.results() + m.count()), m.matched()});
        }
        return true;
      },
      [this] { return dpl_.now_ns(); }, writer_.format_context());
  register_tail_command(state, "events", logs_.events_or_null());
  register_tail_command(state, "audit", logs_.audit_or_null());
  CaptureHooks hooks;
  hooks.workers = dpl_.worker_count();
  hooks.install = [this](std::uint32_t w, dp::CaptureTap* tap) { dpl_.set_capture(w, tap); };
  hooks.grace_start = [this] { return dpl_.rcu().start(); };
  hooks.grace_done = [this](std::uint64_t t) { return dpl_.rcu().done(t); };
  capture_ = std::make_unique<CaptureControl>(cfg_.capture_dir, hooks);
  capture_->register_command(state);
  if (!cfg_.metrics_listen.empty() && !metrics_.open(cfg_.metrics_listen, error)) return false;
  published_ = detail();
  // Without telemetry (EAL --no-telemetry) the registration fails: the rest works on.
  (void)dp::register_telemetry([this] {
    std::lock_guard<std::mutex> lock(published_mu_);
    return stats_flat(published_);
  });
  return true;
}

void DpdkControl::poll() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_check_ >= std::chrono::seconds(1)) {
    alive_count_ = 0;
    for (std::uint32_t w = 0; w < dpl_.worker_count(); ++w) {
      const std::uint64_t l = dpl_.shared(w).loops.load(std::memory_order_relaxed);
      const bool was_alive = alive_[w];
      alive_[w] = l != last_loops_[w];
      alive_count_ += alive_[w];
      last_loops_[w] = l;
      if (was_alive && !alive_[w])
        writer_.control_event({"health", "health.worker_stalled", "critical",
                               "worker " + std::to_string(w) + " made no progress for a second; the watchdog is no longer fed",
                               "\"worker\":" + std::to_string(w)});
      else if (!was_alive && alive_[w])
        writer_.control_event({"health", "health.worker_resumed", "medium", "worker " + std::to_string(w) + " moves again",
                               "\"worker\":" + std::to_string(w)});
    }
    last_check_ = now;
    StatsDetail d = detail();
    {
      std::lock_guard<std::mutex> lock(published_mu_);
      published_ = std::move(d);
    }
#ifdef FG_HAVE_SYSTEMD
    // Fed only while every worker moves: a stalled worker lets systemd restart the daemon.
    if (watchdog_ && alive_count_ == dpl_.worker_count()) sd_notify(0, "WATCHDOG=1");
#endif
  }
  // Overload episodes the workers entered since the last round: one event each round.
  for (std::uint32_t w = 0; w < dpl_.worker_count(); ++w) {
    const dp::WorkerShared& sh = dpl_.shared(w);
    const std::uint64_t e = sh.overload_episodes.load(std::memory_order_relaxed);
    if (e == episodes_seen_[w]) continue;
    // Which policy acted since the last report (a worker may serve pairs with either).
    const std::uint64_t bypassed = sh.overload_bypassed.load(std::memory_order_relaxed);
    const std::uint64_t dropped = sh.overload_dropped.load(std::memory_order_relaxed);
    const bool open = bypassed - bypassed_seen_[w] >= dropped - overload_dropped_seen_[w] &&
                      bypassed > bypassed_seen_[w];
    bypassed_seen_[w] = bypassed;
    overload_dropped_seen_[w] = dropped;
    const std::string what = open ? "forwarded without inspection (fail: open)" : "dropped (fail: closed)";
    writer_.control_event({"health", open ? "health.overload_fail_open" : "health.overload_fail_closed", "high",
                           "worker " + std::to_string(w) + " is overloaded (its receive queue stays full): traffic is " + what,
                           "\"worker\":" + std::to_string(w) + ",\"episodes\":" + std::to_string(e) +
                               ",\"bypassed\":" + std::to_string(bypassed) + ",\"dropped\":" + std::to_string(dropped)});
    episodes_seen_[w] = e;
  }
  capture_->poll();
  metrics_.poll([this] {
    return stats_prometheus(detail(), std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  });
}

}  // namespace fg::daemon

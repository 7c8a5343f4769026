#include "daemon/live_mode.hpp"

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "daemon/control/control_api.hpp"
#include "daemon/control/control_server.hpp"
#include "daemon/export/record_writer.hpp"
#include "daemon/log_files.hpp"
#include "daemon/summary.hpp"
#include "daemon/live_common.hpp"
#include "daemon/rules/rule_manager.hpp"
#include "dataplane/port/dpdk/dpdk_dataplane.hpp"

#ifdef FG_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace fg::daemon {

namespace {

volatile std::sig_atomic_t g_signal = 0;  // the handler only sets this flag
extern "C" void on_signal(int sig) { g_signal = sig; }
volatile std::sig_atomic_t g_hup = 0;  // SIGHUP: reload the rule set
extern "C" void on_hup(int) { g_hup = 1; }

dp::DpdkOptions dpdk_options(const Options& opt, const Config& cfg) {
  dp::DpdkOptions o;
  o.eal_args = cfg.eal_args;
  o.eal_args.insert(o.eal_args.end(), opt.eal_args.begin(), opt.eal_args.end());
  for (const auto& p : cfg.ports) o.ports.push_back({p.name, p.device});
  o.pairs = pair_indices(cfg);
  o.burst = cfg.burst;
  o.mbufs_per_port = cfg.mbufs_per_port;
  o.pipeline = cfg.pipeline;
  o.pipeline.holes = cfg.holes.value_or(dp::HolePolicy::Wait);
  return o;
}

RunSummary collect(dp::DpdkDataplane& dpl, const RecordWriter& writer) {
  RunSummary s;
  for (std::uint32_t w = 0; w < dpl.worker_count(); ++w) {
    add_worker(s, dpl.pipeline(w));
    s.records_lost += dpl.output(w).lost.load(std::memory_order_relaxed);
  }
  s.resets_sent = dpl.resets_sent();
  s.events = writer.event_count();
  s.audit_records = writer.audit_count();
  return s;
}

}  // namespace

int run_live(const Options& opt, const Config& cfg) {
  if (cfg.ports.empty() || cfg.pairs.empty()) {
    std::cerr << "fieldguardd: " << cfg.source
              << ": no ports to bridge (dataplane.ports and dataplane.pairs); use -r FILE for offline replay\n";
    return 1;
  }
  LogFiles logs;
  if (!logs.open(opt, cfg)) return 1;
  rules::RuleNames rule_names;
  RecordWriter writer(logs.audit_or_null(), logs.events_or_null(), format_context_for(rule_names));

  dp::DpdkDataplane dpl;
  std::string error;
  if (!dpl.init(dpdk_options(opt, cfg), error)) {
    std::cerr << "fieldguardd: " << error << "\n";
    return 1;
  }
  RuleManager rule_set(cfg, dpl.rcu(), rule_names);
  {
    Diagnostics diag;
    if (!rule_set.start(diag)) {
      std::cerr << diag.str();
      return 1;
    }
  }
  dpl.set_rules_source(rule_set.source());

  ControlServer control;
  if (!opt.no_control) {
    const std::string path = !opt.control_socket.empty() ? opt.control_socket : cfg.control_socket;
    if (!control.open(path, cfg.control_group, error)) {
      std::cerr << "fieldguardd: " << error << "\n";
      return 1;
    }
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGHUP, on_hup);
  const std::uint32_t idle_ms = opt.idle_exit_ms.value_or(cfg.idle_exit_ms);
  const auto started = std::chrono::steady_clock::now();

  // Keeps the last time every worker's loop counter was seen moving.
  std::vector<std::uint64_t> last_loops(dpl.worker_count(), 0);
  std::uint32_t alive = dpl.worker_count();
  ControlState state;
  state.status = [&] {
    StatusInfo s = make_status(cfg, "dpdk", started, dpl.worker_count(), alive);
    rule_set.fill_status(s);
    return s;
  };
  rule_set.register_commands(state, &writer);
  state.stats = [&] { return collect(dpl, writer); };

  auto drain = [&] {
    for (std::uint32_t w = 0; w < dpl.worker_count(); ++w) {
      dpl.output(w).event_ring.drain([&](const dp::EventEntry& e) { writer.event(e); });
      dpl.output(w).audit_ring.drain([&](const dp::AuditEntry& e) { writer.audit(e); });
    }
    writer.flush();
  };

  std::thread control_thread([&] {
    auto last_alive_check = std::chrono::steady_clock::now();
    while (g_signal == 0) {
      drain();
      control.poll(10, [&](const std::string& line) { return handle_control_request(line, state); });
      if (g_hup != 0) {
        g_hup = 0;
        reload_on_hup(rule_set, writer, opt.quiet);
      }
      rule_set.reclaim();
      const auto now = std::chrono::steady_clock::now();
      if (now - last_alive_check > std::chrono::seconds(1)) {
        alive = 0;
        for (std::uint32_t w = 0; w < dpl.worker_count(); ++w) {
          const std::uint64_t l = dpl.shared(w).loops.load(std::memory_order_relaxed);
          alive += l != last_loops[w];
          last_loops[w] = l;
        }
        last_alive_check = now;
      }
      if (idle_ms > 0) {
        std::uint64_t last_rx = 0;
        for (std::uint32_t w = 0; w < dpl.worker_count(); ++w)
          last_rx = std::max(last_rx, dpl.shared(w).last_rx_ns.load(std::memory_order_relaxed));
        // Idle is measured from the last packet, or from the start when none came.
        if (dpl.now_ns() - last_rx > std::uint64_t{idle_ms} * 1'000'000ull) break;
      }
    }
    dpl.request_stop();
  });

#ifdef FG_HAVE_SYSTEMD
  sd_notify(0, "READY=1");
#endif
  if (!opt.quiet) std::cerr << "fieldguardd: bridging " << cfg.pairs.size() << " port pair(s) with " << dpl.worker_count() << " worker(s)\n";
  dpl.start();
  dpl.run_main();
  control_thread.join();
  dpl.stop();
  drain();

  RunSummary s = collect(dpl, writer);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!opt.quiet) std::cerr << format_summary(s, "fieldguardd: stopped") << dpl.port_report();
  if (!opt.summary_json.empty()) std::ofstream(opt.summary_json) << summary_json(s);
  return 0;
}

}  // namespace fg::daemon

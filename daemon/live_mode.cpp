#include "daemon/live_mode.hpp"

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "daemon/anomaly_service.hpp"
#include "daemon/control/audit_level_command.hpp"
#include "daemon/control/control_api.hpp"
#include "daemon/control/control_server.hpp"
#include "daemon/control/dpdk_control.hpp"
#include "daemon/export/record_writer.hpp"
#include "daemon/identity/identity_runtime.hpp"
#include "daemon/log_files.hpp"
#include "daemon/summary.hpp"
#include "daemon/update/health_sample.hpp"
#include "daemon/update/update_service.hpp"
#include "daemon/update_hooks.hpp"
#include "daemon/live_common.hpp"
#include "daemon/tunnel_service.hpp"
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
  for (const auto& p : cfg.pairs) {
    o.fail_open.push_back(p.fail_open);
    o.fail_set.push_back(p.fail_set);
  }
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
  s.audit_filtered = writer.audit_filtered();
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
  writer.set_audit_level(cfg.audit_level);

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

  // Device identity (docs/IDENTITY.md): one stage per worker, leases, the identity service.
  std::unique_ptr<IdentityRuntime> identity;
  if (cfg.identity.enabled) {
    rules::Inventory inventory = *rule_set.info().inventory;  // the devices of the rules in force
    std::uint64_t south = 0;
    for (const auto& [s_index, n_index] : pair_indices(cfg)) south |= 1ull << s_index;
    identity = std::make_unique<IdentityRuntime>(cfg.identity, std::move(inventory), dpl.rcu(),
                                                 [&dpl] { return dpl.now_ns(); }, south, dpl.worker_count());
    for (std::uint32_t w = 0; w < dpl.worker_count(); ++w) dpl.set_identity(w, &identity->stage(w));
    if (!identity->start_service(error)) {
      std::cerr << "fieldguardd: " << error << "\n";
      return 1;
    }
  }
  std::unique_ptr<dp::Tunnel> tunnel;
  if (!make_tunnel(cfg, dpl.rcu(), dpl.worker_count(), south_port_mask(cfg), &writer, tunnel, error)) {
    std::cerr << "fieldguardd: " << error << (error.ends_with('\n') ? "" : "\n");
    return 1;
  }
  for (std::uint32_t w = 0; tunnel && w < dpl.worker_count(); ++w) dpl.set_stage(w, tunnel->stage(w));

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

  // Liveness, watchdog, stats detail, flows, capture, tails, metrics (daemon/control/).
  DpdkControl dctl(cfg, dpl, writer, logs, started);
  ControlState state;
  state.status = [&] {
    StatusInfo s = make_status(cfg, "dpdk", started, dpl.worker_count(), dctl.workers_alive());
    rule_set.fill_status(s);
    return s;
  };
  rule_set.register_commands(state, &writer);
  register_audit_level_command(state, writer);
  state.stats = [&] { return collect(dpl, writer); };
  if (!dctl.open(state, error)) {
    std::cerr << "fieldguardd: " << error << "\n";
    return 1;
  }
  if (identity) identity->register_commands(state);
  if (tunnel) register_tunnel_commands(state, *tunnel, writer, [&dpl] { return dpl.now_ns(); });
  // The anomaly engine lives on the control thread: it sees the audit records drain() hands
  // to the writer, so the workers pay nothing for it. Made before the update agent, which
  // may reload rules (and their anomaly: settings) from its first poll.
  AnomalyService anomalies(cfg, writer, opt.quiet);
  anomalies.set_rcu(&dpl.rcu());
  rule_set.set_settings_hook(&anomalies);
  std::unique_ptr<update::UpdateService> updates;  // docs/UPDATE.md
  if (cfg.update.enabled) {
    update::DataplaneHooks hooks{&dpl.rcu(), &rule_set, [&] {
      update::HealthSample s;
      for (std::uint32_t w = 0; w < dpl.worker_count(); ++w) {
        s.worker_loops.push_back(dpl.shared(w).loops.load(std::memory_order_relaxed));
        update::add_to_sample(s, dpl.pipeline(w).stats());
      }
      return s;
    }};
    add_service_hooks(hooks, tunnel.get(), identity.get(), anomalies, [&dpl] { return dpl.now_ns(); });
    if (!(updates = update::start_update_service(cfg, std::move(hooks), state, error))) {
      std::cerr << "fieldguardd: update: " << error << "\n";
      return 1;
    }
  }
  anomalies.register_commands(state);

  auto drain = [&] {
    for (std::uint32_t w = 0; w < dpl.worker_count(); ++w) {
      dpl.output(w).event_ring.drain([&](const dp::EventEntry& e) { writer.event(e); });
      dpl.output(w).audit_ring.drain([&](const dp::AuditEntry& e) {
        writer.audit(e);
        anomalies.audit(e);
      });
    }
    if (identity) {
      identity->follow_rules(rule_set.info(), writer);  // a rule reload brings a new inventory
      identity->poll(writer);
    }
    if (updates) updates->agent.drain_events(writer);
    anomalies.tick_wall_clock();
    writer.flush();
  };

  std::thread control_thread([&] {
    while (g_signal == 0) {
      drain();
      control.poll(10, [&](const std::string& line) { return handle_control_request(line, state); });
      dctl.poll();
      if (tunnel) tunnel_tick(*tunnel, writer, dpl.now_ns());
      if (g_hup != 0) {
        g_hup = 0;
        reload_on_hup(rule_set, writer, opt.quiet);
      }
      rule_set.reclaim();
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
  if (identity) identity->stop();  // no admission after the workers stop
  if (updates) updates->agent.stop();  // before the workers go: it may be swapping their ACL
  dpl.stop();
  drain();
  anomalies.finish();
  writer.flush();

  RunSummary s = collect(dpl, writer);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!opt.quiet) std::cerr << format_summary(s, "fieldguardd: stopped") << dpl.port_report();
  if (!opt.summary_json.empty()) std::ofstream(opt.summary_json) << summary_json(s);
  return 0;
}

}  // namespace fg::daemon

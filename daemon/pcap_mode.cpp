#include "daemon/pcap_mode.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>

#include "daemon/anomaly_service.hpp"
#include "daemon/control/audit_level_command.hpp"
#include "daemon/control/control_api.hpp"
#include "daemon/control/control_server.hpp"
#include "daemon/control/pcap_control.hpp"
#include "daemon/export/record_writer.hpp"
#include "daemon/export/writer_output.hpp"
#include "daemon/identity/identity_runtime.hpp"
#include "daemon/log_files.hpp"
#include "daemon/summary.hpp"
#include "daemon/update/health_sample.hpp"
#include "daemon/update/update_service.hpp"
#include "daemon/update_hooks.hpp"
#include "daemon/live_common.hpp"
#include "daemon/tunnel_service.hpp"
#include "dataplane/port/pcap/pcap_live.hpp"
#include "daemon/rules/rule_manager.hpp"
#include "dataplane/rcu/rcu_domain.hpp"

#ifdef FG_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace fg::daemon {

namespace {

volatile std::sig_atomic_t g_pcap_signal = 0;
extern "C" void on_pcap_signal(int sig) { g_pcap_signal = sig; }
volatile std::sig_atomic_t g_pcap_hup = 0;  // SIGHUP: reload the rule set
extern "C" void on_pcap_hup(int) { g_pcap_hup = 1; }

std::uint64_t mono_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count());
}

}  // namespace

int run_pcap_bridge(const Options& opt, const Config& cfg) {
  if (cfg.ports.empty() || cfg.pairs.empty()) {
    std::cerr << "fieldguardd: " << cfg.source << ": no ports to bridge (dataplane.ports and dataplane.pairs)\n";
    return 1;
  }
  LogFiles logs;
  if (!logs.open(opt, cfg)) return 1;
  rules::RuleNames rule_names;
  RecordWriter writer(logs.audit_or_null(), logs.events_or_null(), format_context_for(rule_names));
  writer.set_audit_level(cfg.audit_level);
  AnomalyService anomalies(cfg, writer, opt.quiet);
  AnomalyTapOutput out(writer, anomalies);
  dp::PipelineConfig pc = cfg.pipeline;
  pc.holes = cfg.holes.value_or(dp::HolePolicy::Wait);
  dp::Pipeline pipeline(pc, out);
  // One thread is worker and control plane: it is quiescent between polls, so tables it
  // swaps while serving the control socket are freed on the next round.
  dp::RcuDomain rcu(1);
  rcu.online(0);
  anomalies.set_rcu(&rcu);
  RuleManager rule_set(cfg, rcu, rule_names);
  {
    Diagnostics diag;
    if (!rule_set.start(diag)) {
      std::cerr << diag.str();
      return 1;
    }
  }
  pipeline.set_rules_source(rule_set.source());
  rule_set.set_settings_hook(&anomalies);  // a reload re-reads the rule file's anomaly: too
  std::unique_ptr<dp::Tunnel> tunnel;
  {
    std::string terr;
    if (!make_tunnel(cfg, rcu, 1, south_port_mask(cfg), &writer, tunnel, terr)) {
      std::cerr << "fieldguardd: " << terr << (terr.ends_with('\n') ? "" : "\n");
      return 1;
    }
    if (tunnel) pipeline.set_stage(tunnel->stage(0));
  }

  // Device identity (docs/IDENTITY.md): the one pipeline runs the stage; this thread polls it.
  std::unique_ptr<IdentityRuntime> identity;
  if (cfg.identity.enabled) {
    std::string error;
    rules::Inventory inventory = *rule_set.info().inventory;  // the devices of the rules in force
    std::uint64_t south = 0;
    for (const auto& [s_index, n_index] : pair_indices(cfg)) south |= 1ull << s_index;
    identity = std::make_unique<IdentityRuntime>(cfg.identity, std::move(inventory), rcu, mono_ns, south, 1);
    pipeline.set_identity(&identity->stage(0));
    if (!identity->start_service(error)) {
      std::cerr << "fieldguardd: " << error << "\n";
      return 1;
    }
  }

  std::vector<std::string> ifaces;
  for (const auto& p : cfg.ports) ifaces.push_back(p.device);
  const auto pairs = pair_indices(cfg);

  dp::PcapBridge bridge;
  std::string error;
  if (!bridge.open(ifaces, pairs, error)) {
    std::cerr << "fieldguardd: " << error << "\n";
    return 1;
  }
  ControlServer control;
  if (!opt.no_control && !control.open(!opt.control_socket.empty() ? opt.control_socket : cfg.control_socket,
                                       cfg.control_group, error)) {
    std::cerr << "fieldguardd: " << error << "\n";
    return 1;
  }
  std::signal(SIGINT, on_pcap_signal);
  std::signal(SIGTERM, on_pcap_signal);
  std::signal(SIGHUP, on_pcap_hup);

  const auto started = std::chrono::steady_clock::now();
  auto collect = [&] {
    RunSummary s;
    add_worker(s, pipeline);
    s.resets_sent = bridge.stats().resets;
    s.events = writer.event_count();
    s.audit_records = writer.audit_count();
    s.audit_filtered = writer.audit_filtered();
    return s;
  };
  ControlState state;
  state.status = [&] {
    StatusInfo s = make_status(cfg, "pcap", started, 1, 1);
    rule_set.fill_status(s);
    return s;
  };
  rule_set.register_commands(state, &writer);
  register_audit_level_command(state, writer);
  state.stats = collect;
  PcapControl pctl(cfg, bridge, pipeline, logs, collect, mono_ns, started, writer.format_context());
  if (!pctl.open(state, error)) {
    std::cerr << "fieldguardd: " << error << "\n";
    return 1;
  }
  if (tunnel) register_tunnel_commands(state, *tunnel, writer, mono_ns);
  std::atomic<std::uint64_t> loops{0};  // progress of the one worker, for the update health check
  std::unique_ptr<update::UpdateService> updates;  // docs/UPDATE.md
  if (cfg.update.enabled) {
    update::DataplaneHooks hooks{&rcu, &rule_set, [&] {
      update::HealthSample s;
      s.worker_loops.push_back(loops.load(std::memory_order_relaxed));
      update::add_to_sample(s, pipeline.stats());
      return s;
    }};
    add_service_hooks(hooks, tunnel.get(), identity.get(), anomalies, mono_ns);
    if (!(updates = update::start_update_service(cfg, std::move(hooks), state, error))) {
      std::cerr << "fieldguardd: update: " << error << "\n";
      return 1;
    }
  }
  anomalies.register_commands(state);
  if (identity) identity->register_commands(state);
#ifdef FG_HAVE_SYSTEMD
  // Ready once every service answers: systemd (and `systemctl start`) then sees a daemon
  // whose update agent and control commands all run.
  sd_notify(0, "READY=1");
#endif

  const std::uint32_t idle_ms = opt.idle_exit_ms.value_or(cfg.idle_exit_ms);
  std::uint64_t last_rx = mono_ns();
#ifdef FG_HAVE_SYSTEMD
  std::uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  std::uint64_t last_ping = 0;
#endif
  while (g_pcap_signal == 0) {
    const std::uint64_t now = mono_ns();
    if (bridge.poll_once(pipeline, 5, now) > 0) last_rx = now;
    rcu.quiescent(0);
    if (tunnel) tunnel_tick(*tunnel, writer, mono_ns());
    loops.fetch_add(1, std::memory_order_relaxed);
    if (updates) updates->agent.drain_events(writer);
    anomalies.tick_wall_clock();
    if (g_pcap_hup != 0) {
      g_pcap_hup = 0;
      reload_on_hup(rule_set, writer, opt.quiet);
    }
    rule_set.reclaim();
    if (identity) {
      identity->follow_rules(rule_set.info(), writer);  // a rule reload brings a new inventory
      identity->poll(writer);
    }
    writer.flush();
    control.poll(0, [&](const std::string& line) { return handle_control_request(line, state); });
    pctl.poll();
#ifdef FG_HAVE_SYSTEMD
    // One thread does everything: reaching here is the progress the watchdog wants.
    if (watchdog && mono_ns() - last_ping > 1'000'000'000ull) {
      sd_notify(0, "WATCHDOG=1");
      last_ping = mono_ns();
    }
#endif
    if (idle_ms > 0 && mono_ns() - last_rx > std::uint64_t{idle_ms} * 1'000'000ull) break;
  }
  if (updates) updates->agent.stop();
  anomalies.finish();
  if (identity) {
    identity->stop();
    identity->poll(writer);
  }
  writer.flush();
  RunSummary s = collect();
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!opt.quiet) std::cerr << format_summary(s, "fieldguardd: stopped");
  if (!opt.summary_json.empty()) std::ofstream(opt.summary_json) << summary_json(s);
  return 0;
}

}  // namespace fg::daemon

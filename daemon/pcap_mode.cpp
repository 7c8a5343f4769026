#include "daemon/pcap_mode.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>

#include "daemon/control/control_api.hpp"
#include "daemon/control/control_server.hpp"
#include "daemon/export/record_writer.hpp"
#include "daemon/export/writer_output.hpp"
#include "daemon/log_files.hpp"
#include "daemon/summary.hpp"
#include "daemon/live_common.hpp"
#include "dataplane/port/pcap/pcap_live.hpp"
#include "daemon/rules/rule_manager.hpp"
#include "dataplane/rcu/rcu_domain.hpp"

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
  WriterOutput out(writer);
  dp::PipelineConfig pc = cfg.pipeline;
  pc.holes = cfg.holes.value_or(dp::HolePolicy::Wait);
  dp::Pipeline pipeline(pc, out);
  // One thread is worker and control plane: it is quiescent between polls, so tables it
  // swaps while serving the control socket are freed on the next round.
  dp::RcuDomain rcu(1);
  rcu.online(0);
  RuleManager rule_set(cfg, rcu, rule_names);
  {
    Diagnostics diag;
    if (!rule_set.start(diag)) {
      std::cerr << diag.str();
      return 1;
    }
  }
  pipeline.set_rules_source(rule_set.source());

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
    return s;
  };
  ControlState state;
  state.status = [&] {
    StatusInfo s = make_status(cfg, "pcap", started, 1, 1);
    rule_set.fill_status(s);
    return s;
  };
  rule_set.register_commands(state, &writer);
  state.stats = collect;

  const std::uint32_t idle_ms = opt.idle_exit_ms.value_or(cfg.idle_exit_ms);
  std::uint64_t last_rx = mono_ns();
  while (g_pcap_signal == 0) {
    const std::uint64_t now = mono_ns();
    if (bridge.poll_once(pipeline, 5, now) > 0) last_rx = now;
    rcu.quiescent(0);
    if (g_pcap_hup != 0) {
      g_pcap_hup = 0;
      reload_on_hup(rule_set, writer, opt.quiet);
    }
    rule_set.reclaim();
    writer.flush();
    control.poll(0, [&](const std::string& line) { return handle_control_request(line, state); });
    if (idle_ms > 0 && mono_ns() - last_rx > std::uint64_t{idle_ms} * 1'000'000ull) break;
  }
  writer.flush();
  RunSummary s = collect();
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!opt.quiet) std::cerr << format_summary(s, "fieldguardd: stopped");
  if (!opt.summary_json.empty()) std::ofstream(opt.summary_json) << summary_json(s);
  return 0;
}

}  // namespace fg::daemon

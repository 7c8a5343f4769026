#include "daemon/offline_mode.hpp"

#include <fstream>
#include <iostream>
#include <memory>

#include "daemon/anomaly_service.hpp"
#include "daemon/export/record_writer.hpp"
#include "daemon/export/writer_output.hpp"
#include "daemon/log_files.hpp"
#include "daemon/summary.hpp"
#include "daemon/tunnel_service.hpp"
#include "daemon/rules/rule_manager.hpp"
#include "dataplane/port/pcap/pcap_replay.hpp"

namespace fg::daemon {

int run_offline(const Options& opt, const Config& cfg) {
  LogFiles logs;
  if (!logs.open(opt, cfg)) return 1;
  rules::RuleNames rule_names;
  RecordWriter writer(logs.audit_or_null(), logs.events_or_null(), format_context_for(rule_names));
  writer.set_audit_level(cfg.audit_level);
  WriterOutput plain(writer);
  // The anomaly engine runs offline only when the config asks for it (`anomaly:`), so a
  // replay never picks up a baseline learned by some other run.
  std::unique_ptr<AnomalyService> anomalies;
  if (cfg.anomaly.configured) anomalies = std::make_unique<AnomalyService>(cfg, writer, opt.quiet);
  std::unique_ptr<AnomalyTapOutput> tap;
  if (anomalies) tap = std::make_unique<AnomalyTapOutput>(writer, *anomalies);
  dp::RecordOutput& out = tap ? static_cast<dp::RecordOutput&>(*tap) : plain;
  dp::PipelineConfig pc = cfg.pipeline;
  pc.holes = cfg.holes.value_or(dp::HolePolicy::Skip);  // what a capture missed never comes
  dp::Pipeline pipeline(pc, out);
  // One thread, no reloads: the domain only satisfies the Snapshots the rule set and the
  // tunnel's SAs live in.
  dp::RcuDomain rcu(1);
  RuleManager rule_set(cfg, rcu, rule_names);
  Diagnostics diag;
  if (!rule_set.start(diag)) {
    std::cerr << diag.str();
    return 1;
  }
  pipeline.set_rules_source(rule_set.source());
  // The tunnel: every frame of a capture counts as from the field side (port 0).
  std::unique_ptr<dp::Tunnel> tunnel;
  std::string tunnel_error;
  if (!make_tunnel(cfg, rcu, 1, 1, &writer, tunnel, tunnel_error)) {
    std::cerr << "fieldguardd: " << tunnel_error << (tunnel_error.ends_with('\n') ? "" : "\n");
    return 1;
  }
  if (tunnel) pipeline.set_stage(tunnel->stage(0));

  const dp::ReplayResult r = dp::replay_capture(opt.read, opt.write, pipeline);
  if (anomalies) anomalies->finish();
  writer.flush();
  if (!r.ok) {
    std::cerr << "fieldguardd: " << opt.read << ": " << r.error << "\n";
    return 1;
  }
  if (!r.error.empty()) std::cerr << "fieldguardd: " << opt.read << ": " << r.error << " (replayed what was readable)\n";

  RunSummary s;
  add_worker(s, pipeline);
  s.resets_sent = r.resets;
  s.events = writer.event_count();
  s.audit_records = writer.audit_count();
  s.audit_filtered = writer.audit_filtered();
  s.seconds = r.seconds;
  if (!opt.quiet) std::cerr << format_summary(s, "fieldguardd: " + opt.read);
  if (tunnel && !opt.quiet) std::cerr << "fieldguardd: tunnel: " << tunnel->report_json() << "\n";
  if (!opt.summary_json.empty()) {
    std::ofstream(opt.summary_json) << summary_json(s);
  }
  return 0;
}

}  // namespace fg::daemon

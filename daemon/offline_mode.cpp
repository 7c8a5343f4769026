#include "daemon/offline_mode.hpp"

#include <fstream>
#include <iostream>

#include "daemon/export/record_writer.hpp"
#include "daemon/export/writer_output.hpp"
#include "daemon/log_files.hpp"
#include "daemon/summary.hpp"
#include "daemon/rules/rule_manager.hpp"
#include "dataplane/port/pcap/pcap_replay.hpp"

namespace fg::daemon {

int run_offline(const Options& opt, const Config& cfg) {
  LogFiles logs;
  if (!logs.open(opt, cfg)) return 1;
  rules::RuleNames rule_names;
  RecordWriter writer(logs.audit_or_null(), logs.events_or_null(), format_context_for(rule_names));
  WriterOutput out(writer);
  dp::PipelineConfig pc = cfg.pipeline;
  pc.holes = cfg.holes.value_or(dp::HolePolicy::Skip);  // what a capture missed never comes
  dp::Pipeline pipeline(pc, out);
  // One thread, no reloads: the domain only satisfies the Snapshot the rule set lives in.
  dp::RcuDomain rcu(1);
  RuleManager rule_set(cfg, rcu, rule_names);
  Diagnostics diag;
  if (!rule_set.start(diag)) {
    std::cerr << diag.str();
    return 1;
  }
  pipeline.set_rules_source(rule_set.source());

  const dp::ReplayResult r = dp::replay_capture(opt.read, opt.write, pipeline);
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
  s.seconds = r.seconds;
  if (!opt.quiet) std::cerr << format_summary(s, "fieldguardd: " + opt.read);
  if (!opt.summary_json.empty()) {
    std::ofstream(opt.summary_json) << summary_json(s);
  }
  return 0;
}

}  // namespace fg::daemon

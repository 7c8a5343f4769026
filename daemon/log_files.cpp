#include "daemon/log_files.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>

#include "daemon/export/syslog_exporter.hpp"

namespace fg::daemon {

LogFiles::LogFiles() = default;
LogFiles::~LogFiles() {
  // Files first (their closing seals go to the exporter's queue), then the exporter.
  events.close();
  audit.close();
  syslog.reset();
}

bool LogFiles::open(const Options& opt, const Config& cfg) {
  const std::string ev = !opt.event_log.empty() ? opt.event_log : cfg.event_log;
  const std::string au = !opt.audit_log.empty() ? opt.audit_log : cfg.audit_log;
  std::string error;
  if (!cfg.seal_key.empty() && !seal_key.load_private(resolve_key_path(cfg.seal_key), error)) {
    std::cerr << "fieldguardd: logging.seal_key: " << error << "\n";
    return false;
  }
  if (!cfg.syslog.server.empty()) {
    syslog = std::make_unique<SyslogExporter>();
    if (!syslog->start(cfg.syslog, error)) {
      std::cerr << "fieldguardd: syslog: " << error << "\n";
      return false;
    }
  }
  auto options = [&](const char* name) {
    StreamOptions o;
    o.name = name;
    o.chain = cfg.log_chain;
    o.seal_key = seal_key.loaded() ? &seal_key : nullptr;
    o.seal_interval_ns = cfg.seal_interval_ns;
    o.max_size = cfg.log_max_size;
    o.keep = cfg.log_keep;
    if (!opt.read.empty()) o.tail_lines = 0;  // -r: no control socket to ask for a tail
    if (syslog) {
      SyslogExporter* s = syslog.get();
      const bool is_audit = std::strcmp(name, "audit") == 0;
      o.forward = [s, is_audit](const std::string& line) { s->enqueue(is_audit, line); };
    }
    return o;
  };
  if (!ev.empty() && !events.open(ev, options("events"))) {
    std::cerr << "fieldguardd: cannot open event log " << ev << ": " << std::strerror(errno) << "\n";
    return false;
  }
  if (!au.empty() && !audit.open(au, options("audit"))) {
    std::cerr << "fieldguardd: cannot open audit log " << au << ": " << std::strerror(errno) << "\n";
    return false;
  }
  return true;
}

FormatContext format_context_for(const Config& cfg) {
  FormatContext fc;
  fc.rule_ctx = &cfg.acl;
  fc.rule_name = [](const void* ctx, std::uint32_t rule) -> std::string {
    return static_cast<const rules::Acl*>(ctx)->rule_name(rule);
  };
  return fc;
}

FormatContext format_context_for(const rules::RuleNames& names) {
  FormatContext fc;
  fc.rule_ctx = &names;
  fc.rule_name = [](const void* ctx, std::uint32_t rule) -> std::string {
    return static_cast<const rules::RuleNames*>(ctx)->name(rule);
  };
  return fc;
}

}  // namespace fg::daemon

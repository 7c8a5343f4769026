#include "daemon/log_files.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>

namespace fg::daemon {

bool LogFiles::open(const Options& opt, const Config& cfg) {
  const std::string ev = !opt.event_log.empty() ? opt.event_log : cfg.event_log;
  const std::string au = !opt.audit_log.empty() ? opt.audit_log : cfg.audit_log;
  if (!ev.empty() && !events.open(ev)) {
    std::cerr << "fieldguardd: cannot open event log " << ev << ": " << std::strerror(errno) << "\n";
    return false;
  }
  if (!au.empty() && !audit.open(au)) {
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

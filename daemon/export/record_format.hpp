// Audit records and events as JSON lines (docs/EVENTS.md describes the schema).
#pragma once

#include <string>

#include "dataplane/app/records.hpp"

namespace fg::daemon {

// `rule_name` resolves a rule number to the name shown in records.
using RuleNamer = std::string (*)(const void* ctx, std::uint32_t rule);

struct FormatContext {
  RuleNamer rule_name = nullptr;
  const void* rule_ctx = nullptr;
};

// Appends one JSON line (with the trailing newline) to `out`.
void format_audit(const dp::AuditEntry& e, const FormatContext& fc, std::string& out);
void format_event(const dp::EventEntry& e, const FormatContext& fc, std::string& out);

// "192.0.2.1" for IPv4-mapped addresses, RFC 5952 text for IPv6.
std::string format_ip(const dp::IpAddr& a);
// RFC 3339 UTC with microseconds, e.g. 2026-11-25T01:19:10.123456Z.
std::string format_time(std::uint64_t ts_ns);
// An anomaly's message with {0}/{1} replaced by its arguments.
std::string format_anomaly_detail(const proto::Anomaly& a);

}  // namespace fg::daemon

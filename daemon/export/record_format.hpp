// Audit records and events as JSON lines (docs/EVENTS.md describes the schema).
#pragma once

#include <string>
#include <string_view>

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

// Room for the text of an address or a time. The control thread formats every record, so
// the forms that fill one of these on the stack allocate nothing.
struct TextBuffer {
  char buf[48];  // INET6_ADDRSTRLEN (46), and "2026-11-25T01:19:10.123456Z"
  std::size_t len = 0;
  [[nodiscard]] std::string_view view() const noexcept { return {buf, len}; }
};

// "192.0.2.1" for IPv4-mapped addresses, RFC 5952 text for IPv6.
std::string_view format_ip(const dp::IpAddr& a, TextBuffer& out);
std::string format_ip(const dp::IpAddr& a);
// RFC 3339 UTC with microseconds, e.g. 2026-11-25T01:19:10.123456Z.
std::string_view format_time(std::uint64_t ts_ns, TextBuffer& out);
std::string format_time(std::uint64_t ts_ns);
// An anomaly's message with {0}/{1} replaced by its arguments.
std::string format_anomaly_detail(const proto::Anomaly& a);

}  // namespace fg::daemon

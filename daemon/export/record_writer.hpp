// Formats audit records and events and writes them to their JSON-lines files.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/export/audit_filter.hpp"
#include "daemon/export/jsonl_file.hpp"
#include "daemon/export/record_format.hpp"

namespace fg::daemon {

// An event raised by the control plane rather than a worker: identity admissions, updates,
// tunnel rekeys, health, baseline. `event` is the kind (`identity`, `update`, `tunnel`,
// `health`, `baseline`, ...), `name` is `<area>.<snake_case>`. `fields` are extra JSON
// members, already encoded, without braces (e.g. "\"device\":\"plc-3\",\"lease_s\":300").
// Never put secrets in them.
struct ControlEvent {
  std::string event;
  std::string name;
  std::string severity = "info";  // info, low, medium, high, critical
  std::string detail;
  std::string fields;
};

class RecordWriter {
 public:
  RecordWriter(JsonlFile* audit, JsonlFile* events, FormatContext fc) : audit_(audit), events_(events), fc_(fc) {}

  // Writes the record if logging.audit wants it (audit_filter.hpp); counts it either way.
  void audit(const dp::AuditEntry& e);
  void set_audit_level(AuditLevel level) noexcept { audit_level_ = level; }
  [[nodiscard]] AuditLevel audit_level() const noexcept { return audit_level_; }
  void event(const dp::EventEntry& e);
  // Stamped with the wall clock now. Call from the thread that owns this writer.
  void control_event(const ControlEvent& e);
  // Writes what is buffered to the files (call once per batch, not per record).
  void flush();

  [[nodiscard]] std::uint64_t audit_count() const noexcept { return audit_count_; }
  // Records not written because logging.audit is `changes` or `flagged`.
  [[nodiscard]] std::uint64_t audit_filtered() const noexcept { return audit_filtered_; }
  // How rule numbers become names (for other control-plane answers, e.g. `flows`).
  [[nodiscard]] const FormatContext& format_context() const noexcept { return fc_; }
  [[nodiscard]] std::uint64_t event_count() const noexcept { return event_count_; }

 private:
  JsonlFile* audit_;
  JsonlFile* events_;
  FormatContext fc_;
  std::string audit_buf_;
  std::string event_buf_;
  AuditLevel audit_level_ = AuditLevel::All;
  std::uint64_t audit_count_ = 0;
  std::uint64_t audit_filtered_ = 0;
  std::uint64_t event_count_ = 0;
};

}  // namespace fg::daemon

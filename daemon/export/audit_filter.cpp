#include "daemon/export/audit_filter.hpp"

#include <string_view>

#include "protocols/opcua/constants.hpp"
#include "rules/anomaly/observation.hpp"

namespace fg::daemon {

namespace {

// DNP3 object groups that carry commands: CROB (12), analog output blocks (41) and their
// command events (13, 43). A response holding them answers a select or an operate.
bool dnp3_carries_commands(const dnp3::Record& r) noexcept {
  for (int i = 0; i < r.object_count && i < dnp3::kMaxObjects; ++i) {
    const std::uint8_t g = r.objects[i].group;
    if (g == 12 || g == 13 || g == 41 || g == 43) return true;
  }
  return false;
}

// Data acquisition and transport: what `changes` leaves out. Reads and their answers (the
// anomaly engine's classification of each protocol's functions, rules/anomaly/observation.cpp),
// OPC UA subscription data (Publish, Republish), DNP3 confirms and responses without command
// objects (polled data, unsolicited reports), and records holding no operation (COTP set-up,
// middle chunks, DNP3 link frames). An OPC UA message whose body is ciphertext could be
// anything, so it is kept.
bool is_acquisition(const dp::AuditEntry& e) noexcept {
  anomaly::Observation o;
  if (!anomaly::observe(e, o)) {
    const auto* ua = std::get_if<opcua::Record>(&e.record);
    return ua == nullptr || ua->body != opcua::Body::Encrypted;
  }
  if (o.op == anomaly::OpClass::Read) return true;
  if (const auto* ua = std::get_if<opcua::Record>(&e.record); ua != nullptr && ua->has_service) {
    const std::string_view name = opcua::service_name(ua->service_id);
    return name.starts_with("Publish") || name.starts_with("Republish");
  }
  if (const auto* d = std::get_if<dnp3::Record>(&e.record)) {
    if (d->app_function == 0) return true;  // confirm
    if (!o.request) return !dnp3_carries_commands(*d);
  }
  return false;
}

}  // namespace

bool audit_wanted(const dp::AuditEntry& e, AuditLevel level) noexcept {
  if (level == AuditLevel::All) return true;
  if (e.logged || e.verdict != dp::Action::Allow || e.anomaly_count > 0) return true;
  if (level == AuditLevel::Flagged) return false;
  // Everything not known to be acquisition is kept: writes, control operations, sessions,
  // unknown and vendor functions.
  return !is_acquisition(e);
}

}  // namespace fg::daemon

// Which audit records are written (logging.audit): every PDU, or fewer on busy links.
#pragma once

#include <string>

#include "dataplane/app/records.hpp"

namespace fg::daemon {

enum class AuditLevel : std::uint8_t {
  All,      // every industrial PDU (the default)
  Changes,  // all but data acquisition (reads and their answers, subscription and polled data)
            // and transport (COTP set-up, middle chunks, DNP3 link frames): see audit_filter.cpp
  Flagged,  // only what is flagged, below
};

// "all", "changes", "flagged". Inline: the config loader (and its fuzz target) needs only these.
inline bool parse_audit_level(const std::string& text, AuditLevel& out) {
  if (text == "all") out = AuditLevel::All;
  else if (text == "changes") out = AuditLevel::Changes;
  else if (text == "flagged") out = AuditLevel::Flagged;
  else return false;
  return true;
}

inline const char* audit_level_name(AuditLevel level) noexcept {
  switch (level) {
    case AuditLevel::All: return "all";
    case AuditLevel::Changes: return "changes";
    case AuditLevel::Flagged: return "flagged";
  }
  return "all";
}

// Whether the record is written at `level`. Flagged records are written at every level: a
// verdict other than allow, an anomaly, or a deciding rule with `log: true`. The filter
// only thins what is written; the anomaly engine still sees every record.
bool audit_wanted(const dp::AuditEntry& e, AuditLevel level) noexcept;

}  // namespace fg::daemon

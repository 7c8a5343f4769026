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

// "all", "changes", "flagged".
bool parse_audit_level(const std::string& text, AuditLevel& out);
const char* audit_level_name(AuditLevel level) noexcept;

// Whether the record is written at `level`. Flagged records are written at every level: a
// verdict other than allow, an anomaly, or a deciding rule with `log: true`. The filter
// only thins what is written; the anomaly engine still sees every record.
bool audit_wanted(const dp::AuditEntry& e, AuditLevel level) noexcept;

}  // namespace fg::daemon

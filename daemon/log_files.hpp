// Opens the event and audit JSON-lines files named on the command line or in the config.
#pragma once

#include "rules/compiled/rule_names.hpp"

#include <string>

#include "daemon/config/config.hpp"
#include "daemon/export/jsonl_file.hpp"
#include "daemon/export/record_format.hpp"
#include "daemon/options.hpp"

namespace fg::daemon {

struct LogFiles {
  JsonlFile events;
  JsonlFile audit;
  // Command line wins over the config. False (with a message on stderr) if a file cannot be opened.
  bool open(const Options& opt, const Config& cfg);
  [[nodiscard]] JsonlFile* events_or_null() { return events.is_open() ? &events : nullptr; }
  [[nodiscard]] JsonlFile* audit_or_null() { return audit.is_open() ? &audit : nullptr; }
};

// Resolves ACL rule numbers to names in records.
FormatContext format_context_for(const Config& cfg);
// Records name their rule through the rule set's name table (numbers stay valid across reloads).
FormatContext format_context_for(const rules::RuleNames& names);

}  // namespace fg::daemon

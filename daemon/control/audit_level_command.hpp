// `audit.level`: shows or changes logging.audit while the daemon runs, so an operator can
// write every record for a while (an investigation) and thin the log again, without a
// restart that would drop every flow's state.
#pragma once

#include "daemon/control/control_api.hpp"
#include "daemon/export/record_writer.hpp"

namespace fg::daemon {

// args {"level": "all"|"changes"|"flagged"} (absent: only show) → {"level", "previous"}.
// A change is an event (`audit.level_changed`, medium): lowering what is audited must itself
// leave a trace.
void register_audit_level_command(ControlState& state, RecordWriter& writer);

}  // namespace fg::daemon

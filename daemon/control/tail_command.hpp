// `events` and `audit` control commands: the newest records the daemon wrote, for
// `fieldguardctl events|audit tail [-n N] [-f]` (a client follows by asking for what came
// after the last sequence number it saw).
#pragma once

#include "daemon/control/control_api.hpp"
#include "daemon/export/jsonl_file.hpp"

namespace fg::daemon {

// Registers `name` ("events" or "audit"): args {"after": SEQ, "n": N} → {"next": SEQ,
// "file": PATH, "records": [objects, oldest first]}. `file` may be null (not configured).
void register_tail_command(ControlState& state, const std::string& name, const JsonlFile* file);

}  // namespace fg::daemon

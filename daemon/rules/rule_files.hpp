// The daemon's view of its rule files: load them with the configuration's port names.
#pragma once

#include "daemon/config/config.hpp"
#include "daemon/config/diagnostics.hpp"
#include "rules/load/rule_loader.hpp"

namespace fg::daemon {

// The port names zones may group: those of dataplane.ports.
rules::LoadOptions rule_load_options(const Config& cfg);

// Loads `path` (a file or a directory) as the daemon would; false with diagnostics otherwise.
bool load_rule_files(const Config& cfg, const std::string& path, rules::LoadedRules& out, Diagnostics& diag);

}  // namespace fg::daemon

// Reads a YAML config file into Config, collecting every error with its file:line:col.
#pragma once

#include <string>

#include "daemon/config/config.hpp"
#include "daemon/config/diagnostics.hpp"
#include "daemon/config/yaml_reader.hpp"

namespace fg::daemon {

// True when the file is valid; `out` is only written then. Unknown keys are errors.
bool load_config_file(const std::string& path, Config& out, Diagnostics& diag);
// Same, from text (`name` stands for the file in diagnostics).
bool load_config_text(const std::string& text, const std::string& name, Config& out, Diagnostics& diag);

}  // namespace fg::daemon

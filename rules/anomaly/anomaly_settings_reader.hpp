// Reads an `anomaly:` section (daemon config or rule file) into AnomalySettings, with
// FILE:LINE:COL diagnostics for every bad key or value.
#pragma once

#include <yaml-cpp/yaml.h>

#include "daemon/config/yaml_reader.hpp"
#include "rules/anomaly/anomaly_settings.hpp"

namespace fg::anomaly {

// False when it reported an error (the reader's diagnostics hold it); `out` keeps the
// values read before the error.
bool read_anomaly_settings(daemon::YamlReader& r, const YAML::Node& n, AnomalySettings& out);

}  // namespace fg::anomaly

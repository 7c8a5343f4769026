// Reads one entry of `rules:` (keys, L3/L4 conditions, one protocol section, options).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "daemon/config/yaml_reader.hpp"
#include "rules/model/rule.hpp"

namespace fg::rules {

// False when the entry had mistakes (all of them reported). Names of devices and zones are
// resolved later, when every file has been read.
bool read_rule(daemon::YamlReader& r, const YAML::Node& n, const std::string& path, Rule& out);

}  // namespace fg::rules

// A quarantined pair written as a YAML map {client, server, port}: in the saved quarantine
// file and in `fieldguardctl baseline release CLIENT SERVER PORT`'s request. One reader, so
// both accept and refuse the same pairs.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "rules/anomaly/quarantine.hpp"

namespace fg::anomaly {

// False with `error` saying which member is wrong ("bad address: ..." or "port must be ...").
bool read_quarantine_pair(const YAML::Node& map, QuarantineEntry& out, std::string& error);

}  // namespace fg::anomaly

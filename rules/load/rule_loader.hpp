// Reads a rule file, or a directory of them, into a RuleSet; every mistake becomes a
// FILE:LINE:COL diagnostic and the whole set is refused (docs/RULES.md).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "daemon/config/diagnostics.hpp"
#include "rules/model/rule.hpp"

namespace fg::rules {

struct LoadOptions {
  // The daemon's dataplane port names, which zones group. Empty: zones' ports are not checked
  // (fieldguardctl rules check without a daemon configuration).
  std::vector<std::string> port_names;
};

struct LoadedRules {
  RuleSet set;
  // The `anomaly:` mappings, as written, for the anomaly engine (issue 5) to read.
  struct AnomalySection {
    std::string file;
    YAML::Node node;
  };
  std::vector<AnomalySection> anomaly;
};

// A file, or a directory whose *.yaml files are read in name order (zones and devices merged,
// rules appended). False with diagnostics when anything is wrong.
bool load_rules_path(const std::string& path, const LoadOptions& opt, LoadedRules& out, daemon::Diagnostics& diag);
// One document held in memory (tests, fuzzing); `name` is used in diagnostics.
bool load_rules_text(const std::string& text, const std::string& name, const LoadOptions& opt, LoadedRules& out,
                     daemon::Diagnostics& diag);

}  // namespace fg::rules

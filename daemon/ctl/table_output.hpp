// Human output of fieldguardctl: key/value listings and aligned tables.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace fg::ctl {

// "  key                   value" lines for every scalar of a (nested) map; nested keys are
// joined with dots.
void print_key_values(const YAML::Node& data, const std::string& prefix = "");

// Columns padded to their widest cell; numbers (cells that parse as numbers) right-aligned.
void print_table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows);

}  // namespace fg::ctl

// Reads the value forms rule conditions share: a number, "lo-hi", a name from a table, or a
// list of these; reports empty and overlapping ranges and unknown names (with did-you-mean).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "daemon/config/yaml_reader.hpp"
#include "rules/load/names.hpp"
#include "rules/model/range_set.hpp"

namespace fg::rules {

// Decimal or 0x-hex whole number. False on anything else.
bool parse_number(std::string_view text, std::uint64_t& out);

struct FieldSpec {
  std::uint32_t max = 0xffff;            // largest number allowed
  std::span<const CodeName> names = {};  // names accepted besides numbers
  const char* what = "value";            // "function", "unit id", ... for messages
  bool ranges = true;                    // "lo-hi" accepted
  bool any = false;                      // "any" accepted (means: no condition)
};

// Reads a scalar or a list of scalars into `out` (set = true unless "any").
bool read_field(daemon::YamlReader& r, const YAML::Node& n, const std::string& path, const FieldSpec& spec,
                FieldCondition& out);

// The message for an unknown name: `unknown function "wirte_coil" (did you mean "write_coil"?)`.
std::string unknown_name_message(const std::string& what, const std::string& word, std::span<const CodeName> names);

}  // namespace fg::rules

// Rule names by number, for audit records and events. Numbers are handed out once per distinct
// name and never reused, so a record made under an older rule set still names its rule after a
// reload. 0 is "default" (the default action decided).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace fg::rules {

class RuleNames {
 public:
  RuleNames() { names_.push_back("default"); }
  std::uint32_t intern(const std::string& name);
  [[nodiscard]] std::string name(std::uint32_t id) const;

 private:
  mutable std::mutex mu_;  // control plane only: records are formatted off the hot path
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> ids_;
};

}  // namespace fg::rules

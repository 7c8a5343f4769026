#include "rules/compiled/rule_names.hpp"

namespace fg::rules {

std::uint32_t RuleNames::intern(const std::string& name) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = ids_.emplace(name, static_cast<std::uint32_t>(names_.size()));
  if (fresh) names_.push_back(name);
  return it->second;
}

std::string RuleNames::name(std::uint32_t id) const {
  std::lock_guard lock(mu_);
  return id < names_.size() ? names_[id] : std::to_string(id);
}

}  // namespace fg::rules

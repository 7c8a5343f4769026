#include "daemon/rules/rule_files.hpp"

namespace fg::daemon {

rules::LoadOptions rule_load_options(const Config& cfg) {
  rules::LoadOptions opt;
  for (const auto& p : cfg.ports) opt.port_names.push_back(p.name);
  return opt;
}

bool load_rule_files(const Config& cfg, const std::string& path, rules::LoadedRules& out, Diagnostics& diag) {
  return rules::load_rules_path(path, rule_load_options(cfg), out, diag);
}

}  // namespace fg::daemon

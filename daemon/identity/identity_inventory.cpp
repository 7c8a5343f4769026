#include "daemon/identity/identity_inventory.hpp"

#include "daemon/rules/rule_files.hpp"

namespace fg::daemon {

bool load_identity_inventory(const Config& cfg, rules::Inventory& out, std::string& error) {
  out = rules::Inventory{};
  if (cfg.rules_path.empty()) return true;
  Diagnostics diag;
  rules::LoadedRules loaded;
  if (!load_rule_files(cfg, cfg.rules_path, loaded, diag)) {
    error = diag.str();
    return false;
  }
  out = std::move(loaded.set.inventory);
  return true;
}

}  // namespace fg::daemon

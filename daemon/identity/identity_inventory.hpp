// The inventory the identity stage and service check against: the rule file's `devices:`
// list, read with the rules loader (daemon/rules/rule_files.hpp). No `rules:` key: empty.
#pragma once

#include <string>

#include "daemon/config/config.hpp"
#include "rules/inventory/inventory.hpp"

namespace fg::daemon {

// False with the loader's FILE:LINE:COL diagnostics in `error` when the rule files are bad.
bool load_identity_inventory(const Config& cfg, rules::Inventory& out, std::string& error);

}  // namespace fg::daemon

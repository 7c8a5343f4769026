// Turns a loaded RuleSet (or the old `acl:` section) into a CompiledRules matcher. Runs on
// the control plane: allocates freely, never on a worker.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rules/acl/acl.hpp"
#include "rules/compiled/compiled_rules.hpp"
#include "rules/compiled/rule_names.hpp"
#include "rules/model/rule.hpp"

namespace fg::rules {

struct CompileOptions {
  // Dataplane port names by port index (Packet::in_port): zones become sets of indexes.
  std::vector<std::string> port_names;
};

inline constexpr std::size_t kMaxRules = 65535;  // candidate rule numbers are 16-bit

// Nullptr with `error` set when the set cannot be compiled (more than kMaxRules rules).
std::unique_ptr<const CompiledRules> compile_rules(const RuleSet& set, const CompileOptions& opt, RuleNames& names,
                                                   std::string& error);

// The old first-match ACL as flow rules of the same engine.
RuleSet rule_set_from_acl(const Acl& acl);

}  // namespace fg::rules

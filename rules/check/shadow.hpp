// Finds rules that can never match because an earlier rule matches everything they would
// (first match wins), and a default action that no traffic can reach.
#pragma once

#include <string>
#include <vector>

#include "rules/model/rule.hpp"

namespace fg::rules {

struct Finding {
  Where where;
  std::string message;
};

// Conservative: reports only certain shadowing (an earlier rule whose every condition is as
// wide as the later one's), never a rule that some packet could still reach.
std::vector<Finding> find_unreachable(const RuleSet& set);

}  // namespace fg::rules

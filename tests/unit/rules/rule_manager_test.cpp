// RuleManager: the set at start, reloads that swap it, refusals that keep it, and the ACL.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "daemon/rules/rule_manager.hpp"

using namespace fg;

namespace {

std::string write(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("fg_rm_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("reload_rules swaps valid sets in, refuses bad ones and keeps the running set") {
  const std::string a = write("a.yaml", "default_action: drop\nrules:\n  - {name: ra, action: allow, modbus: {}}\n");
  const std::string b = write("b.yaml", "rules:\n  - {name: rb1, action: alert}\n  - {name: rb2, action: drop}\n");
  const std::string bad = write("bad.yaml", "rules:\n  - {name: x, action: alow}\n");
  daemon::Config cfg;
  cfg.rules_path = a;
  dp::RcuDomain rcu(1);
  rules::RuleNames names;
  daemon::RuleManager m(cfg, rcu, names);
  daemon::Diagnostics d;
  REQUIRE(m.start(d));
  const rules::CompiledRules* first = m.source()->load();
  REQUIRE(first != nullptr);
  CHECK(first->rule_count() == 1);
  CHECK(m.info().version == 1);
  CHECK(m.info().source == a);
  const std::uint32_t ra = first->rule(0).name_id;

  daemon::Diagnostics d2;
  CHECK_FALSE(m.reload_rules(bad, d2));
  CHECK_THAT(d2.str(), Catch::Contains("bad.yaml:2:23: error: rules[0].action: unknown action \"alow\""));
  CHECK(m.source()->load() == first);  // the running set stays (pointer compared, not read)
  CHECK(m.info().version == 1);
  CHECK(m.info().failed_reloads == 1);
  CHECK_FALSE(m.info().last_error.empty());

  daemon::Diagnostics d3;
  REQUIRE(m.reload_rules(b, d3));
  const rules::CompiledRules* second = m.source()->load();
  CHECK(second->rule_count() == 2);
  CHECK(m.info().version == 2);
  CHECK(m.info().reloads == 1);
  CHECK(m.info().last_error.empty());
  CHECK(names.name(second->rule(0).name_id) == "rb1");
  // No reader is online here, so `first` is already freed; its rule's name is not.
  CHECK(names.name(ra) == "ra");

  daemon::Diagnostics d4;
  REQUIRE(m.reload_rules("", d4));  // the file in force again (SIGHUP)
  CHECK(m.info().version == 3);
  CHECK(m.info().source == b);
  m.reclaim();
  for (const auto& p : {a, b, bad}) std::filesystem::remove(p);
}

TEST_CASE("without rules: the acl: section runs in the engine, and a reload needs a path") {
  daemon::Config cfg;
  rules::AclRule r;
  r.name = "no-5020";
  r.action = dp::Action::Reset;
  r.dport = {5020, 5020};
  cfg.acl.rules.push_back(r);
  dp::RcuDomain rcu(1);
  rules::RuleNames names;
  daemon::RuleManager m(cfg, rcu, names);
  daemon::Diagnostics d;
  REQUIRE(m.start(d));
  CHECK(m.info().source == "acl");
  CHECK(m.source()->load()->rule_count() == 1);
  daemon::Diagnostics d2;
  CHECK_FALSE(m.reload_rules("", d2));
  CHECK_THAT(d2.str(), Catch::Contains("no rule file in force"));
}

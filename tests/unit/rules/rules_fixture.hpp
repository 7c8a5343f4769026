// Test helper: a rule file text compiled into a matcher, and flows to judge against it.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "rules/compiled/compile.hpp"
#include "rules/load/rule_loader.hpp"

namespace fg::test {

struct Compiled {
  rules::RuleNames names;
  std::unique_ptr<const rules::CompiledRules> set;
  rules::MatchStats stats;

  explicit Compiled(const std::string& yaml, std::vector<std::string> ports = {"south", "north"}) {
    rules::LoadedRules loaded;
    daemon::Diagnostics diag;
    rules::LoadOptions lo;
    lo.port_names = ports;
    const bool ok = rules::load_rules_text(yaml, "t.yaml", lo, loaded, diag);
    INFO(diag.str());
    REQUIRE(ok);
    rules::CompileOptions co;
    co.port_names = ports;
    std::string error;
    set = rules::compile_rules(loaded.set, co, names, error);
    REQUIRE(set != nullptr);
  }

  // A TCP flow from client a:cport (behind port `client_if`) to server b:sport.
  rules::FlowPolicy flow(const char* a, const char* b, std::uint16_t sport = 502, std::uint8_t proto = 6,
                         std::uint8_t client_if = 0, std::uint16_t cport = 40000) const {
    rules::FlowTuple t;
    REQUIRE(rules::parse_ip(a, t.client));
    REQUIRE(rules::parse_ip(b, t.server));
    t.client_port = cport;
    t.server_port = sport;
    t.ip_proto = proto;
    t.client_if = client_if;
    t.server_if = client_if == 0 ? 1 : 0;
    rules::FlowPolicy fp;
    set->judge_flow(t, fp);
    return fp;
  }

  template <class R>
  rules::Decision judge(const R& r, rules::FlowPolicy& fp, bool response = false, std::uint64_t now_ns = 0) {
    return set->judge(r, response, fp, now_ns, stats);
  }

  [[nodiscard]] std::string rule_of(const rules::Decision& d) const { return names.name(d.rule); }
};

}  // namespace fg::test

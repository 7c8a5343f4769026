// An immutable, compiled rule set: judges a flow once by L3/L4 (an interval index per
// dimension, bitsets over rule numbers), then each PDU against the few protocol rules its flow
// can match. Per-PDU cost does not grow with the number of rules. Workers read it through
// Snapshot<CompiledRules>; nothing here allocates, locks or throws once built.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/pipeline/verdict.hpp"
#include "protocols/dnp3/record.hpp"
#include "protocols/modbus/record.hpp"
#include "protocols/opcua/record.hpp"
#include "protocols/s7comm/record.hpp"
#include "rules/acl/acl.hpp"
#include "rules/compiled/flow_policy.hpp"
#include "rules/compiled/interval_index.hpp"
#include "rules/model/conditions.hpp"

namespace fg::rules {

// One rule, as the matcher needs it.
struct CompiledRule {
  dp::Action action = dp::Action::Allow;
  Section section = Section::None;
  PduDirection direction = PduDirection::Request;
  bool log = false;
  bool protect = false;
  dp::Action rate_action = dp::Action::Drop;
  std::uint32_t rate_limit = 0;
  std::uint64_t rate_per_ns = 0;
  std::uint32_t name_id = 0;
  // The section's code field (function, opcode) as a 256-bit set, checked first: most
  // candidate rules are rejected by it with one load.
  bool code_set = false;
  std::array<std::uint64_t, 4> codes{};
  ModbusCondition modbus;
  S7Condition s7comm;
  S7PlusCondition s7comm_plus;
  OpcuaCondition opcua;
  Dnp3Condition dnp3;
  // L3/L4 again, for flows with more candidates than FlowPolicy holds (a scan).
  std::uint8_t ip_proto = 0;
  bool from_any = true, to_any = true;
  std::vector<Cidr> from_cidrs, to_cidrs;
  std::uint64_t from_ifs = 0, to_ifs = 0;  // interfaces (zones), one bit per port index
  FieldCondition src_port, dst_port;
};

// What decided a PDU or a flow.
// Eight bytes, so it returns in one register: at twelve, GCC assembled it on the stack byte
// by byte and reloaded it whole, a store-forwarding stall on every PDU (perf).
struct Decision {
  dp::Action action = dp::Action::Allow;
  bool judged = false;        // false: the PDU is transport (COTP setup, a DNP3 link frame,
                              // an intermediate OPC UA chunk): the flow's verdict applies
  bool rate_limited = false;  // the rule's rate was exceeded: `action` is its rate_action
  bool log = false;
  std::uint32_t rule = 0;     // name id (RuleNames); 0 = the default action
};
static_assert(sizeof(Decision) == 8);

struct MatchStats {
  std::uint64_t overflow_scans = 0;  // PDUs judged by scanning (flows with > 16 candidates)
  std::uint64_t rate_untracked = 0;  // rate-limited matches with no free bucket on the flow
};

class CompiledRules {
 public:
  // Judges a flow (new, or last judged by another set): fills `fp` from the tuple.
  void judge_flow(const FlowTuple& t, FlowPolicy& fp) const noexcept;

  // Judges one PDU of a flow `fp` holds; `response` = sent towards the client.
  Decision judge(const modbus::Record& r, bool response, FlowPolicy& fp, std::uint64_t now_ns, MatchStats& st) const noexcept;
  Decision judge(const s7comm::Record& r, bool response, FlowPolicy& fp, std::uint64_t now_ns, MatchStats& st) const noexcept;
  Decision judge(const opcua::Record& r, bool response, FlowPolicy& fp, std::uint64_t now_ns, MatchStats& st) const noexcept;
  Decision judge(const dnp3::Record& r, bool response, FlowPolicy& fp, std::uint64_t now_ns, MatchStats& st) const noexcept;

  // What a flow's packets get when they carry no judged PDU.
  [[nodiscard]] static Decision flow_decision(const FlowPolicy& fp) noexcept {
    if (fp.inspect()) return {.action = dp::Action::Allow, .rule = fp.fall_rule};
    return {.action = fp.fall_action, .judged = true, .log = fp.fall_log, .rule = fp.fall_rule};
  }

  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  [[nodiscard]] std::size_t rule_count() const noexcept { return rules_.size(); }
  [[nodiscard]] dp::Action default_action() const noexcept { return default_action_; }
  [[nodiscard]] const CompiledRule& rule(std::size_t i) const noexcept { return rules_[i]; }
  [[nodiscard]] std::size_t index_bytes() const noexcept;

 private:
  friend class RuleCompiler;
  template <class R>
  Decision judge_pdu(const R& r, Section s, bool response, FlowPolicy& fp, std::uint64_t now_ns, MatchStats& st) const noexcept;
  Decision decide(std::uint32_t idx, FlowPolicy& fp, std::uint64_t now_ns, MatchStats& st) const noexcept;
  [[nodiscard]] bool l34_matches(const CompiledRule& r, const FlowTuple& t) const noexcept;

  std::uint64_t id_ = 0;
  dp::Action default_action_ = dp::Action::Allow;
  std::vector<CompiledRule> rules_;
  std::uint32_t words_ = 0;                  // bitset words: (rules + 63) / 64
  std::vector<std::uint64_t> flow_only_;     // rules without a protocol section
  std::vector<std::uint64_t> sectioned_;     // rules with one
  std::array<std::vector<std::uint32_t>, kSectionCount> by_section_;  // for overflow scans
  IntervalIndex proto_, src_addr_, src_if_, dst_addr_, dst_if_, src_port_, dst_port_;
};

}  // namespace fg::rules

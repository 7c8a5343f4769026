// A rule file as read: zones, devices, ordered rules and the default action (docs/RULES.md).
// Plain data with the line and column of every part, so that checks can point at them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/pipeline/verdict.hpp"
#include "rules/acl/acl.hpp"
#include "rules/inventory/inventory.hpp"
#include "rules/model/conditions.hpp"

namespace fg::rules {

struct Where {
  std::string file;
  int line = 0;
  int column = 0;
  std::string path;  // "rules[3].to[1]", as in diagnostics
};

// One element of `from:` / `to:`. Devices and zones are resolved when the set compiles.
struct Endpoint {
  enum class Kind : std::uint8_t { Any, Zone, Device, Cidr };
  Kind kind = Kind::Any;
  std::string name;  // zone or device id
  Cidr cidr{};
  Where where;
};

struct Rule {
  std::string name;
  dp::Action action = dp::Action::Allow;
  std::vector<Endpoint> from;  // empty = any
  std::vector<Endpoint> to;
  std::uint8_t ip_proto = 0;   // 0 = any
  FieldCondition src_port, dst_port;
  Section section = Section::None;
  PduDirection direction = PduDirection::Request;
  ModbusCondition modbus;
  S7Condition s7comm;
  S7PlusCondition s7comm_plus;
  OpcuaCondition opcua;
  Dnp3Condition dnp3;
  bool log = false;            // audit every match even when auditing is reduced
  bool protect = false;        // upstream encryption (ESP) for what the rule allows
  std::uint32_t rate_limit = 0;  // matches per `rate_per_ns` per flow; 0 = no limit
  std::uint64_t rate_per_ns = 0;
  dp::Action rate_action = dp::Action::Drop;
  Where where;
};

struct Zone {
  std::string name;
  std::vector<std::string> ports;
  Where where;
};

struct RuleSet {
  std::vector<std::string> files;   // what was read, in order
  std::vector<Zone> zones;
  Inventory inventory;
  dp::Action default_action = dp::Action::Allow;
  bool default_given = false;
  Where default_where;
  std::vector<Rule> rules;
  std::string hash;                 // of the files' names and contents (rules show, status)

  [[nodiscard]] const Zone* find_zone(const std::string& name) const noexcept {
    for (const Zone& z : zones)
      if (z.name == name) return &z;
    return nullptr;
  }
};

}  // namespace fg::rules

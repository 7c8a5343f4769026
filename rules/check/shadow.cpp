#include "rules/check/shadow.hpp"

namespace fg::rules {

namespace {

// An endpoint reduced to what it matches: a zone, or an address prefix.
struct Atom {
  bool zone = false;
  std::string name;
  Cidr cidr{};
};

std::vector<Atom> atoms(const RuleSet& set, const std::vector<Endpoint>& list) {
  std::vector<Atom> out;
  for (const Endpoint& e : list) {
    switch (e.kind) {
      case Endpoint::Kind::Any: break;
      case Endpoint::Kind::Zone: out.push_back({true, e.name, {}}); break;
      case Endpoint::Kind::Cidr: out.push_back({false, {}, e.cidr}); break;
      case Endpoint::Kind::Device:
        if (const Device* d = set.inventory.find(e.name))
          for (const auto& ip : d->ips) out.push_back({false, {}, Cidr{ip, 128}});
        break;
    }
  }
  return out;
}

bool atom_covers(const Atom& wide, const Atom& narrow) {
  if (wide.zone || narrow.zone) return wide.zone && narrow.zone && wide.name == narrow.name;
  return wide.cidr.prefix_bits <= narrow.cidr.prefix_bits && wide.cidr.contains(narrow.cidr.addr);
}

bool endpoints_cover(const RuleSet& set, const std::vector<Endpoint>& wide, const std::vector<Endpoint>& narrow) {
  if (wide.empty()) return true;
  if (narrow.empty()) return false;
  const auto w = atoms(set, wide);
  for (const Atom& n : atoms(set, narrow)) {
    bool covered = false;
    for (const Atom& a : w) covered = covered || atom_covers(a, n);
    if (!covered) return false;
  }
  return true;
}

// Conditions fieldguard cannot always check; such PDUs match only rules whose action is not
// allow (compiled/pdu_match.hpp), so an allow rule with them set does not cover a stricter one.
bool has_uncheckable(const Rule& r) {
  switch (r.section) {
    case Section::S7comm: return r.s7comm.area.set || r.s7comm.db.set || r.s7comm.address.set;
    case Section::Dnp3: return r.dnp3.object.set || r.dnp3.address.set;
    case Section::Opcua: return r.opcua.service.set;
    default: return false;
  }
}

bool fields_cover(const Rule& a, const Rule& b) {
  if (a.action == dp::Action::Allow && b.action != dp::Action::Allow && has_uncheckable(a)) return false;
  switch (a.section) {
    case Section::None: return true;
    case Section::Modbus: {
      const auto &x = a.modbus, &y = b.modbus;
      return x.function.covers(y.function) && x.unit_id.covers(y.unit_id) && x.address.covers(y.address) &&
             x.quantity.covers(y.quantity) && x.value.covers(y.value) && x.exception.covers(y.exception);
    }
    case Section::S7comm: {
      const auto &x = a.s7comm, &y = b.s7comm;
      return x.function.covers(y.function) && x.area.covers(y.area) && x.db.covers(y.db) &&
             x.address.covers(y.address) && x.group.covers(y.group) && x.subfunction.covers(y.subfunction);
    }
    case Section::S7commPlus:
      return a.s7comm_plus.opcode.covers(b.s7comm_plus.opcode) && a.s7comm_plus.function.covers(b.s7comm_plus.function);
    case Section::Opcua: {
      const auto &x = a.opcua, &y = b.opcua;
      return x.service.covers(y.service) && x.msg_type.covers(y.msg_type) &&
             x.security_mode.covers(y.security_mode) && x.security_policy.covers(y.security_policy);
    }
    case Section::Dnp3: {
      const auto &x = a.dnp3, &y = b.dnp3;
      return x.function.covers(y.function) && x.object.covers(y.object) && x.address.covers(y.address);
    }
  }
  return false;
}

// Does every PDU or flow `b` matches also match `a`?
bool covers(const RuleSet& set, const Rule& a, const Rule& b) {
  if (a.ip_proto != 0 && a.ip_proto != b.ip_proto) return false;
  if (!a.src_port.covers(b.src_port) || !a.dst_port.covers(b.dst_port)) return false;
  if (!endpoints_cover(set, a.from, b.from) || !endpoints_cover(set, a.to, b.to)) return false;
  // A rule without a protocol section decides its flows outright: later rules never see them.
  if (a.section == Section::None) return true;
  if (a.section != b.section) return false;
  if (a.direction != PduDirection::Any && a.direction != b.direction) return false;
  return fields_cover(a, b);
}

bool matches_everything(const Rule& r) {
  return r.section == Section::None && r.ip_proto == 0 && !r.src_port.set && !r.dst_port.set && r.from.empty() &&
         r.to.empty();
}

}  // namespace

std::vector<Finding> find_unreachable(const RuleSet& set) {
  std::vector<Finding> out;
  for (std::size_t j = 0; j < set.rules.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      if (!covers(set, set.rules[i], set.rules[j])) continue;
      const Rule& a = set.rules[i];
      out.push_back({set.rules[j].where, set.rules[j].where.path + ": rule \"" + set.rules[j].name + "\" can never match: rule \"" + a.name +
                                             "\" (" + a.where.file + ":" + std::to_string(a.where.line) +
                                             ") matches everything it would, and comes first"});
      break;
    }
  }
  if (set.default_given) {
    for (const Rule& r : set.rules)
      if (matches_everything(r)) {
        out.push_back({set.default_where, "default_action: can never apply: rule \"" + r.name + "\" (" + r.where.file +
                                              ":" + std::to_string(r.where.line) + ") matches all traffic"});
        break;
      }
  }
  return out;
}

}  // namespace fg::rules

#include "rules/load/rule_reader.hpp"

#include "rules/load/field_reader.hpp"

namespace fg::rules {

namespace {

Where where_of(daemon::YamlReader& r, const YAML::Node& n, const std::string& path) {
  return {r.file(), n.Mark().line + 1, n.Mark().column + 1, path};
}

bool read_endpoints(daemon::YamlReader& r, const YAML::Node& n, const std::string& path, std::vector<Endpoint>& out) {
  bool ok = true;
  const std::size_t count = n.IsSequence() ? n.size() : 1;
  if (n.IsSequence() && count == 0) {
    r.error(n, path, "empty list, expected a device id, zone, CIDR or any");
    return false;
  }
  for (std::size_t i = 0; i < count; ++i) {
    const YAML::Node one = n.IsSequence() ? n[i] : n;
    const std::string p = n.IsSequence() ? path + "[" + std::to_string(i) + "]" : path;
    if (!one.IsScalar()) {
      r.error(one, p, "expected a device id, zone name, CIDR or any");
      ok = false;
      continue;
    }
    Endpoint e;
    e.where = where_of(r, one, p);
    const std::string s = one.Scalar();
    if (s == "any") {
      e.kind = Endpoint::Kind::Any;
    } else if (parse_cidr(s, e.cidr)) {
      e.kind = Endpoint::Kind::Cidr;
    } else if (s.find('/') != std::string::npos || s.find_first_not_of("0123456789.") == std::string::npos) {
      r.error(one, p, "bad address \"" + s + "\", expected an IPv4/IPv6 address or CIDR such as 198.18.0.0/24");
      ok = false;
      continue;
    } else {
      e.kind = Endpoint::Kind::Device;  // or a zone: decided when every file is read
      e.name = s;
    }
    out.push_back(std::move(e));
  }
  // "any" among others says nothing more than "any": keep the list simple to reason about.
  if (out.size() > 1)
    for (const Endpoint& e : out)
      if (e.kind == Endpoint::Kind::Any) {
        r.error(n, path, "\"any\" together with other endpoints, expected either any or a list");
        return false;
      }
  if (out.size() == 1 && out[0].kind == Endpoint::Kind::Any) out.clear();
  return ok;
}

bool read_ports(daemon::YamlReader& r, const YAML::Node& n, const std::string& path, FieldCondition& out) {
  FieldSpec spec;
  spec.max = 65535;
  spec.what = "port";
  spec.any = true;
  return read_field(r, n, path, spec, out);
}

FieldSpec spec(std::uint32_t max, const char* what, std::span<const CodeName> names = {}, bool ranges = true) {
  FieldSpec s;
  s.max = max;
  s.what = what;
  s.names = names;
  s.ranges = ranges;
  return s;
}

// Reads the keys of a protocol section through a table of (key, spec, destination).
struct FieldEntry {
  const char* key;
  FieldSpec spec;
  FieldCondition* out;
};

bool read_fields(daemon::YamlReader& r, const YAML::Node& n, const std::string& path,
                 const std::vector<FieldEntry>& fields, std::vector<std::string> extra_keys = {}) {
  std::vector<std::string> keys = extra_keys;
  for (const auto& f : fields) keys.emplace_back(f.key);
  if (n.IsNull()) return true;  // `modbus:` with nothing: every PDU of the protocol
  if (!r.map(n, path, keys)) return false;
  bool ok = true;
  for (const auto& f : fields)
    if (auto v = n[f.key]) ok &= read_field(r, v, path + "." + f.key, f.spec, *f.out);
  return ok;
}

bool read_dnp3_objects(daemon::YamlReader& r, const YAML::Node& n, const std::string& path, FieldCondition& out) {
  out = FieldCondition{};
  const std::size_t count = n.IsSequence() ? n.size() : 1;
  bool ok = true;
  std::vector<std::pair<Interval, YAML::Node>> seen;
  for (std::size_t i = 0; i < count; ++i) {
    const YAML::Node one = n.IsSequence() ? n[i] : n;
    const std::string p = n.IsSequence() ? path + "[" + std::to_string(i) + "]" : path;
    const std::string s = one.IsScalar() ? one.Scalar() : std::string();
    const auto colon = s.find(':');
    std::uint64_t g = 0, v = 0;
    Interval iv{};
    bool good = one.IsScalar();
    if (good && colon == std::string::npos) {
      good = parse_number(s, g) && g <= 255;  // a bare group: every variation
      iv = {static_cast<std::uint32_t>(g << 8), static_cast<std::uint32_t>(g << 8 | 0xff)};
    } else if (good) {
      const std::string var = s.substr(colon + 1);
      good = parse_number(s.substr(0, colon), g) && g <= 255;
      if (good && var == "*") iv = {static_cast<std::uint32_t>(g << 8), static_cast<std::uint32_t>(g << 8 | 0xff)};
      else if (good) {
        good = parse_number(var, v) && v <= 255;
        iv = {static_cast<std::uint32_t>(g << 8 | v), static_cast<std::uint32_t>(g << 8 | v)};
      }
    }
    if (!good) {
      r.error(one, p, "expected an object \"group:variation\" such as \"12:1\" or \"41:*\" (0-255 each), got \"" + s + "\"");
      ok = false;
      continue;
    }
    for (const auto& [other, node] : seen)
      if (iv.lo <= other.hi && other.lo <= iv.hi) {
        r.error(one, p, "\"" + s + "\" overlaps \"" + node.Scalar() + "\", expected objects listed once");
        ok = false;
      }
    seen.push_back({iv, one});
  }
  if (!ok) return false;
  out.set = true;
  for (const auto& [iv, node] : seen) out.values.add(iv.lo, iv.hi);
  return true;
}

bool read_section(daemon::YamlReader& r, const YAML::Node& n, const std::string& path, Section s, Rule& rule) {
  switch (s) {
    case Section::Modbus: {
      auto& c = rule.modbus;
      return read_fields(r, n, path, {
          {"function", spec(255, "function", modbus_functions()), &c.function},
          {"unit_id", spec(255, "unit id"), &c.unit_id},
          {"address", spec(65535, "address"), &c.address},
          {"quantity", spec(65535, "quantity"), &c.quantity},
          {"value", spec(65535, "value"), &c.value},
          {"exception", spec(255, "exception", modbus_exceptions()), &c.exception},
      });
    }
    case Section::S7comm: {
      auto& c = rule.s7comm;
      return read_fields(r, n, path, {
          {"function", spec(255, "function", s7comm_functions()), &c.function},
          {"area", spec(255, "area", s7comm_areas()), &c.area},
          {"db", spec(65535, "DB number"), &c.db},
          {"address", spec(0x1fffff, "byte address"), &c.address},
          {"group", spec(15, "userdata group", s7comm_userdata_groups()), &c.group},
          {"subfunction", spec(255, "userdata subfunction"), &c.subfunction},
      });
    }
    case Section::S7commPlus: {
      auto& c = rule.s7comm_plus;
      return read_fields(r, n, path, {
          {"opcode", spec(255, "opcode"), &c.opcode},
          {"function", spec(65535, "function"), &c.function},
      });
    }
    case Section::Opcua: {
      auto& c = rule.opcua;
      static const std::vector<CodeName> kServiceNames = [] {
        std::vector<CodeName> v;
        for (const auto& s2 : opcua_services()) v.push_back({s2.name, s2.request_id});
        return v;
      }();
      bool ok = read_fields(r, n, path, {
          {"service", spec(0xffffffffu, "service", kServiceNames), &c.service},
          {"msg_type", spec(6, "message type", opcua_msg_types(), false), &c.msg_type},
          {"security_mode", spec(3, "security mode", opcua_security_modes(), false), &c.security_mode},
          {"security_policy", spec(7, "security policy", opcua_security_policies(), false), &c.security_policy},
      });
      if (ok && c.service.set) {
        // A service names its request and its response encoding: one name for either direction.
        RangeSet with_responses = c.service.values;
        for (const auto& sv : opcua_services())
          if (c.service.values.contains(sv.request_id) && sv.response_id != 0)
            with_responses.add(sv.response_id, sv.response_id);
        c.service.values = with_responses;
      }
      return ok;
    }
    case Section::Dnp3: {
      auto& c = rule.dnp3;
      bool ok = read_fields(r, n, path, {
          {"function", spec(255, "function", dnp3_functions()), &c.function},
          {"address", spec(0xffffffffu, "point index"), &c.address},
      }, {"object"});
      if (n.IsMap())
        if (auto v = n["object"]) ok &= read_dnp3_objects(r, v, path + ".object", c.object);
      return ok;
    }
    case Section::None: break;
  }
  return true;
}

}  // namespace

bool read_rule(daemon::YamlReader& r, const YAML::Node& n, const std::string& path, Rule& out) {
  static const std::vector<std::string> kKeys = {
      "name", "description", "action", "from", "to", "proto", "src_port", "dst_port", "direction",
      "modbus", "s7comm", "s7comm_plus", "opcua", "dnp3", "log", "rate", "rate_action", "protect"};
  if (!r.map(n, path, kKeys)) return false;
  const std::size_t errors_before = r.diagnostics().items().size();
  out.where = where_of(r, n, path);

  if (auto v = n["name"]) {
    if (r.string(v, path + ".name", out.name) && out.name.empty()) r.error(v, path + ".name", "empty name");
  } else {
    r.error(n, path, "missing \"name\" (every rule needs a unique name; it shows in audit records)");
  }
  if (auto v = n["description"]) {
    std::string ignored;
    r.string(v, path + ".description", ignored);
  }
  if (auto v = n["action"]; v && v.IsScalar() && v.Scalar() == "protect") {
    // `action: protect` = allow, and carry what is allowed inside the ESP tunnel upstream.
    out.action = dp::Action::Allow;
    out.protect = true;
  } else if (v) {
    r.action(v, path + ".action", out.action);
  } else {
    r.error(n, path, "missing \"action\" (allow, alert, drop, reset or block)");
  }
  if (auto v = n["from"]) read_endpoints(r, v, path + ".from", out.from);
  if (auto v = n["to"]) read_endpoints(r, v, path + ".to", out.to);
  if (auto v = n["proto"]) r.ip_protocol(v, path + ".proto", out.ip_proto);

  if (auto v = n["src_port"]) read_ports(r, v, path + ".src_port", out.src_port);
  if (auto v = n["dst_port"]) read_ports(r, v, path + ".dst_port", out.dst_port);

  static const std::pair<const char*, Section> kSections[] = {
      {"modbus", Section::Modbus}, {"s7comm", Section::S7comm}, {"s7comm_plus", Section::S7commPlus},
      {"opcua", Section::Opcua}, {"dnp3", Section::Dnp3}};
  for (const auto& [key, section] : kSections) {
    const YAML::Node v = n[key];
    if (!v) continue;
    if (out.section != Section::None) {
      r.error(v, path + "." + key, "a rule judges one protocol, expected a single protocol section (write two rules)");
      continue;
    }
    out.section = section;
    read_section(r, v, path + "." + key, section, out);
  }
  if (out.section != Section::None && (out.ip_proto == 1 || out.ip_proto == 58))
    r.error(n["proto"], path + ".proto", "a protocol section needs tcp, udp or any, not icmp");

  if (auto v = n["direction"]) {
    std::string s;
    if (r.string(v, path + ".direction", s)) {
      if (s == "request") out.direction = PduDirection::Request;
      else if (s == "response") out.direction = PduDirection::Response;
      else if (s == "any") out.direction = PduDirection::Any;
      else {
        const std::string near = daemon::closest_match(s, {"request", "response", "any"});
        r.error(v, path + ".direction", "unknown direction \"" + s + "\"" +
                                            (near.empty() ? ", expected request, response or any" : " (did you mean \"" + near + "\"?)"));
      }
      if (out.section == Section::None)
        r.error(v, path + ".direction", "direction needs a protocol section (it says which PDUs the rule judges)");
    }
  }
  if (auto v = n["log"]) r.boolean(v, path + ".log", out.log);
  if (auto v = n["protect"]) r.boolean(v, path + ".protect", out.protect);
  if (auto v = n["rate"]) {
    if (r.map(v, path + ".rate", {"limit", "per"})) {
      if (auto l = v["limit"]) r.integer<std::uint32_t>(l, path + ".rate.limit", 1, 1'000'000, out.rate_limit);
      else r.error(v, path + ".rate", "missing \"limit\" (matches allowed per period)");
      if (auto p = v["per"]) {
        // Bounded so that limit x period in nanoseconds fits the token arithmetic (64 bits).
        if (r.duration(p, path + ".rate.per", out.rate_per_ns) && (out.rate_per_ns == 0 || out.rate_per_ns > 3'600'000'000'000ull))
          r.error(p, path + ".rate.per", "period out of range, expected a duration from 1ms to 1h such as 1s");
      } else {
        r.error(v, path + ".rate", "missing \"per\" (a duration such as 1s)");
      }
    }
  }
  if (auto v = n["rate_action"]) {
    r.action(v, path + ".rate_action", out.rate_action);
    if (!n["rate"]) r.error(v, path + ".rate_action", "rate_action without rate, expected a rate: {limit, per}");
  }
  return r.diagnostics().items().size() == errors_before;
}

}  // namespace fg::rules

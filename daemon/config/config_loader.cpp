#include "daemon/config/config_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/config/yaml_reader.hpp"
#include "rules/anomaly/anomaly_settings_reader.hpp"

namespace fg::daemon {

Config monitor_default() {
  Config c;
  c.source = "(built-in monitor default)";
  c.pipeline.anomaly = anomaly::make_guard_config(c.anomaly);
  return c;
}

namespace {

void read_dataplane(YamlReader& r, const YAML::Node& n, Config& c) {
  if (!r.map(n, "dataplane", {"backend", "eal", "ports", "pairs", "workers", "burst", "idle_exit", "mbufs_per_port"})) return;
  if (auto b = n["backend"]) {
    std::string s;
    if (r.string(b, "dataplane.backend", s)) {
      if (s == "dpdk") c.backend = Backend::Dpdk;
      else if (s == "pcap") c.backend = Backend::Pcap;
      else r.error(b, "dataplane.backend", "unknown backend \"" + s + "\" (expected dpdk or pcap)");
    }
  }
  if (auto e = n["eal"]) {
    if (!e.IsSequence()) r.error(e, "dataplane.eal", "expected a list of EAL arguments");
    else for (std::size_t i = 0; i < e.size(); ++i) {
      std::string s;
      if (r.string(e[i], "dataplane.eal[" + std::to_string(i) + "]", s)) c.eal_args.push_back(s);
    }
  }
  if (auto p = n["ports"]) {
    if (!p.IsSequence()) r.error(p, "dataplane.ports", "expected a list of ports");
    else for (std::size_t i = 0; i < p.size(); ++i) {
      const std::string path = "dataplane.ports[" + std::to_string(i) + "]";
      if (!r.map(p[i], path, {"name", "device"})) continue;
      PortConfig pc;
      if (!p[i]["name"]) r.error(p[i], path, "missing \"name\"");
      else r.string(p[i]["name"], path + ".name", pc.name);
      if (!p[i]["device"]) r.error(p[i], path, "missing \"device\"");
      else r.string(p[i]["device"], path + ".device", pc.device);
      for (const auto& other : c.ports)
        if (other.name == pc.name && !pc.name.empty()) r.error(p[i]["name"], path + ".name", "duplicate port name \"" + pc.name + "\"");
      c.ports.push_back(pc);
    }
  }
  if (auto p = n["pairs"]) {
    if (!p.IsSequence()) r.error(p, "dataplane.pairs", "expected a list of {south, north} pairs");
    else for (std::size_t i = 0; i < p.size(); ++i) {
      const std::string path = "dataplane.pairs[" + std::to_string(i) + "]";
      if (!r.map(p[i], path, {"south", "north", "fail"})) continue;
      PairConfig pc;
      if (auto f = p[i]["fail"]) {
        pc.fail_set = true;
        std::string s;
        if (r.string(f, path + ".fail", s)) {
          if (s == "open") pc.fail_open = true;
          else if (s != "closed") r.error(f, path + ".fail", "expected open or closed, got \"" + s + "\"");
        }
      }
      for (auto [key, dst] : {std::pair{"south", &pc.south}, std::pair{"north", &pc.north}}) {
        const YAML::Node v = p[i][key];
        if (!v) { r.error(p[i], path, std::string("missing \"") + key + "\""); continue; }
        if (!r.string(v, path + "." + key, *dst)) continue;
        bool known = false;
        std::vector<std::string> names;
        for (const auto& port : c.ports) { names.push_back(port.name); known |= port.name == *dst; }
        if (!known) {
          std::string msg = "unknown port \"" + *dst + "\"";
          const std::string near = closest_match(*dst, names);
          if (!near.empty()) msg += " (did you mean \"" + near + "\"?)";
          r.error(v, path + "." + key, msg);
        }
      }
      c.pairs.push_back(pc);
    }
  }
  if (auto w = n["workers"]) r.integer<std::uint32_t>(w, "dataplane.workers", 1, 128, c.workers);
  if (auto b = n["burst"]) r.integer<std::uint16_t>(b, "dataplane.burst", 1, dp::kMaxBurst, c.burst);
  if (auto b = n["mbufs_per_port"]) r.integer<std::uint32_t>(b, "dataplane.mbufs_per_port", 1024, 1u << 22, c.mbufs_per_port);
  if (auto i = n["idle_exit"]) {
    std::uint64_t ns = 0;
    if (r.duration(i, "dataplane.idle_exit", ns)) c.idle_exit_ms = static_cast<std::uint32_t>(ns / 1'000'000ull);
  }
}

void read_flows(YamlReader& r, const YAML::Node& n, Config& c) {
  if (!r.map(n, "flows", {"max", "stream_buffers", "parser_states", "timeouts", "table_full", "holes"})) return;
  auto& p = c.pipeline;
  if (auto v = n["max"]) r.integer<std::uint32_t>(v, "flows.max", 16, 1u << 26, p.max_flows);
  if (auto v = n["stream_buffers"]) r.integer<std::uint32_t>(v, "flows.stream_buffers", 1, 1u << 20, p.stream_buffers);
  if (auto v = n["parser_states"]) r.integer<std::uint32_t>(v, "flows.parser_states", 1, 1u << 22, p.app.states_per_protocol);
  if (auto v = n["table_full"]) r.action(v, "flows.table_full", p.table_full);
  if (auto v = n["holes"]) {
    std::string s;
    if (r.string(v, "flows.holes", s)) {
      if (s == "wait") c.holes = dp::HolePolicy::Wait;
      else if (s == "skip") c.holes = dp::HolePolicy::Skip;
      else if (s != "auto") r.error(v, "flows.holes", "expected wait, skip or auto, got \"" + s + "\"");
    }
  }
  if (auto t = n["timeouts"]) {
    if (r.map(t, "flows.timeouts", {"embryonic", "established", "closing", "datagram"})) {
      if (auto v = t["embryonic"]) r.duration(v, "flows.timeouts.embryonic", p.timeouts.embryonic_ns);
      if (auto v = t["established"]) r.duration(v, "flows.timeouts.established", p.timeouts.established_ns);
      if (auto v = t["closing"]) r.duration(v, "flows.timeouts.closing", p.timeouts.closing_ns);
      if (auto v = t["datagram"]) r.duration(v, "flows.timeouts.datagram", p.timeouts.datagram_ns);
    }
  }
}

void read_policy(YamlReader& r, const YAML::Node& n, Config& c) {
  if (!r.map(n, "policy", {"arp", "non_ip", "malformed", "inspect"})) return;
  if (auto v = n["arp"]) r.action(v, "policy.arp", c.pipeline.arp);
  if (auto v = n["non_ip"]) r.action(v, "policy.non_ip", c.pipeline.non_ip);
  if (auto v = n["malformed"]) r.action(v, "policy.malformed", c.pipeline.malformed);
  if (auto v = n["inspect"]) r.boolean(v, "policy.inspect", c.pipeline.inspect);
}

void read_acl(YamlReader& r, const YAML::Node& n, Config& c) {
  if (!r.map(n, "acl", {"default", "rules"})) return;
  if (auto v = n["default"]) r.action(v, "acl.default", c.acl.default_action);
  const YAML::Node rules = n["rules"];
  if (!rules) return;
  if (!rules.IsSequence()) {
    r.error(rules, "acl.rules", "expected a list of rules");
    return;
  }
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const std::string path = "acl.rules[" + std::to_string(i) + "]";
    const YAML::Node rn = rules[i];
    if (!r.map(rn, path, {"name", "action", "proto", "src", "dst", "src_port", "dst_port"})) continue;
    rules::AclRule rule;
    rule.name = "acl-" + std::to_string(i + 1);
    if (auto v = rn["name"]) r.string(v, path + ".name", rule.name);
    if (auto v = rn["action"]) r.action(v, path + ".action", rule.action);
    else r.error(rn, path, "missing \"action\"");
    if (auto v = rn["proto"]) r.ip_protocol(v, path + ".proto", rule.ip_proto);
    for (auto [key, cidr] : {std::pair{"src", &rule.src}, std::pair{"dst", &rule.dst}}) {
      if (auto v = rn[key]) {
        std::string s;
        if (r.string(v, path + "." + key, s) && !rules::parse_cidr(s, *cidr))
          r.error(v, path + "." + key, "expected an address or CIDR (e.g. 10.0.0.0/8, fe80::/10, any), got \"" + s + "\"");
      }
    }
    for (auto [key, range] : {std::pair{"src_port", &rule.sport}, std::pair{"dst_port", &rule.dport}}) {
      if (auto v = rn[key]) {
        std::string s;
        if (r.string(v, path + "." + key, s) && !rules::parse_port_range(s, *range))
          r.error(v, path + "." + key, "expected a port, a range lo-hi with lo <= hi, or any, got \"" + s + "\"");
      }
    }
    c.acl.rules.push_back(std::move(rule));
  }
}

void read_protocols(YamlReader& r, const YAML::Node& n, Config& c) {
  if (!r.map(n, "protocols", {"modbus_rtu_ports"})) return;
  if (auto v = n["modbus_rtu_ports"]) {
    if (!v.IsSequence()) r.error(v, "protocols.modbus_rtu_ports", "expected a list of TCP ports");
    else for (std::size_t i = 0; i < v.size(); ++i) {
      std::uint16_t port = 0;
      if (r.integer<std::uint16_t>(v[i], "protocols.modbus_rtu_ports[" + std::to_string(i) + "]", 1, 65535, port))
        c.pipeline.app.modbus_rtu_ports.push_back(port);
    }
  }
}

// "64MiB", "10M", "500k", "4096": bytes with an optional binary unit.
bool size_value(YamlReader& r, const YAML::Node& v, const std::string& path, std::uint64_t& out) {
  std::string s;
  if (!r.string(v, path, s)) return false;
  std::size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  std::string unit = s.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  struct Unit { const char* name; std::uint64_t mult; };
  static constexpr Unit kUnits[] = {{"", 1},          {"B", 1},          {"k", 1ull << 10},   {"K", 1ull << 10},
                                    {"KiB", 1ull << 10}, {"kB", 1ull << 10}, {"KB", 1ull << 10}, {"M", 1ull << 20},
                                    {"MiB", 1ull << 20}, {"MB", 1ull << 20}, {"G", 1ull << 30},  {"GiB", 1ull << 30},
                                    {"GB", 1ull << 30}};
  std::uint64_t mult = 0;
  for (const Unit& u : kUnits)
    if (unit == u.name) mult = u.mult;
  if (i == 0 || i > 12 || mult == 0) {
    r.error(v, path, "expected a size such as 4096, 512KiB, 64MiB or 1GiB, got \"" + s + "\"");
    return false;
  }
  out = std::stoull(s.substr(0, i)) * mult;
  return true;
}

void read_logging(YamlReader& r, const YAML::Node& n, Config& c) {
  if (!r.map(n, "logging", {"event_log", "audit_log", "audit", "max_size", "keep", "chain", "seal_key", "seal_interval"}))
    return;
  if (auto v = n["event_log"]) r.string(v, "logging.event_log", c.event_log);
  if (auto v = n["audit_log"]) r.string(v, "logging.audit_log", c.audit_log);
  if (auto v = n["audit"]) {
    std::string level;
    if (r.string(v, "logging.audit", level) && !parse_audit_level(level, c.audit_level))
      r.error(v, "logging.audit", "expected all, changes or flagged, got \"" + level + "\"");
  }
  if (auto v = n["max_size"]) {
    if (size_value(r, v, "logging.max_size", c.log_max_size) && c.log_max_size != 0 && c.log_max_size < 4096)
      r.error(v, "logging.max_size", "at least 4KiB (or 0: never rotate)");
  }
  if (auto v = n["keep"]) r.integer<std::uint32_t>(v, "logging.keep", 0, 1000, c.log_keep);
  if (auto v = n["chain"]) r.boolean(v, "logging.chain", c.log_chain);
  if (auto v = n["seal_key"]) r.string(v, "logging.seal_key", c.seal_key);
  if (auto v = n["seal_interval"]) {
    if (r.duration(v, "logging.seal_interval", c.seal_interval_ns) && c.seal_interval_ns < 1'000'000'000ull)
      r.error(v, "logging.seal_interval", "at least 1s");
  }
  if (!c.seal_key.empty() && !c.log_chain) r.error(n, "logging", "seal_key needs chain: true");
}

void read_syslog(YamlReader& r, const YAML::Node& n, Config& c) {
  if (!r.map(n, "syslog", {"server", "ca", "server_name", "cert", "key", "queue_dir", "queue_max", "hostname"})) return;
  SyslogConfig& s = c.syslog;
  for (auto [key, dst] : {std::pair{"server", &s.server}, std::pair{"ca", &s.ca}, std::pair{"server_name", &s.server_name},
                          std::pair{"cert", &s.cert}, std::pair{"key", &s.key}, std::pair{"queue_dir", &s.queue_dir},
                          std::pair{"hostname", &s.hostname}})
    if (auto v = n[key]) r.string(v, std::string("syslog.") + key, *dst);
  if (auto v = n["queue_max"]) size_value(r, v, "syslog.queue_max", s.queue_max);
  if (s.server.empty()) r.error(n, "syslog", "missing \"server\" (HOST:PORT of the collector)");
  else if (s.server.rfind(':') == std::string::npos) r.error(n["server"], "syslog.server", "expected HOST:PORT");
  // TLS verification is always on: no CA, no export.
  if (s.ca.empty()) r.error(n, "syslog", "missing \"ca\" (the CA that signed the collector's certificate)");
  if (s.cert.empty() != s.key.empty()) r.error(n, "syslog", "\"cert\" and \"key\" go together");
}

void read_metrics(YamlReader& r, const YAML::Node& n, Config& c) {
  if (!r.map(n, "metrics", {"listen"})) return;
  if (auto v = n["listen"]) {
    if (r.string(v, "metrics.listen", c.metrics_listen) && c.metrics_listen.rfind(':') == std::string::npos)
      r.error(v, "metrics.listen", "expected ADDRESS:PORT, e.g. 127.0.0.1:9310");
  }
}

void read_control(YamlReader& r, const YAML::Node& n, Config& c) {
  if (!r.map(n, "control", {"socket", "group", "capture_dir"})) return;
  if (auto v = n["capture_dir"]) r.string(v, "control.capture_dir", c.capture_dir);
  if (auto v = n["socket"]) r.string(v, "control.socket", c.control_socket);
  if (auto v = n["group"]) r.string(v, "control.group", c.control_group);
}

void read_rules_path(YamlReader& r, const YAML::Node& n, const std::string& config_name, Config& c) {
  if (!r.string(n, "rules", c.rules_path)) return;
  if (c.rules_path.empty()) {
    r.error(n, "rules", "empty path, expected a rule file or a directory of *.yaml rule files");
    return;
  }
  // Relative to the configuration file, so a config and its rules can move together.
  const std::filesystem::path p(c.rules_path);
  if (p.is_relative() && config_name.find('/') != std::string::npos)
    c.rules_path = (std::filesystem::path(config_name).parent_path() / p).string();
}

}  // namespace

bool load_config_text(const std::string& text, const std::string& name, Config& out, Diagnostics& diag) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    diag.error(name, e.mark.line + 1, e.mark.column + 1, e.msg);
    return false;
  }
  Config c = monitor_default();
  c.source = name;
  YamlReader r(name, diag);
  if (root.IsNull()) return diag.empty() && (out = c, true);
  try {
    if (r.map(root, "(top level)", {"dataplane", "flows", "policy", "acl", "protocols", "logging", "control",
                                    "rules", "syslog", "metrics", "identity", "tunnel", "update", "anomaly"})) {
      if (auto n = root["dataplane"]) read_dataplane(r, n, c);
      if (auto n = root["flows"]) read_flows(r, n, c);
      if (auto n = root["policy"]) read_policy(r, n, c);
      if (auto n = root["acl"]) read_acl(r, n, c);
      if (auto n = root["protocols"]) read_protocols(r, n, c);
      if (auto n = root["logging"]) read_logging(r, n, c);
      if (auto n = root["control"]) read_control(r, n, c);
      if (auto n = root["rules"]) read_rules_path(r, n, name, c);
      if (root["rules"] && root["acl"])
        r.error(root["acl"], "acl", "acl: and rules: both set, expected one policy (move the ACL's entries into the rule file)");
      if (auto n = root["syslog"]) read_syslog(r, n, c);
      if (auto n = root["metrics"]) read_metrics(r, n, c);
      if (auto n = root["identity"]) read_identity_settings(r, n, c.identity);
      if (auto n = root["tunnel"]) read_tunnel(r, n, c.tunnel);
      if (auto n = root["update"]) update::read_update_settings(r, n, c.update);
      if (auto n = root["anomaly"]) anomaly::read_anomaly_settings(r, n, c.anomaly);
    }
  } catch (const YAML::Exception& e) {
    diag.error(name, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  for (const auto& pair : c.pairs)
    if (pair.south == pair.north && !pair.south.empty()) diag.error(name, 0, 0, "dataplane.pairs: port \"" + pair.south + "\" paired with itself");
  // Each port's pair partner, for rules whose `to:` names a zone (the server's side).
  c.pipeline.port_peers.assign(std::min<std::size_t>(c.ports.size(), 255), 0xff);
  for (const auto& pair : c.pairs) {
    std::size_t s = c.ports.size(), n = c.ports.size();
    for (std::size_t k = 0; k < c.ports.size(); ++k) {
      if (c.ports[k].name == pair.south) s = k;
      if (c.ports[k].name == pair.north) n = k;
    }
    if (s < c.pipeline.port_peers.size() && n < c.pipeline.port_peers.size()) {
      c.pipeline.port_peers[s] = static_cast<std::uint8_t>(n);
      c.pipeline.port_peers[n] = static_cast<std::uint8_t>(s);
    }
  }
  if (!diag.empty()) return false;
  c.pipeline.anomaly = anomaly::make_guard_config(c.anomaly);
  out = std::move(c);
  return true;
}

bool load_config_file(const std::string& path, Config& out, Diagnostics& diag) {
  std::ifstream in(path);
  if (!in) {
    diag.error(path, 0, 0, "cannot read the file");
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return load_config_text(ss.str(), path, out, diag);
}

}  // namespace fg::daemon

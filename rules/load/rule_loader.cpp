#include "rules/load/rule_loader.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "daemon/config/yaml_reader.hpp"
#include "rules/load/rule_reader.hpp"

namespace fg::rules {

namespace {

// FNV-1a, 64 bits: identifies a rule set's content in `rules show` and `status` (not a
// security function: bundles carry signed SHA-256 digests of their own).
void fnv1a(std::uint64_t& h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

class Loader {
 public:
  Loader(const LoadOptions& opt, LoadedRules& out, daemon::Diagnostics& diag) : opt_(opt), out_(out), diag_(diag) {}

  void document(const std::string& text, const std::string& name) {
    fnv1a(hash_, name);
    fnv1a(hash_, std::string_view("\0", 1));
    fnv1a(hash_, text);
    out_.set.files.push_back(name);
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      diag_.error(name, e.mark.line + 1, e.mark.column + 1, e.msg);
      return;
    }
    daemon::YamlReader r(name, diag_);
    if (root.IsNull()) return;  // an empty file adds nothing
    try {
      if (!r.map(root, "(top level)", {"zones", "devices", "default_action", "rules", "anomaly"})) return;
      if (auto n = root["zones"]) zones(r, n);
      if (auto n = root["devices"]) read_devices(r, n, out_.set.inventory);
      if (auto n = root["default_action"]) default_action(r, n);
      if (auto n = root["rules"]) rules(r, n);
      if (auto n = root["anomaly"]) {
        if (!n.IsMap() && !n.IsNull()) r.error(n, "anomaly", "expected a mapping of anomaly settings");
        else out_.anomaly.push_back({name, n});
      }
    } catch (const YAML::Exception& e) {
      diag_.error(name, e.mark.line + 1, e.mark.column + 1, e.msg);
    }
  }

  // Checks what needs every file: unique names, known devices and zones, known ports.
  void finish() {
    out_.set.hash = hex64(hash_);
    std::map<std::string, const Rule*> names;
    for (const Rule& rule : out_.set.rules) {
      if (rule.name.empty()) continue;
      auto [it, fresh] = names.emplace(rule.name, &rule);
      if (!fresh)
        error(rule.where, rule.where.path + ".name: duplicate rule name \"" + rule.name + "\", first used at " + it->second->where.file +
                              ":" + std::to_string(it->second->where.line) + ", expected unique names");
    }
    std::vector<std::string> known;
    for (const Zone& z : out_.set.zones) known.push_back(z.name);
    for (const Device& d : out_.set.inventory.devices) known.push_back(d.id);
    for (Rule& rule : out_.set.rules) {
      for (auto* list : {&rule.from, &rule.to}) {
        for (Endpoint& e : *list) {
          if (e.kind != Endpoint::Kind::Device) continue;
          const Device* dev = out_.set.inventory.find(e.name);
          const Zone* zone = out_.set.find_zone(e.name);
          if (dev != nullptr && zone != nullptr) {
            error(e.where, e.where.path + ": \"" + e.name +
                               "\" is both a device and a zone, expected distinct names");
          } else if (zone != nullptr) {
            e.kind = Endpoint::Kind::Zone;
          } else if (dev == nullptr) {
            std::string msg = e.where.path + ": unknown device or zone \"" + e.name + "\"";
            const std::string near = daemon::closest_match(e.name, known);
            msg += near.empty() ? ", expected a device id, a zone, a CIDR or any" : " (did you mean \"" + near + "\"?)";
            error(e.where, msg);
          } else if (dev->ips.empty()) {
            error(e.where, e.where.path + ": device \"" + e.name +
                               "\" has no ip, expected a device with an address (rules match addresses)");
          }
        }
      }
    }
    for (const Device& d : out_.set.inventory.devices)
      if (!d.zone.empty() && out_.set.find_zone(d.zone) == nullptr && !out_.set.zones.empty()) {
        std::string msg = "devices: device \"" + d.id + "\" names unknown zone \"" + d.zone + "\"";
        const std::string near = daemon::closest_match(d.zone, known);
        msg += near.empty() ? ", expected one of the zones declared under zones:" : " (did you mean \"" + near + "\"?)";
        diag_.error(device_file(d), d.line, d.column, msg);
      }
  }

 private:
  void error(const Where& w, const std::string& msg) { diag_.error(w.file, w.line, w.column, msg); }
  std::string device_file(const Device& d) const {
    auto it = device_files_.find(d.id);
    return it == device_files_.end() ? std::string() : it->second;
  }

  void zones(daemon::YamlReader& r, const YAML::Node& n) {
    if (!n.IsMap()) {
      r.error(n, "zones", "expected a mapping of zone names to {ports: [...]}");
      return;
    }
    for (const auto& kv : n) {
      const std::string name = kv.first.as<std::string>();
      const std::string path = "zones." + name;
      Zone z;
      z.name = name;
      z.where = {r.file(), kv.first.Mark().line + 1, kv.first.Mark().column + 1};
      if (out_.set.find_zone(name) != nullptr) {
        r.error(kv.first, path, "duplicate zone \"" + name + "\"");
        continue;
      }
      if (!r.map(kv.second, path, {"ports", "description"})) continue;
      const YAML::Node ports = kv.second["ports"];
      if (!ports) {
        r.error(kv.second, path, "missing \"ports\" (the dataplane ports of the zone)");
        continue;
      }
      const std::size_t count = ports.IsSequence() ? ports.size() : 1;
      for (std::size_t i = 0; i < count; ++i) {
        const YAML::Node p = ports.IsSequence() ? ports[i] : ports;
        std::string port;
        if (!r.string(p, path + ".ports", port)) continue;
        if (!opt_.port_names.empty() &&
            std::find(opt_.port_names.begin(), opt_.port_names.end(), port) == opt_.port_names.end()) {
          std::string msg = "unknown port \"" + port + "\"";
          const std::string near = daemon::closest_match(port, opt_.port_names);
          msg += near.empty() ? ", expected a port named in dataplane.ports" : " (did you mean \"" + near + "\"?)";
          r.error(p, path + ".ports", msg);
          continue;
        }
        z.ports.push_back(port);
      }
      out_.set.zones.push_back(std::move(z));
    }
  }

  void default_action(daemon::YamlReader& r, const YAML::Node& n) {
    dp::Action a{};
    if (!r.action(n, "default_action", a)) return;
    RuleSet& s = out_.set;
    if (s.default_given && a != s.default_action) {
      r.error(n, "default_action", "conflicts with default_action " + std::string(dp::action_name(s.default_action)) +
                                       " at " + s.default_where.file + ":" + std::to_string(s.default_where.line) +
                                       ", expected one default for the whole set");
      return;
    }
    s.default_action = a;
    s.default_given = true;
    s.default_where = {r.file(), n.Mark().line + 1, n.Mark().column + 1};
  }

  void rules(daemon::YamlReader& r, const YAML::Node& n) {
    if (!n.IsSequence()) {
      r.error(n, "rules", "expected a list of rules");
      return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      Rule rule;
      const std::string path = "rules[" + std::to_string(i) + "]";
      read_rule(r, n[i], path, rule);
      out_.set.rules.push_back(std::move(rule));
    }
  }

 public:
  void note_device_files(const std::string& file, std::size_t before) {
    for (std::size_t i = before; i < out_.set.inventory.devices.size(); ++i)
      device_files_[out_.set.inventory.devices[i].id] = file;
  }

 private:
  const LoadOptions& opt_;
  LoadedRules& out_;
  daemon::Diagnostics& diag_;
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
  std::map<std::string, std::string> device_files_;
};

bool read_file(const std::string& path, std::string& text, daemon::Diagnostics& diag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diag.error(path, 0, 0, "cannot read the file");
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  text = ss.str();
  return true;
}

}  // namespace

bool load_rules_text(const std::string& text, const std::string& name, const LoadOptions& opt, LoadedRules& out,
                     daemon::Diagnostics& diag) {
  LoadedRules loaded;
  const std::size_t before = diag.items().size();
  Loader l(opt, loaded, diag);
  l.document(text, name);
  l.note_device_files(name, 0);
  l.finish();
  if (diag.items().size() != before) return false;
  out = std::move(loaded);
  return true;
}

bool load_rules_path(const std::string& path, const LoadOptions& opt, LoadedRules& out, daemon::Diagnostics& diag) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_regular_file(ec) && e.path().extension() == ".yaml") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      diag.error(path, 0, 0, "no *.yaml rule files in the directory");
      return false;
    }
  } else {
    files.push_back(path);
  }
  LoadedRules loaded;
  const std::size_t before = diag.items().size();
  Loader l(opt, loaded, diag);
  for (const std::string& f : files) {
    std::string text;
    if (!read_file(f, text, diag)) continue;
    const std::size_t devices_before = loaded.set.inventory.devices.size();
    l.document(text, f);
    l.note_device_files(f, devices_before);
  }
  l.finish();
  if (diag.items().size() != before) return false;
  out = std::move(loaded);
  return true;
}

}  // namespace fg::rules

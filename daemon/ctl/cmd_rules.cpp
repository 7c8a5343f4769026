// fieldguardctl rules check FILE | reload [PATH] | show: the rule set, offline and in the daemon.
#include <iostream>

#include "daemon/ctl/control_client.hpp"
#include "daemon/ctl/table_output.hpp"
#include "protocols/common/json_writer.hpp"
#include "rules/anomaly/anomaly_settings_reader.hpp"
#include "rules/check/shadow.hpp"
#include "rules/load/rule_loader.hpp"

namespace fg::ctl {

namespace {

// Offline: loads and checks the file (or directory) exactly as the daemon would, without one.
// Zones' port names are not checked here (they come from the daemon's configuration).
int check(const CtlContext& ctx) {
  if (ctx.args.size() != 2) {
    std::cerr << "fieldguardctl: usage: rules check FILE|DIR\n";
    return kUsage;
  }
  const std::string& path = ctx.args[1];
  daemon::Diagnostics diag;
  rules::LoadedRules loaded;
  bool ok = rules::load_rules_path(path, {}, loaded, diag);
  // The file's `anomaly:` section is part of it: a reload refuses the whole file for it too.
  anomaly::AnomalySettings anomaly_settings;
  for (const auto& section : loaded.anomaly) {
    daemon::YamlReader r(section.file, diag);
    ok &= anomaly::read_anomaly_settings(r, section.node, anomaly_settings);
  }
  std::vector<rules::Finding> findings;
  if (ok) findings = rules::find_unreachable(loaded.set);
  auto warning_text = [](const rules::Finding& f) {
    return f.where.file + ":" + std::to_string(f.where.line) + ":" + std::to_string(f.where.column) +
           ": warning: " + f.message;
  };
  if (ctx.json) {
    std::string out;
    proto::JsonWriter w(out);
    w.begin_object().field("ok", ok && findings.empty()).field("source", path);
    w.key("errors").begin_array();
    for (const auto& d : diag.items()) w.value(d.str());
    w.end_array().key("warnings").begin_array();
    for (const auto& f : findings) w.value(warning_text(f));
    w.end_array();
    if (ok) {
      w.field("rules", static_cast<std::uint64_t>(loaded.set.rules.size()))
          .field("zones", static_cast<std::uint64_t>(loaded.set.zones.size()))
          .field("devices", static_cast<std::uint64_t>(loaded.set.inventory.devices.size()))
          .field("default_action", dp::action_name(loaded.set.default_action))
          .field("hash", loaded.set.hash);
    }
    w.end_object();
    std::cout << out << "\n";
  } else {
    std::cerr << diag.str();
    for (const auto& f : findings) std::cerr << warning_text(f) << "\n";
    if (ok)
      std::cout << path << ": " << (findings.empty() ? "ok" : "loads, with problems") << ", "
                << loaded.set.rules.size() << " rules, " << loaded.set.zones.size() << " zones, "
                << loaded.set.inventory.devices.size() << " devices, default "
                << dp::action_name(loaded.set.default_action) << ", hash " << loaded.set.hash << "\n";
  }
  return ok && findings.empty() ? kOk : kCommandFailed;
}

int reload(const CtlContext& ctx) {
  if (ctx.args.size() > 2) {
    std::cerr << "fieldguardctl: usage: rules reload [PATH]\n";
    return kUsage;
  }
  std::string args;
  if (ctx.args.size() == 2) {
    args = "{\"path\":\"";
    proto::append_json_escaped(args, ctx.args[1]);
    args += "\"}";
  }
  YAML::Node data;
  const int rc = call(ctx, "rules.reload", args, data);
  if (rc != kOk || ctx.json) return rc;
  std::cout << "rules reloaded\n";
  print_key_values(data);
  return kOk;
}

int show(const CtlContext& ctx) {
  if (ctx.args.size() != 1) {
    std::cerr << "fieldguardctl: usage: rules show\n";
    return kUsage;
  }
  YAML::Node data;
  const int rc = call(ctx, "rules.show", "", data);
  if (rc != kOk || ctx.json) return rc;
  std::cout << "rules\n";
  print_key_values(data);
  return kOk;
}

}  // namespace

int cmd_rules(const CtlContext& ctx) {
  const std::string sub = ctx.args.empty() ? "" : ctx.args[0];
  if (sub == "check") return check(ctx);
  if (sub == "reload") return reload(ctx);
  if (sub == "show") return show(ctx);
  std::cerr << "fieldguardctl: usage: rules check FILE | rules reload [PATH] | rules show\n";
  return kUsage;
}

}  // namespace fg::ctl

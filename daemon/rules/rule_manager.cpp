#include "daemon/rules/rule_manager.hpp"

#include <ctime>

#include <iostream>

#include "daemon/export/record_writer.hpp"
#include "daemon/rules/rule_files.hpp"
#include "protocols/common/json_writer.hpp"
#include "rules/compiled/compile.hpp"

namespace fg::daemon {

namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

rules::CompileOptions compile_options(const Config& cfg) {
  rules::CompileOptions o;
  for (const auto& p : cfg.ports) o.port_names.push_back(p.name);
  return o;
}

}  // namespace

RuleManager::RuleManager(const Config& cfg, dp::RcuDomain& rcu, rules::RuleNames& names)
    : cfg_(cfg), names_(names), snapshot_(rcu) {}

void RuleManager::fill_status(StatusInfo& s) const {
  const RuleSetInfo i = info();
  s.rules_version = i.version;
  s.rules = static_cast<std::uint32_t>(i.rules);
  s.rules_hash = i.hash;
}

bool RuleManager::install(const rules::RuleSet& set, const std::string& source, Diagnostics& diag) {
  std::string error;
  auto compiled = rules::compile_rules(set, compile_options(cfg_), names_, error);
  if (!compiled) {
    diag.error(source, 0, 0, error);
    return false;
  }
  const std::size_t n = compiled->rule_count();
  snapshot_.publish(std::move(compiled));
  ++info_.version;
  info_.hash = set.hash;
  info_.source = source;
  info_.rules = n;
  info_.default_action = std::string(dp::action_name(set.default_action));
  info_.loaded_at = utc_now();
  info_.inventory = std::make_shared<const rules::Inventory>(set.inventory);
  return true;
}

bool RuleManager::start(Diagnostics& diag) {
  std::lock_guard lock(mu_);
  if (!cfg_.rules_path.empty()) {
    rules::LoadedRules loaded;
    if (!load_rule_files(cfg_, cfg_.rules_path, loaded, diag)) return false;
    if (!install(loaded.set, cfg_.rules_path, diag)) return false;
    path_ = cfg_.rules_path;
    anomaly_ = std::move(loaded.anomaly);
    return true;
  }
  // The old `acl:` section runs in the same engine (its rules judge flows only).
  rules::RuleSet set = rules::rule_set_from_acl(cfg_.acl);
  set.hash = "acl";
  return install(set, cfg_.acl.rules.empty() ? "monitor default" : "acl", diag);
}

bool RuleManager::reload_rules(const std::string& path, Diagnostics& diag) {
  std::lock_guard lock(mu_);
  const std::string p = path.empty() ? path_ : path;
  if (p.empty()) {
    diag.error("rules", 0, 0, "no rule file in force to reload: give a path (fieldguardctl rules reload PATH)");
    ++info_.failed_reloads;
    info_.last_error = diag.str();
    return false;
  }
  rules::LoadedRules loaded;
  // Loading and compiling happen here, on the caller's thread: workers keep the old set
  // until the pointer swap, and never wait for it.
  // The anomaly sections are checked before the rules go in: a bad one keeps both old.
  if (!load_rule_files(cfg_, p, loaded, diag) || (hook_ != nullptr && !hook_->prepare(loaded.anomaly, diag)) ||
      !install(loaded.set, p, diag)) {
    ++info_.failed_reloads;
    info_.last_error = diag.str();
    return false;
  }
  if (hook_ != nullptr) hook_->commit();
  path_ = p;
  anomaly_ = std::move(loaded.anomaly);
  ++info_.reloads;
  info_.last_error.clear();
  return true;
}

bool RuleManager::reload_acl(const rules::Acl& acl, Diagnostics& diag) {
  std::lock_guard lock(mu_);
  rules::RuleSet set = rules::rule_set_from_acl(acl);
  set.hash = "acl";
  // No rule file: the anomaly settings go back to the daemon config's own.
  if ((hook_ != nullptr && !hook_->prepare({}, diag)) || !install(set, acl.rules.empty() ? "monitor default" : "acl", diag)) {
    ++info_.failed_reloads;
    info_.last_error = diag.str();
    return false;
  }
  if (hook_ != nullptr) hook_->commit();
  path_.clear();
  anomaly_.clear();
  ++info_.reloads;
  info_.last_error.clear();
  return true;
}

void RuleManager::reclaim() {
  std::lock_guard lock(mu_);
  snapshot_.reclaim();
}

RuleSetInfo RuleManager::info() const {
  std::lock_guard lock(mu_);
  return info_;
}

std::vector<rules::LoadedRules::AnomalySection> RuleManager::anomaly_settings() const {
  std::lock_guard lock(mu_);
  return anomaly_;
}

namespace {

// rules.reloaded / rules.reload_refused in the event log.
ControlEvent reload_event(bool ok, const RuleSetInfo& i, const Diagnostics& diag) {
  ControlEvent e;
  e.event = ok ? "rules.reloaded" : "rules.reload_refused";
  e.name = i.source;
  e.severity = ok ? "info" : "medium";
  e.detail = ok ? "rule set version " + std::to_string(i.version) + ", " + std::to_string(i.rules) + " rules, hash " + i.hash
                : diag.str();
  return e;
}

}  // namespace

void reload_on_hup(RuleManager& rules, RecordWriter& writer, bool quiet) {
  Diagnostics diag;
  const bool ok = rules.reload_rules("", diag);
  const ControlEvent e = reload_event(ok, rules.info(), diag);
  writer.control_event(e);
  writer.flush();
  if (!quiet) std::cerr << "fieldguardd: SIGHUP: " << (ok ? e.detail + "\n" : "rule set refused, the running set stays:\n" + diag.str());
}

std::string rule_info_json(const RuleSetInfo& info) {
  std::string out;
  proto::JsonWriter w(out);
  w.begin_object()
      .field("version", info.version)
      .field("hash", info.hash)
      .field("source", info.source)
      .field("rules", static_cast<std::uint64_t>(info.rules))
      .field("default_action", info.default_action)
      .field("loaded_at", info.loaded_at)
      .field("reloads", info.reloads)
      .field("failed_reloads", info.failed_reloads);
  if (!info.last_error.empty()) w.field("last_error", info.last_error);
  w.end_object();
  return out;
}

void RuleManager::register_commands(ControlState& state, RecordWriter* events) {
  state.commands["rules.show"] = [this](const YAML::Node&) {
    return ControlReply{true, rule_info_json(info()), {}};
  };
  state.commands["rules.reload"] = [this, events](const YAML::Node& req) {
    std::string path;
    if (const YAML::Node args = req["args"]; args && args.IsMap() && args["path"] && args["path"].IsScalar())
      path = args["path"].Scalar();
    Diagnostics diag;
    const bool ok = reload_rules(path, diag);
    if (events != nullptr) {
      events->control_event(reload_event(ok, info(), diag));
      events->flush();
    }
    if (!ok) return ControlReply::fail("rule set refused, the running set stays:\n" + diag.str());
    return ControlReply{true, rule_info_json(info()), {}};
  };
}

}  // namespace fg::daemon

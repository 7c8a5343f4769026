#include "daemon/anomaly_service.hpp"

#include <iostream>

#include "protocols/common/json_writer.hpp"
#include "protocols/common/wall_clock.hpp"
#include "rules/anomaly/anomaly_settings_reader.hpp"
#include "rules/anomaly/dataplane_guard.hpp"
#include "rules/anomaly/quarantine_pair.hpp"

namespace fg::daemon {

namespace {

// A learned state of 4096 pairs with every function and range is well under this.
constexpr std::uint64_t kMaxBaselineBytes = 64ull << 20;

}  // namespace

bool apply_rule_file_anomaly(const rules::LoadedRules& loaded, Config& cfg, Diagnostics& diag) {
  bool ok = true;
  for (const auto& section : loaded.anomaly) {
    YamlReader r(section.file, diag);
    ok &= anomaly::read_anomaly_settings(r, section.node, cfg.anomaly);
  }
  cfg.pipeline.anomaly = anomaly::make_guard_config(cfg.anomaly);
  return ok;
}

AnomalyService::AnomalyService(const Config& cfg, RecordWriter& writer, bool quiet)
    : writer_(writer),
      base_(cfg.anomaly_config),
      state_dir_(cfg.anomaly.baseline.state_dir),
      window_ns_(cfg.anomaly.clustering.window_ns),
      guard_slot_(cfg.pipeline.anomaly.live),
      guard_version_(cfg.pipeline.anomaly.version),
      slot_(cfg.pipeline.anomaly.quarantine) {
  engine_ = std::make_unique<anomaly::AnomalyEngine>(
      cfg.anomaly, [this](const dp::EventEntry& e) { writer_.event(e); },
      [this](const anomaly::EngineNote& n) { writer_.control_event({n.event, n.name, n.severity, n.detail, n.fields}); });
  std::string error;
  if (!engine_->load(error)) {
    if (!quiet) std::cerr << "fieldguardd: " << error << "\n";
    writer_.control_event({"baseline", "baseline.state_unreadable", "high", error, ""});
  }
  // The installed bundle's baseline, or the one learned here when no bundle carries one.
  if (cfg.baseline_file != engine_->bundle_baseline()) {
    std::string berror;
    anomaly::LearnedState st;
    const bool bundle = !cfg.baseline_file.empty();
    if ((bundle && !anomaly::AnomalyEngine::read_state_file(cfg.baseline_file, kMaxBaselineBytes, st, berror)) ||
        !engine_->use_bundle_baseline(cfg.baseline_file, bundle ? &st : nullptr, berror)) {
      if (!quiet) std::cerr << "fieldguardd: " << berror << "\n";
      writer_.control_event({"baseline", "baseline.state_unreadable", "high", berror, ""});
    }
  }
  // Quarantines outlive a restart: the table is published here, before any worker runs.
  std::string qerror;
  if (!engine_->load_quarantine(qerror)) {
    if (!quiet) std::cerr << "fieldguardd: " << qerror << "\n";
    writer_.control_event({"baseline", "baseline.state_unreadable", "high", qerror, ""});
  } else if (const std::size_t n = engine_->quarantined().size(); n > 0) {
    writer_.control_event({"baseline", "baseline.quarantine_restored", "medium",
                           std::to_string(n) + " quarantined pair(s) restored from the state directory; "
                           "`fieldguardctl baseline release` lifts them", ""});
  }
  publish_quarantine();
}

void AnomalyService::set_rcu(dp::RcuDomain* rcu) {
  rcu_ = rcu;
  if (rcu != nullptr && guard_slot_) guard_ = std::make_unique<dp::Snapshot<anomaly::GuardConfig>>(*rcu, guard_slot_);
}

bool AnomalyService::prepare(const std::vector<rules::LoadedRules::AnomalySection>& sections, Diagnostics& diag) {
  anomaly::AnomalySettings next = base_;
  bool ok = true;
  for (const auto& section : sections) {
    YamlReader r(section.file, diag);
    ok &= anomaly::read_anomaly_settings(r, section.node, next);
  }
  if (!ok) return false;
  // Where the state lives and the window the behaviour model was measured in cannot move
  // under a running engine: its files and trained centroids belong to the old ones.
  auto refuse = [&](const char* section, const char* key, const std::string& msg) {
    for (const auto& sec : sections)
      if (sec.node.IsMap() && sec.node[section] && sec.node[section].IsMap() && sec.node[section][key]) {
        YamlReader(sec.file, diag).error(sec.node[section][key], std::string("anomaly.") + section + "." + key, msg);
        return;
      }
    diag.error(sections.empty() ? "anomaly" : sections.front().file, 0, 0,
               std::string("anomaly.") + section + "." + key + ": " + msg);
  };
  if (next.baseline.state_dir != state_dir_) {
    refuse("baseline", "state_dir", "cannot change while the daemon runs (it is " + state_dir_ + "; restart to move it)");
    ok = false;
  }
  if (next.clustering.window_ns != window_ns_) {
    refuse("clustering", "window",
           "cannot change while the daemon runs (it is " + std::to_string(window_ns_ / 1'000'000'000ull) +
               "s): the behaviour model and open windows are measured in it; change it with a restart and "
               "relearn (`fieldguardctl baseline learn start`)");
    ok = false;
  }
  if (!ok) return false;
  std::lock_guard lock(mu_);
  prepared_ = std::move(next);
  return true;
}

void AnomalyService::commit() {
  std::lock_guard lock(mu_);
  if (prepared_) pending_ = std::move(prepared_);
  prepared_.reset();
}

bool AnomalyService::stage_baseline(const std::string& file, std::string& error) {
  StagedBaseline staged{file, std::nullopt};
  if (!file.empty()) {
    anomaly::LearnedState st;
    if (!anomaly::AnomalyEngine::read_state_file(file, kMaxBaselineBytes, st, error)) return false;
    staged.state = std::move(st);
  }
  std::lock_guard lock(mu_);
  baseline_ = std::move(staged);  // a later one (a rollback) replaces one not yet taken
  return true;
}

void AnomalyService::apply_pending() {
  std::optional<anomaly::AnomalySettings> next;
  std::optional<StagedBaseline> staged;
  {
    std::lock_guard lock(mu_);
    next.swap(pending_);
    staged.swap(baseline_);
  }
  if (staged) {
    std::string error;
    if (!engine_->use_bundle_baseline(staged->file, staged->state ? &*staged->state : nullptr, error))
      writer_.control_event({"baseline", "baseline.save_failed", "high", error, ""});
  }
  if (!next) return;
  engine_->apply_settings(*next);
  if (guard_) {
    auto g = std::make_unique<anomaly::GuardConfig>(anomaly::make_guard_config(*next));
    g->version = ++guard_version_;
    g->live = nullptr;  // the published copy is data only; the workers keep their own slots
    g->quarantine = nullptr;
    guard_->publish(std::move(g));
  }
  publish_quarantine();  // it carries baseline.action
  const anomaly::AnomalySettings& s = engine_->settings();
  writer_.control_event({"anomaly", "anomaly.settings_applied", "info",
                         std::string("anomaly settings reloaded: conformance default ") +
                             std::string(dp::action_name(s.conformance.default_action)) + " with " +
                             std::to_string(s.conformance.overrides.size()) + " override(s), baseline.action " +
                             std::string(dp::action_name(s.baseline.action)) + ", rates.action " +
                             std::string(dp::action_name(s.rates.action)) +
                             (guard_ ? "" : " (control thread only: no workers to reach)"),
                         ""});
}

AnomalyService::~AnomalyService() {
  // The workers are stopped (or the replay is over) when the service goes: nothing reads the
  // table any more.
  if (slot_) slot_->store(nullptr, std::memory_order_release);
}

void AnomalyService::publish_quarantine() {
  published_version_ = engine_->quarantine_version();
  if (!slot_) return;
  auto next = std::make_unique<const anomaly::Quarantine>(engine_->quarantine());
  slot_->store(next.get(), std::memory_order_release);  // release: the whole table is visible
  // The token is taken after the store: a worker holding the old table has not yet passed
  // the quiescent state it waits for.
  if (current_) retired_.push_back({rcu_ != nullptr ? rcu_->start() : 0, std::move(current_)});
  current_ = std::move(next);
}

void AnomalyService::tick_wall_clock() {
  apply_pending();
  if (guard_) guard_->reclaim();
  if (rcu_ != nullptr) {
    std::size_t keep = 0;
    for (auto& r : retired_)
      if (!rcu_->done(r.token)) retired_[keep++] = std::move(r);
    retired_.resize(keep);
  }
  if (engine_->quarantine_version() != published_version_) publish_quarantine();
  const std::uint64_t now = proto::unix_now_ns();
  if (now < last_tick_ns_ + 1'000'000'000ull) return;
  last_tick_ns_ = now;
  engine_->tick(now);
}

void AnomalyService::register_commands(ControlState& state) {
  // A `rules reload` on the control socket runs on this thread: its anomaly settings go in
  // force before the reply, so the operator's next command already sees them.
  if (auto reload = state.commands.find("rules.reload"); reload != state.commands.end()) {
    auto inner = reload->second;
    reload->second = [this, inner](const YAML::Node& req) {
      ControlReply r = inner(req);
      apply_pending();
      return r;
    };
  }
  state.commands["baseline"] = [this](const YAML::Node& req) -> ControlReply {
    const YAML::Node args = req["args"];
    const std::string action = args && args["action"] ? args["action"].as<std::string>() : "show";
    std::string json, error;
    bool ok = true;
    if (action == "learn_start") ok = engine_->learn_start(json, error);
    else if (action == "learn_stop") ok = engine_->learn_stop(json, error);
    else if (action == "enforce") ok = engine_->enforce(json, error);
    else if (action == "release" && (args["client"] || args["server"] || args["port"])) {
      anomaly::QuarantineEntry pair;
      if (!anomaly::read_quarantine_pair(args, pair, error)) return ControlReply::fail("release: " + error);
      ok = engine_->release(json, error, &pair);
    } else if (action == "release") ok = engine_->release(json, error);
    else if (action == "show") json = engine_->show_json();
    else if (action == "export") {
      const std::string def = args["default_action"] ? args["default_action"].as<std::string>() : "alert";
      if (def != "alert" && def != "drop" && def != "allow")
        return ControlReply::fail("default_action must be alert, drop or allow, not \"" + def + "\"");
      std::string out;
      proto::JsonWriter w(out);
      w.begin_object().field("pairs", static_cast<std::uint64_t>(engine_->baseline().pairs().size()));
      w.field("yaml", engine_->export_rules(def)).end_object();
      json = out;
    } else {
      return ControlReply::fail("unknown baseline action \"" + action +
                                "\" (expected learn_start, learn_stop, show, export, enforce or release)");
    }
    if (!ok) return ControlReply::fail(error);
    if (engine_->quarantine_version() != published_version_) publish_quarantine();
    return {true, json, {}};
  };
}

}  // namespace fg::daemon

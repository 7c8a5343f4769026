#include "daemon/anomaly_service.hpp"

#include <chrono>
#include <iostream>

#include "protocols/common/json_writer.hpp"
#include "rules/anomaly/anomaly_settings_reader.hpp"
#include "rules/anomaly/dataplane_guard.hpp"

namespace fg::daemon {

namespace {

std::uint64_t wall_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count());
}

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
    : writer_(writer), slot_(cfg.pipeline.anomaly.quarantine) {
  engine_ = std::make_unique<anomaly::AnomalyEngine>(
      cfg.anomaly, [this](const dp::EventEntry& e) { writer_.event(e); },
      [this](const anomaly::EngineNote& n) { writer_.control_event({n.event, n.name, n.severity, n.detail, n.fields}); });
  std::string error;
  if (!engine_->load(error)) {
    if (!quiet) std::cerr << "fieldguardd: " << error << "\n";
    writer_.control_event({"baseline", "baseline.state_unreadable", "high", error, ""});
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
  if (rcu_ != nullptr) {
    std::size_t keep = 0;
    for (auto& r : retired_)
      if (!rcu_->done(r.token)) retired_[keep++] = std::move(r);
    retired_.resize(keep);
  }
  if (engine_->quarantine_version() != published_version_) publish_quarantine();
  const std::uint64_t now = wall_ns();
  if (now < last_tick_ns_ + 1'000'000'000ull) return;
  last_tick_ns_ = now;
  engine_->tick(now);
}

void AnomalyService::register_commands(ControlState& state) {
  state.commands["baseline"] = [this](const YAML::Node& req) -> ControlReply {
    const YAML::Node args = req["args"];
    const std::string action = args && args["action"] ? args["action"].as<std::string>() : "show";
    std::string json, error;
    bool ok = true;
    if (action == "learn_start") ok = engine_->learn_start(json, error);
    else if (action == "learn_stop") ok = engine_->learn_stop(json, error);
    else if (action == "enforce") ok = engine_->enforce(json, error);
    else if (action == "release") ok = engine_->release(json, error);
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

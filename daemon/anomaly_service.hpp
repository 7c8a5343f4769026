// Wires the anomaly engine into a running daemon: its events into the record writer, its
// learned state under the state directory, and the `baseline` control command.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "daemon/config/config.hpp"
#include "daemon/control/control_api.hpp"
#include "daemon/export/record_writer.hpp"
#include "daemon/rules/rule_manager.hpp"
#include "dataplane/rcu/rcu_domain.hpp"
#include "dataplane/rcu/snapshot.hpp"
#include "rules/anomaly/anomaly_engine.hpp"
#include "rules/load/rule_loader.hpp"

namespace fg::daemon {

// Applies the rule files' `anomaly:` sections over the daemon config's (rule file wins, key by
// key) and rebuilds the workers' part. At start; a rules reload goes through AnomalyService.
bool apply_rule_file_anomaly(const rules::LoadedRules& loaded, Config& cfg, Diagnostics& diag);

class AnomalyService final : public RuleFileSettings {
 public:
  // Loads the saved state; a bad state file is reported (stderr and an event) and the
  // engine starts empty.
  AnomalyService(const Config& cfg, RecordWriter& writer, bool quiet);
  ~AnomalyService() override;

  // Where replaced quarantine tables and guard settings are reclaimed once no worker can hold
  // them; without one (offline replay) tables are kept until the end and reloads do not reach
  // the workers (there are none to reload).
  void set_rcu(dp::RcuDomain* rcu);

  // RuleFileSettings, for RuleManager::set_settings_hook: a rules reload (control socket,
  // SIGHUP, update agent; any thread) reads the rule file's `anomaly:` over the daemon
  // config's; the control thread puts the result in force at its next tick (engine settings
  // and, through Snapshot<GuardConfig>, the workers' conformance actions and SYN/connection
  // thresholds). Refused: a bad section, or a new state_dir or clustering window.
  bool prepare(const std::vector<rules::LoadedRules::AnomalySection>& sections, Diagnostics& diag) override;
  void commit() override;
  // Control thread: puts committed settings and a staged baseline in force now (also run by
  // tick_wall_clock).
  void apply_pending();
  // An update bundle's `baseline` (docs/UPDATE.md), from the agent's thread: reads the state
  // file (`file` empty: no bundle baseline any more, the one learned here comes back) and
  // hands it to the control thread, which swaps it in whole at its next tick. False with
  // FILE:LINE:COL in `error` when the file does not read; nothing changes then.
  bool stage_baseline(const std::string& file, std::string& error);
  void audit(const dp::AuditEntry& e) {
    engine_->on_audit(e);
    if (engine_->quarantine_version() != published_version_) publish_quarantine();
  }
  // Live modes: call from the control loop; closes windows on the wall clock.
  void tick_wall_clock();
  void finish() { engine_->finish(); }
  // `baseline` with args {"action": learn_start | learn_stop | show | export | enforce,
  // "default_action": alert | drop (export)}.
  void register_commands(ControlState& state);
  [[nodiscard]] anomaly::AnomalyEngine& engine() noexcept { return *engine_; }

 private:
  void publish_quarantine();

  RecordWriter& writer_;
  // What a reload starts from and what it may not change (read by prepare() on any thread).
  const anomaly::AnomalySettings base_;
  const std::string state_dir_;
  const std::uint64_t window_ns_;
  std::shared_ptr<anomaly::GuardConfigSlot> guard_slot_;
  std::uint64_t guard_version_ = 0;
  std::unique_ptr<dp::Snapshot<anomaly::GuardConfig>> guard_;
  std::mutex mu_;  // prepared_ and pending_: written by the reloading thread, taken by the control thread
  std::optional<anomaly::AnomalySettings> prepared_;
  std::optional<anomaly::AnomalySettings> pending_;
  struct StagedBaseline {
    std::string file;
    std::optional<anomaly::LearnedState> state;  // none: back to the baseline learned here
  };
  std::optional<StagedBaseline> baseline_;
  std::unique_ptr<anomaly::AnomalyEngine> engine_;
  std::uint64_t last_tick_ns_ = 0;
  std::shared_ptr<anomaly::QuarantineSlot> slot_;
  dp::RcuDomain* rcu_ = nullptr;
  std::uint64_t published_version_ = 0;
  std::unique_ptr<const anomaly::Quarantine> current_;
  struct Retired {
    std::uint64_t token;
    std::unique_ptr<const anomaly::Quarantine> table;
  };
  std::vector<Retired> retired_;
};

// A RecordOutput for the single-threaded modes (capture replay, libpcap bridge): writes
// every record and hands audit records to the engine.
class AnomalyTapOutput final : public dp::RecordOutput {
 public:
  AnomalyTapOutput(RecordWriter& w, AnomalyService& a) : w_(w), a_(a) {}
  void audit(const dp::AuditEntry& e) noexcept override {
    w_.audit(e);
    a_.audit(e);
  }
  void event(const dp::EventEntry& e) noexcept override { w_.event(e); }

 private:
  RecordWriter& w_;
  AnomalyService& a_;
};

}  // namespace fg::daemon

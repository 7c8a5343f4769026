// Wires the anomaly engine into a running daemon: its events into the record writer, its
// learned state under the state directory, and the `baseline` control command.
#pragma once

#include <cstdint>
#include <memory>

#include "daemon/config/config.hpp"
#include "daemon/control/control_api.hpp"
#include "daemon/export/record_writer.hpp"
#include "dataplane/rcu/rcu_domain.hpp"
#include "rules/anomaly/anomaly_engine.hpp"
#include "rules/load/rule_loader.hpp"

namespace fg::daemon {

// Applies the rule files' `anomaly:` sections over the daemon config's (rule file wins, key by
// key) and rebuilds the workers' part. Read at start: a rules reload does not change them.
bool apply_rule_file_anomaly(const rules::LoadedRules& loaded, Config& cfg, Diagnostics& diag);

class AnomalyService {
 public:
  // Loads the saved state; a bad state file is reported (stderr and an event) and the
  // engine starts empty.
  AnomalyService(const Config& cfg, RecordWriter& writer, bool quiet);
  ~AnomalyService();

  // Where replaced quarantine tables are reclaimed once no worker can hold them; without one
  // (offline replay) they are kept until the end.
  void set_rcu(dp::RcuDomain* rcu) noexcept { rcu_ = rcu; }
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

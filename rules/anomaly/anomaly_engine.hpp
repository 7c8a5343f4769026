// The control-thread side of anomaly detection: consumes audit records (drained from the
// workers' rings, or synchronously offline), learns and enforces the baseline, measures
// request rates and scores behaviour windows. Not thread-safe: one thread owns it (the
// control thread live, the replay thread offline), which also serves its control commands.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dataplane/app/records.hpp"
#include "rules/anomaly/anomaly_settings.hpp"
#include "rules/anomaly/baseline_model.hpp"
#include "rules/anomaly/behaviour_model.hpp"
#include "rules/anomaly/quarantine.hpp"
#include "rules/anomaly/rate_window.hpp"

namespace fg::anomaly {

// A control-plane event with free text (mode changes, state saved, behaviour outliers whose
// detail names features): becomes a daemon ControlEvent. `fields` are JSON members without braces.
struct EngineNote {
  std::string event = "baseline";
  std::string name;
  std::string severity = "info";
  std::string detail;
  std::string fields;
};

struct EngineStats {
  std::uint64_t records = 0;
  std::uint64_t observations = 0;
  std::uint64_t learned = 0;
  std::uint64_t not_learned = 0;       // pair table full
  std::uint64_t baseline_events = 0;
  std::uint64_t baseline_suppressed = 0;  // repeats inside the hold-off
  std::uint64_t rate_events = 0;
  std::uint64_t windows = 0;
  std::uint64_t behaviour_events = 0;
  std::uint64_t quarantined = 0;         // pairs cut off
  std::uint64_t saves = 0;
  std::uint64_t save_failures = 0;
};

// Why a pair is quarantined, kept with it (saved, shown by `baseline show`).
struct QuarantineReason {
  std::string event;          // the baseline event that cut it off, e.g. baseline.new_function
  std::string detail;         // that event's arguments, e.g. "function 8"
  std::string action;         // baseline.action when it was cut off
  std::uint64_t since_ns = 0;  // the offending request's time (record time base)
};

// A learned-state file (baseline.yaml, or a bundle's `baseline` role) read but not yet in
// force: parse_state() checks a whole file before anything is replaced.
struct LearnedState {
  Mode mode = Mode::Off;
  BaselineModel baseline;
  BehaviourModel behaviour;
  std::string from_bundle;  // the bundle file this state came from ("" = learned here)
};

struct StateError {
  int line = 0, column = 0;  // 1-based; 0 when the file as a whole is wrong
  std::string message;
};

class AnomalyEngine {
 public:
  using EventFn = std::function<void(const dp::EventEntry&)>;
  using NoteFn = std::function<void(const EngineNote&)>;

  AnomalyEngine(AnomalySettings s, EventFn on_event, NoteFn on_note);

  // Loads the saved state from settings.baseline.state_dir, if any. False with `error` when
  // a file exists but cannot be read: the engine then starts empty (and says why).
  bool load(std::string& error);
  // The state file's text (`path` names it in errors); the parsing half of load(), fuzzed.
  bool load_text(const std::string& text, const std::string& path, std::string& error);
  // Reads a state file's text without touching any engine (any thread).
  static bool parse_state(const std::string& text, LearnedState& out, StateError& error);
  // parse_state on a file of at most `max_bytes`; `error` is FILE:LINE:COL: error: ...
  static bool read_state_file(const std::string& path, std::uint64_t max_bytes, LearnedState& out, std::string& error);
  // An update bundle's baseline (docs/UPDATE.md): `bundle_file` is the bundle's state file,
  // already read into `state`; it replaces the baseline and behaviour model whole, and the
  // mode becomes the file's unless the config sets baseline.mode. The state learned here
  // before the first bundle baseline is kept aside (baseline.local.yaml) and comes back when
  // a bundle without a baseline (or none) is in force again: call with `state` null then.
  // Saved at once. False with `error` when the state cannot be saved or restored.
  bool use_bundle_baseline(const std::string& bundle_file, const LearnedState* state, std::string& error);
  [[nodiscard]] const std::string& bundle_baseline() const noexcept { return from_bundle_; }
  // Writes the state atomically (temp file, fsync, rename, fsync of the directory).
  bool save(std::string& error);
  // The quarantined pairs (state_dir/quarantine.yaml), saved the same way on every change so
  // that a restart does not lift them. load_quarantine: false with FILE:LINE:COL in `error`
  // when the file exists but cannot be read (no pair is restored then).
  bool load_quarantine(std::string& error);
  bool load_quarantine_text(const std::string& text, const std::string& path, std::string& error);
  bool save_quarantine(std::string& error);

  // Settings re-read by a rules reload: actions, thresholds, hold-off and clustering
  // parameters take effect from the next record. The mode, state_dir and the window length
  // stay as they are (the mode is driven by `fieldguardctl baseline`; the caller refuses a
  // new state_dir or window, see AnomalyService::prepare).
  void apply_settings(const AnomalySettings& next);

  void on_audit(const dp::AuditEntry& e);
  // Closes windows that ended before `now_ns` (record time base) and checkpoints learn mode.
  void tick(std::uint64_t now_ns);
  // End of a run: closes every window; in learn mode trains the behaviour model and saves.
  void finish();

  // Control commands; each returns a JSON object for the reply, or sets `error`.
  bool learn_start(std::string& json, std::string& error);
  bool learn_stop(std::string& json, std::string& error);
  bool enforce(std::string& json, std::string& error);
  // Lifts every quarantine (baseline.action drop/reset/block cuts pairs off in enforce mode),
  // or only `pair`'s: an operator who has checked one pair releases it and the others stay
  // cut off. Releasing a pair that is not quarantined is an error naming it.
  bool release(std::string& json, std::string& error, const QuarantineEntry* pair = nullptr);
  [[nodiscard]] std::string show_json() const;
  // The baseline as a commented rule file (RULES-SYNTAX.md), `default_action` closing it.
  [[nodiscard]] std::string export_rules(const std::string& default_action) const;

  [[nodiscard]] Mode mode() const noexcept { return mode_; }
  [[nodiscard]] const EngineStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const BaselineModel& baseline() const noexcept { return baseline_; }
  [[nodiscard]] const BehaviourModel& behaviour() const noexcept { return behaviour_; }
  [[nodiscard]] const AnomalySettings& settings() const noexcept { return s_; }
  [[nodiscard]] std::size_t training_windows() const noexcept { return training_.size(); }
  // The pairs enforce mode cut off, and a counter that moves whenever they change (the
  // daemon publishes a new table for the workers then).
  [[nodiscard]] Quarantine quarantine() const;
  [[nodiscard]] std::uint64_t quarantine_version() const noexcept { return quarantine_version_; }
  [[nodiscard]] const std::map<QuarantineEntry, QuarantineReason>& quarantined() const noexcept { return quarantined_; }

 private:
  struct PairState {
    WindowAccumulator window;
    bool window_open = false;
    RateWindow rate;
    std::map<const proto::AnomalyKind*, std::uint64_t> last_event_ns;
    dp::PacketContext last_ctx{};
  };
  struct DeviceState {
    RateWindow rate;
    dp::PacketContext last_ctx{};
  };
  void enforce_baseline(const Observation& o, const dp::AuditEntry& e, PairState& ps);
  void count_rates(const Observation& o, const dp::AuditEntry& e, PairState& ps);
  void close_window(const PairKey& k, PairState& ps);
  void emit(const dp::AuditEntry& e, const proto::AnomalyKind& k, std::int64_t a0, std::int64_t a1, dp::Action act);
  void note(const std::string& name, const std::string& severity, const std::string& detail,
            const std::string& fields = "");
  void train_behaviour();
  bool load_windows(std::string& error);
  std::string state_path() const;
  std::string windows_path() const;
  std::string quarantine_path() const;
  std::string local_path() const;
  std::string state_text() const;
  void adopt(LearnedState&& st);
  void quarantine_changed();

  AnomalySettings s_;
  EventFn on_event_;
  NoteFn on_note_;
  Mode mode_ = Mode::Off;
  BaselineModel baseline_;
  BehaviourModel behaviour_;
  std::vector<FeatureVector> training_;   // learn mode's windows (reservoir-sampled past the cap)
  std::uint64_t training_seen_ = 0;
  std::map<PairKey, PairState> pair_state_;
  std::map<dp::IpAddr, DeviceState, bool (*)(const dp::IpAddr&, const dp::IpAddr&)> devices_;
  std::uint64_t last_tick_ns_ = 0;
  std::uint64_t last_save_ns_ = 0;        // steady clock of the last checkpoint
  std::uint64_t learn_started_ns_ = 0;
  std::map<QuarantineEntry, QuarantineReason> quarantined_;
  std::uint64_t quarantine_version_ = 0;
  std::string from_bundle_;  // the bundle file whose baseline is in force ("" = learned here)
  EngineStats stats_{};
};

}  // namespace fg::anomaly

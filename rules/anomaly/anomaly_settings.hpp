// The `anomaly:` settings (daemon config and rule files): conformance actions, baseline,
// rates and behaviour clustering. Plain data; read_anomaly_settings fills it from YAML.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/pipeline/verdict.hpp"

namespace fg::anomaly {

// What the control-plane engines do with traffic: nothing, learn a baseline, or judge
// traffic against the learned one.
enum class Mode : std::uint8_t { Off, Learn, Enforce };

constexpr const char* mode_name(Mode m) noexcept {
  switch (m) {
    case Mode::Off: return "off";
    case Mode::Learn: return "learn";
    case Mode::Enforce: return "enforce";
  }
  return "off";
}

struct ConformanceSettings {
  dp::Action default_action = dp::Action::Alert;  // allow = count only, no event
  std::vector<std::pair<std::string, dp::Action>> overrides;  // event name → action
};

struct BaselineSettings {
  Mode mode = Mode::Off;                      // the mode at start when no saved state says otherwise
  bool mode_set = false;                      // `mode:` given in the config: it wins over the saved mode
  std::string state_dir = "/var/lib/fieldguard";
  dp::Action action = dp::Action::Alert;      // in the events of enforce mode
  std::uint64_t save_interval_ns = 60'000'000'000ull;  // learn mode checkpoints this often
  std::uint64_t event_holdoff_ns = 10'000'000'000ull;  // one event per pair and kind per holdoff
};

// Zero thresholds mean "learned": an EWMA of past windows plus k standard deviations,
// never below the floor.
struct RateSettings {
  bool enabled = true;
  std::uint32_t syn_per_s = 0;            // SYNs per second to one server
  std::uint32_t connections_per_s = 0;    // new connections per second from one client
  std::uint32_t device_requests_per_s = 0;  // requests per second to one server
  std::uint32_t flow_requests_per_s = 0;    // requests per second on one client→server pair
  std::uint32_t syn_floor = 50;
  std::uint32_t connection_floor = 50;
  std::uint32_t request_floor = 50;
  double k_sigma = 6.0;
  double ewma_alpha = 0.05;
  std::uint32_t warmup_windows = 30;      // learned thresholds apply after this many windows
  dp::Action action = dp::Action::Alert;  // for the packets over a SYN/connection threshold
};

struct ClusteringSettings {
  bool enabled = true;
  std::uint64_t window_ns = 10'000'000'000ull;
  std::uint32_t max_k = 8;
  double threshold_margin = 1.5;          // threshold = margin × largest training distance of the cluster
  std::uint32_t min_windows = 30;         // fewer learned windows: no model, no scoring
  std::uint32_t max_training_windows = 50'000;
};

struct AnomalySettings {
  bool configured = false;  // an `anomaly:` section was given (offline replay runs the engine only then)
  ConformanceSettings conformance;
  BaselineSettings baseline;
  RateSettings rates;
  ClusteringSettings clustering;
};

}  // namespace fg::anomaly

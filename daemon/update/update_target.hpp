// What the update agent needs from the running daemon, kept small so that the rule engine's
// reload plugs in with a few lines: check a bundle's content, put it in force, tell whether
// the gateway is healthy afterwards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/update/bundle_store.hpp"

namespace fg::update {

// Counters sampled before an apply and compared after the health window.
struct HealthSample {
  std::vector<std::uint64_t> worker_loops;  // per worker: loop iterations (progress)
  std::uint64_t packets_in = 0;
  std::uint64_t forwarded = 0;
};

class UpdateTarget {
 public:
  virtual ~UpdateTarget() = default;
  // The checks `rules check` runs, on the config the bundle would yield. `bundle` null means
  // the daemon's own config without any bundle. `why` holds FILE:LINE:COL diagnostics.
  virtual bool validate(const InstalledBundle* bundle, std::string& why) = 0;
  // Puts that config in force without stopping traffic (hot reload). `reverting`: a
  // rollback to the bundle before (tunnel keys are then reinstalled, not rekeyed).
  virtual bool apply(const InstalledBundle* bundle, bool reverting, std::string& why) = 0;
  virtual HealthSample sample() = 0;
  // After the health window: workers alive, the applied policy loaded by every worker,
  // traffic flowing. `require_traffic`: IP packets arriving but (nearly) none forwarded is a
  // failure. `why` says what was measured, healthy or not.
  virtual bool healthy(const HealthSample& before, bool require_traffic, std::string& why) = 0;
  // One line for status: what the running policy holds ("acl: 3 rules, default allow").
  virtual std::string describe() = 0;
};

}  // namespace fg::update

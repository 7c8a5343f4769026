// The running daemon as an update target: composes a bundle over the config as written,
// hands the policy it yields to the rule engine's RuleManager (which compiles it and swaps it
// in for the workers through Snapshot + RCU), and judges health from the workers' progress
// and the traffic counters.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "daemon/config/config.hpp"
#include "daemon/rules/rule_manager.hpp"
#include "daemon/update/update_target.hpp"
#include "dataplane/rcu/rcu_domain.hpp"

namespace fg::update {

struct DataplaneHooks {
  dp::RcuDomain* rcu = nullptr;         // the workers' domain: tells when all have seen a swap
  daemon::RuleManager* rules = nullptr; // the rule set in force
  std::function<HealthSample()> sample;
  // Puts an SA key file in force (daemon::apply_sa_file): a rekey, or with `replace` an
  // install of every SA. Null when the daemon runs no tunnel.
  std::function<bool(const std::string& sa_file, bool replace, std::string& summary, std::string& error)> tunnel_keys;
  // Puts the identity service's CA and CRL files in force (IdentityRuntime::use_trust; crl
  // empty: none). Null when the daemon runs no identity service.
  std::function<bool(const std::string& ca, const std::string& crl, std::string& error)> identity_trust;
  // Puts a bundle's baseline (a learned-state file) in force in the anomaly engine
  // (AnomalyService::stage_baseline); "" brings back the baseline learned on the gateway.
  std::function<bool(const std::string& file, std::string& error)> baseline;
};

class DaemonUpdateTarget final : public UpdateTarget {
 public:
  // Below this many IP packets in the health window, traffic says nothing either way.
  static constexpr std::uint64_t kMinPacketsJudged = 20;

  // `running` is the config in force at start (cfg.update_base holds the config as written).
  DaemonUpdateTarget(const daemon::Config& running, DataplaneHooks hooks);

  bool validate(const InstalledBundle* bundle, std::string& why) override;
  bool apply(const InstalledBundle* bundle, bool reverting, std::string& why) override;
  HealthSample sample() override { return hooks_.sample(); }
  bool healthy(const HealthSample& before, bool require_traffic, std::string& why) override;
  std::string describe() override;

 private:
  // Puts `sa_file` (the composed config's tunnel.sa_file) in force when its keys differ
  // from the ones running: a rekey, or on `reverting` an install of every SA.
  bool apply_tunnel_keys(const std::string& sa_file, bool reverting, std::string& why);

  std::shared_ptr<const daemon::Config> base_;
  DataplaneHooks hooks_;
  std::uint64_t swap_token_ = 0;
  bool swapped_ = false;
  std::mutex mu_;  // describe() may run on another thread than apply()
  std::string source_;
  // The SA key file whose SAs are in force and the SHA-256 of its content: a bundle carrying
  // the same keys again is not a rekey (the tunnel would refuse SPIs it already has).
  std::string tunnel_sa_file_;
  Digest tunnel_sa_digest_{};
  std::string tunnel_note_;  // the last tunnel change, for describe()
  // The identity service's trust files in force (identity.ca / identity.crl or a bundle's).
  std::string identity_ca_, identity_crl_;
  std::string baseline_file_;  // the bundle baseline in force ("" = learned on the gateway)
};

}  // namespace fg::update

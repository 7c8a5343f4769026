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
};

class DaemonUpdateTarget final : public UpdateTarget {
 public:
  // Below this many IP packets in the health window, traffic says nothing either way.
  static constexpr std::uint64_t kMinPacketsJudged = 20;

  // `running` is the config in force at start (cfg.update_base holds the config as written).
  DaemonUpdateTarget(const daemon::Config& running, DataplaneHooks hooks);

  bool validate(const InstalledBundle* bundle, std::string& why) override;
  bool apply(const InstalledBundle* bundle, std::string& why) override;
  HealthSample sample() override { return hooks_.sample(); }
  bool healthy(const HealthSample& before, bool require_traffic, std::string& why) override;
  std::string describe() override;

 private:
  std::shared_ptr<const daemon::Config> base_;
  DataplaneHooks hooks_;
  std::uint64_t swap_token_ = 0;
  bool swapped_ = false;
  std::mutex mu_;  // describe() may run on another thread than apply()
  std::string source_;
};

}  // namespace fg::update

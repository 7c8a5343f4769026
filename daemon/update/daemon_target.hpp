// The running daemon as an update target: composes a bundle over the config as written,
// swaps the ACL every worker reads (Snapshot + RCU), and judges health from the workers'
// progress and the traffic counters. The rule engine's rule set joins here (issue 4).
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "daemon/config/config.hpp"
#include "daemon/update/update_target.hpp"
#include "dataplane/rcu/rcu_domain.hpp"
#include "dataplane/rcu/snapshot.hpp"
#include "rules/acl/acl.hpp"

namespace fg::update {

struct DataplaneHooks {
  dp::RcuDomain* rcu = nullptr;
  std::function<void(const rules::Acl*)> set_acl;  // makes every worker read this ACL
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
  dp::Snapshot<rules::Acl> acl_;
  std::uint64_t swap_token_ = 0;
  bool swapped_ = false;
  std::mutex mu_;  // describe() may run on another thread than apply()
  std::string source_;
  std::size_t acl_rules_ = 0;
  dp::Action acl_default_ = dp::Action::Allow;
};

}  // namespace fg::update

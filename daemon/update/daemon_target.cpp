#include "daemon/update/daemon_target.hpp"

#include "daemon/update/bundle_config.hpp"

namespace fg::update {

DaemonUpdateTarget::DaemonUpdateTarget(const daemon::Config& running, DataplaneHooks hooks)
    : base_(running.update_base ? running.update_base : std::make_shared<const daemon::Config>(running)),
      hooks_(std::move(hooks)),
      acl_(*hooks_.rcu),
      source_(running.source),
      acl_rules_(running.acl.rules.size()),
      acl_default_(running.acl.default_action) {}

bool DaemonUpdateTarget::validate(const InstalledBundle* bundle, std::string& why) {
  daemon::Config next;
  daemon::Diagnostics diag;
  if (compose_config(*base_, bundle, next, diag)) return true;
  why = diag.str();
  return false;
}

bool DaemonUpdateTarget::apply(const InstalledBundle* bundle, std::string& why) {
  daemon::Config next;
  daemon::Diagnostics diag;
  if (!compose_config(*base_, bundle, next, diag)) {
    why = diag.str();
    return false;
  }
  auto acl = std::make_unique<const rules::Acl>(next.acl);
  // Workers switch at their next burst; the token taken after the store says when every
  // one of them has (health check), and the Snapshot frees the old table after that.
  hooks_.set_acl(acl.get());
  swap_token_ = hooks_.rcu->start();
  swapped_ = true;
  acl_.publish(std::move(acl));
  std::lock_guard lock(mu_);
  source_ = next.source;
  acl_rules_ = next.acl.rules.size();
  acl_default_ = next.acl.default_action;
  return true;
}

bool DaemonUpdateTarget::healthy(const HealthSample& before, bool require_traffic, std::string& why) {
  acl_.reclaim();
  const HealthSample after = hooks_.sample();
  for (std::size_t w = 0; w < after.worker_loops.size() && w < before.worker_loops.size(); ++w)
    if (after.worker_loops[w] == before.worker_loops[w]) {
      why = "worker " + std::to_string(w) + " made no progress during the health window";
      return false;
    }
  if (swapped_ && !hooks_.rcu->done(swap_token_)) {
    why = "not every worker has loaded the new policy";
    return false;
  }
  const std::uint64_t in = after.packets_in - before.packets_in;
  const std::uint64_t out = after.forwarded - before.forwarded;
  why = std::to_string(in) + " IP packets in and " + std::to_string(out) + " forwarded during the health window";
  // "Traffic flowing": a policy that cuts (nearly) every IP packet is what takes a plant
  // down. A few stragglers (flows created before the swap keep their verdict) do not count.
  if (require_traffic && in >= kMinPacketsJudged && out * 10 < in) {
    why += ": less than 10% forwarded";
    return false;
  }
  return true;
}

std::string DaemonUpdateTarget::describe() {
  std::lock_guard lock(mu_);
  return source_ + " (acl: " + std::to_string(acl_rules_) + " rules, default " + std::string(dp::action_name(acl_default_)) + ")";
}

}  // namespace fg::update

#include "daemon/update/daemon_target.hpp"

#include "daemon/update/bundle_config.hpp"

namespace fg::update {

DaemonUpdateTarget::DaemonUpdateTarget(const daemon::Config& running, DataplaneHooks hooks)
    : base_(running.update_base ? running.update_base : std::make_shared<const daemon::Config>(running)),
      hooks_(std::move(hooks)),
      source_(running.source) {}

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
  // The rule engine loads, compiles and publishes; workers switch at their next burst.
  const bool ok = next.rules_path.empty() ? hooks_.rules->reload_acl(next.acl, diag)
                                          : hooks_.rules->reload_rules(next.rules_path, diag);
  if (!ok) {
    why = diag.str();
    return false;
  }
  // Taken after the publish: done() once every worker has passed a quiescent state since,
  // i.e. judges its packets with the new set.
  swap_token_ = hooks_.rcu->start();
  swapped_ = true;
  std::lock_guard lock(mu_);
  source_ = next.source;
  return true;
}

bool DaemonUpdateTarget::healthy(const HealthSample& before, bool require_traffic, std::string& why) {
  const HealthSample after = hooks_.sample();
  for (std::size_t w = 0; w < after.worker_loops.size() && w < before.worker_loops.size(); ++w)
    if (after.worker_loops[w] == before.worker_loops[w]) {
      why = "worker " + std::to_string(w) + " made no progress during the health window";
      return false;
    }
  if (swapped_ && !hooks_.rcu->done(swap_token_)) {
    why = "not every worker has loaded the new rule set";
    return false;
  }
  const std::uint64_t in = after.packets_in - before.packets_in;
  const std::uint64_t out = after.forwarded - before.forwarded;
  why = std::to_string(in) + " IP packets in and " + std::to_string(out) + " forwarded during the health window";
  // "Traffic flowing": a policy that cuts (nearly) every IP packet is what takes a plant
  // down. A few stragglers do not make it healthy.
  if (require_traffic && in >= kMinPacketsJudged && out * 10 < in) {
    why += ": less than 10% forwarded";
    return false;
  }
  return true;
}

std::string DaemonUpdateTarget::describe() {
  const daemon::RuleSetInfo i = hooks_.rules->info();
  std::lock_guard lock(mu_);
  return source_ + " (policy: " + std::to_string(i.rules) + " rules, default " + i.default_action + ", from " + i.source + ")";
}

}  // namespace fg::update

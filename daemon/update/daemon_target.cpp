#include "daemon/update/daemon_target.hpp"

#include <openssl/crypto.h>

#include "daemon/update/bundle_config.hpp"

namespace fg::update {

namespace {

// SHA-256 of a key file's content; all zero when it cannot be read (then it differs).
Digest file_digest(const std::string& path) {
  std::vector<std::uint8_t> bytes;
  std::string ignored;
  if (path.empty() || !read_whole_file(path, bytes, 1 << 20, ignored)) return {};
  const Digest d = sha256(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());  // the file holds keys
  return d;
}

}  // namespace

DaemonUpdateTarget::DaemonUpdateTarget(const daemon::Config& running, DataplaneHooks hooks)
    : base_(running.update_base ? running.update_base : std::make_shared<const daemon::Config>(running)),
      hooks_(std::move(hooks)),
      source_(running.source),
      tunnel_sa_file_(running.tunnel.sa_file),
      tunnel_sa_digest_(file_digest(running.tunnel.sa_file)),
      identity_ca_(running.identity.ca),
      identity_crl_(running.identity.crl),
      baseline_file_(running.baseline_file) {}

bool DaemonUpdateTarget::validate(const InstalledBundle* bundle, std::string& why) {
  daemon::Config next;
  daemon::Diagnostics diag;
  if (!compose_config(*base_, bundle, next, diag)) {
    why = diag.str();
    return false;
  }
  if ((next.identity.ca != base_->identity.ca || next.identity.crl != base_->identity.crl) && !hooks_.identity_trust) {
    why = "ca/crl: the daemon runs no identity service";
    return false;
  }
  if (next.tunnel.sa_file != base_->tunnel.sa_file && !hooks_.tunnel_keys) {
    why = next.tunnel.sa_file + ": tunnel_keys: the daemon runs no tunnel";
    return false;
  }
  if (!next.baseline_file.empty() && !hooks_.baseline) {
    why = next.baseline_file + ": baseline: the daemon runs no anomaly engine";
    return false;
  }
  return true;
}

bool DaemonUpdateTarget::apply(const InstalledBundle* bundle, bool reverting, std::string& why) {
  daemon::Config next;
  daemon::Diagnostics diag;
  if (!compose_config(*base_, bundle, next, diag)) {
    why = diag.str();
    return false;
  }
  // Trust files and tunnel keys before the policy: a bad CRL or a refused rekey leaves
  // everything as it was (or, after the CRL, the rollback re-applies the previous one).
  if (next.identity.ca != identity_ca_ || next.identity.crl != identity_crl_) {
    if (!hooks_.identity_trust) {
      why = "ca/crl: the daemon runs no identity service";
      return false;
    }
    if (!hooks_.identity_trust(next.identity.ca, next.identity.crl, why)) return false;
    identity_ca_ = next.identity.ca;
    identity_crl_ = next.identity.crl;
  }
  if (!apply_tunnel_keys(next.tunnel.sa_file, reverting, why)) return false;
  // The baseline was read whole by validate(); the engine swaps it in on its own thread. A
  // rollback brings back the previous bundle's, or the one learned on the gateway.
  if (next.baseline_file != baseline_file_) {
    if (!hooks_.baseline) {
      why = next.baseline_file + ": baseline: the daemon runs no anomaly engine";
      return false;
    }
    if (!hooks_.baseline(next.baseline_file, why)) return false;
    baseline_file_ = next.baseline_file;
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

bool DaemonUpdateTarget::apply_tunnel_keys(const std::string& sa_file, bool reverting, std::string& why) {
  // A new bundle without tunnel_keys leaves the SAs in force alone (rekeying back to the
  // config's keys would reuse SPIs the tunnel still holds); a rollback restores them.
  if (!reverting && sa_file == base_->tunnel.sa_file) return true;
  const Digest digest = file_digest(sa_file);
  if (sa_file.empty()) {
    // Back to a config that names no key file: its SAs came from the console
    // (tunnel.install), which this gateway cannot re-create; the bundle's stay.
    if (!tunnel_sa_file_.empty() && tunnel_sa_file_ != base_->tunnel.sa_file) {
      std::lock_guard lock(mu_);
      tunnel_note_ = "tunnel: the SAs of " + tunnel_sa_file_ + " stay in force (the config names no tunnel.sa_file)";
    }
    return true;
  }
  if (digest == tunnel_sa_digest_ && digest != Digest{}) {  // the same keys: nothing to rotate
    tunnel_sa_file_ = sa_file;
    return true;
  }
  if (!hooks_.tunnel_keys) {
    why = sa_file + ": tunnel_keys: the daemon runs no tunnel";
    return false;
  }
  std::string summary;
  if (!hooks_.tunnel_keys(sa_file, reverting, summary, why)) return false;
  tunnel_sa_file_ = sa_file;
  tunnel_sa_digest_ = digest;
  std::lock_guard lock(mu_);
  tunnel_note_ = "tunnel " + summary;
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
  return source_ + " (policy: " + std::to_string(i.rules) + " rules, default " + i.default_action + ", from " + i.source + ")" +
         (tunnel_note_.empty() ? std::string() : "; " + tunnel_note_);
}

}  // namespace fg::update

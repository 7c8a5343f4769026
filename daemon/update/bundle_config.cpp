#include "daemon/update/bundle_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <memory>

#include "crypto/identity/identity_service.hpp"
#include "daemon/config/config_loader.hpp"
#include "daemon/config/tunnel_config.hpp"
#include "daemon/rules/rule_files.hpp"
#include "rules/anomaly/anomaly_engine.hpp"
#include "rules/anomaly/anomaly_settings_reader.hpp"

namespace fg::update {

bool compose_config(const daemon::Config& base, const InstalledBundle* bundle, daemon::Config& out,
                    daemon::Diagnostics& diag) {
  daemon::Config next = base;
  if (!bundle) {
    out = std::move(next);
    return true;
  }
  for (const auto& f : bundle->manifest.files) {
    const std::string path = bundle->path_of(f);
    if (f.role == FileRole::Rules) {
      if (!next.rules_path.empty() && next.rules_path.rfind(bundle->dir, 0) == 0) {
        diag.error(path, 0, 0, "a bundle carries at most one rules file");
        continue;
      }
      // The rule file replaces the policy: the ACL of the config as written gives way to it.
      next.rules_path = path;
      next.acl = rules::Acl{};
      rules::LoadedRules loaded;
      daemon::load_rule_files(next, path, loaded, diag);  // what `fieldguardctl rules check` runs
      anomaly::AnomalySettings anomaly_settings;  // and its anomaly: section, as rules check reads it
      for (const auto& section : loaded.anomaly) {
        daemon::YamlReader r(section.file, diag);
        anomaly::read_anomaly_settings(r, section.node, anomaly_settings);
      }
      continue;
    }
    if (f.role == FileRole::TunnelKeys) {
      // New SAs for the ESP tunnel, put in force as a rekey (docs/UPDATE.md). Checked here
      // with the key file's own reader (which also refuses a file others may read); the keys
      // themselves never reach a diagnostic.
      if (!base.tunnel.enabled) {
        diag.error(path, 0, 0, "tunnel_keys: this gateway has no tunnel: configured");
        continue;
      }
      if (!next.tunnel.sa_file.empty() && next.tunnel.sa_file.rfind(bundle->dir, 0) == 0) {
        diag.error(path, 0, 0, "a bundle carries at most one tunnel_keys file");
        continue;
      }
      std::vector<esp::SaSpec> specs;
      if (daemon::read_sa_file(path, specs, diag))
        for (auto& sa : specs) esp::wipe(sa);
      next.tunnel.sa_file = path;
      continue;
    }
    if (f.role == FileRole::Crl || f.role == FileRole::Ca) {
      // The identity service's trust files (docs/IDENTITY.md): they replace identity.crl /
      // identity.ca. A CRL is read here by the reader `devices reload-crl` uses; the CA is
      // checked when the service builds its TLS context from it, before it replaces the old.
      const bool crl = f.role == FileRole::Crl;
      if (!base.identity.service()) {
        diag.error(path, 0, 0, std::string(role_name(f.role)) + ": this gateway runs no identity service (identity.ca)");
        continue;
      }
      std::string& slot = crl ? next.identity.crl : next.identity.ca;
      if (slot.rfind(bundle->dir, 0) == 0) {
        diag.error(path, 0, 0, std::string("a bundle carries at most one ") + role_name(f.role) + " file");
        continue;
      }
      std::vector<std::string> serials;
      std::string error;
      if (crl && !crypto::read_crl_serials(path, serials, error)) diag.error(path, 0, 0, error);
      slot = path;
      continue;
    }
    if (f.role == FileRole::Baseline) {
      // A learned state (the format of state_dir/baseline.yaml) that replaces the anomaly
      // engine's baseline: read whole here, so a malformed one refuses the bundle.
      if (!next.baseline_file.empty() && next.baseline_file.rfind(bundle->dir, 0) == 0) {
        diag.error(path, 0, 0, "a bundle carries at most one baseline file");
        continue;
      }
      std::vector<std::uint8_t> bytes;
      std::string error;
      anomaly::LearnedState st;
      anomaly::StateError e;
      if (!read_whole_file(path, bytes, f.size, error)) diag.error(path, 0, 0, error);
      else if (!anomaly::AnomalyEngine::parse_state(std::string(bytes.begin(), bytes.end()), st, e))
        diag.error(path, e.line, e.column, "baseline: " + e.message);
      next.baseline_file = path;
      continue;
    }
    if (f.role != FileRole::Config) continue;  // carried for other services, checked by hash only
    std::vector<std::uint8_t> bytes;
    std::string error;
    if (!read_whole_file(path, bytes, f.size, error)) {
      diag.error(path, 0, 0, error);
      continue;
    }
    const std::string text(bytes.begin(), bytes.end());
    // The fragment is a config of its own: the loader checks it with the same diagnostics.
    daemon::Config fragment;
    if (!daemon::load_config_text(text, path, fragment, diag)) continue;
    try {
      const YAML::Node root = YAML::Load(text);
      if (root.IsMap())
        for (const auto& kv : root) {
          const std::string key = kv.first.as<std::string>();
          if (std::find_if(std::begin(kBundleConfigKeys), std::end(kBundleConfigKeys),
                           [&](const char* k) { return key == k; }) == std::end(kBundleConfigKeys)) {
            const YAML::Mark m = kv.first.Mark();
            diag.error(path, m.line + 1, m.column + 1, key + ": a bundle may not set this key (bundles may set: acl)");
          }
        }
      if (root.IsMap() && root["acl"]) next.acl = fragment.acl;
    } catch (const YAML::Exception& e) {
      diag.error(path, e.mark.line + 1, e.mark.column + 1, e.msg);
    }
  }
  if (!next.rules_path.empty() && next.rules_path.rfind(bundle->dir, 0) == 0 && !next.acl.rules.empty())
    diag.error(bundle->dir, 0, 0, "the bundle sets both acl: and a rules file, expected one policy");
  if (!diag.empty()) return false;
  next.source = base.source + " + bundle " + std::to_string(bundle->version);
  out = std::move(next);
  return true;
}

std::string use_installed_bundle(daemon::Config& cfg) {
  if (!cfg.update.enabled) return {};
  auto base = std::make_shared<const daemon::Config>(cfg);
  BundleStore store(cfg.update.state_dir);
  std::string report;
  // A bundle still on trial at start lost its health check to a restart: back to the one
  // before it (the agent reports it once it runs).
  StoreState state;
  std::string state_error;
  if (store.load_state(state, state_error) && state.trial_version != 0) {
    const auto cur = store.current(state_error);
    if (cur && cur->version == state.trial_version && store.revert(state_error))
      report += "bundle " + std::to_string(state.trial_version) + " was on trial when the daemon stopped: rolled back; ";
  }
  for (const bool previous : {false, true}) {
    std::string error;
    const auto b = previous ? store.previous(error) : store.current(error);
    if (!b) {
      if (!error.empty()) report += std::string(previous ? "previous" : "current") + " bundle unusable: " + error + "; ";
      continue;
    }
    daemon::Diagnostics diag;
    daemon::Config next;
    if (!compose_config(*base, &*b, next, diag)) {
      report += "bundle " + std::to_string(b->version) + " invalid: " + diag.str() + "; ";
      continue;
    }
    next.update_base = base;
    cfg = std::move(next);
    return report + "running bundle " + std::to_string(b->version);
  }
  cfg.update_base = base;
  return report + "no bundle installed: running the config as written";
}

}  // namespace fg::update

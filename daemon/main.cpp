// fieldguardd: parses options, loads the configuration and runs offline or live.
#include <iostream>

#include "daemon/anomaly_service.hpp"
#include "daemon/config/config_loader.hpp"
#include "daemon/live_mode.hpp"
#include "daemon/offline_mode.hpp"
#include "daemon/options.hpp"
#include "daemon/pcap_mode.hpp"
#include "daemon/rules/rule_files.hpp"
#include "daemon/update/bundle_config.hpp"

int main(int argc, char** argv) {
  using namespace fg::daemon;
  Options opt;
  switch (parse_options(argc, argv, opt)) {
    case ParseOutcome::ExitOk: return 0;
    case ParseOutcome::ExitError: return 2;
    case ParseOutcome::Run: break;
  }
  Config cfg = monitor_default();
  if (!opt.config.empty()) {
    Diagnostics diag;
    if (!load_config_file(opt.config, cfg, diag)) {
      std::cerr << diag.str();
      return 1;
    }
  }
  // The installed update bundle, if any, lies over the config as written (docs/UPDATE.md).
  if (cfg.update.enabled && !opt.quiet) std::cerr << "fieldguardd: update: " << fg::update::use_installed_bundle(cfg) << "\n";
  else if (cfg.update.enabled) fg::update::use_installed_bundle(cfg);
  cfg.anomaly_config = cfg.anomaly;  // a rules reload re-applies its rule file's anomaly: over this
  if (!cfg.rules_path.empty()) {
    // The rule set is part of the configuration: a bad one stops the start (and --check-config).
    Diagnostics diag;
    fg::rules::LoadedRules loaded;
    if (!load_rule_files(cfg, cfg.rules_path, loaded, diag) || !apply_rule_file_anomaly(loaded, cfg, diag)) {
      std::cerr << diag.str();
      return 1;
    }
  }
  if (opt.check_config) {
    std::cout << cfg.source << ": ok\n";
    return 0;
  }
  if (!opt.read.empty()) return run_offline(opt, cfg);
  return cfg.backend == Backend::Pcap ? run_pcap_bridge(opt, cfg) : run_live(opt, cfg);
}

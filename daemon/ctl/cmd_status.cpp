// fieldguardctl status | version: what the daemon is and whether its workers move.
#include <cstdio>
#include <iostream>

#include "daemon/ctl/control_client.hpp"
#include "daemon/ctl/table_output.hpp"
#include "daemon/version.hpp"

namespace fg::ctl {

int cmd_status(const CtlContext& ctx) {
  if (!ctx.args.empty()) {
    std::cerr << "fieldguardctl: status takes no arguments\n";
    return kUsage;
  }
  YAML::Node data;
  const int rc = call(ctx, "status", "", data);
  if (rc != kOk) return rc;
  // A stalled worker is a problem scripts should see, in either output form.
  const int health = data["workers_alive"] && data["workers"] &&
                             data["workers_alive"].as<unsigned>() < data["workers"].as<unsigned>()
                         ? kCommandFailed
                         : kOk;
  if (ctx.json) return health;
  auto get = [&](const char* k) { return data[k] && data[k].IsScalar() && !data[k].Scalar().empty() ? data[k].Scalar() : "-"; };
  char uptime[32];
  const double up = data["uptime_s"] ? data["uptime_s"].as<double>() : 0;
  std::snprintf(uptime, sizeof uptime, "%dd %02d:%02d:%02d", static_cast<int>(up / 86400), static_cast<int>(up / 3600) % 24,
                static_cast<int>(up / 60) % 60, static_cast<int>(up) % 60);
  print_table({"key", "value"}, {{"version", get("version")},
                                 {"mode", get("mode")},
                                 {"config", get("config")},
                                 {"uptime", uptime},
                                 {"workers alive", get("workers_alive") + "/" + get("workers")},
                                 {"rules version", get("rules_version")},
                                 {"acl rules", get("acl_rules")}});
  return health;
}

int cmd_version(const CtlContext& ctx) {
  if (ctx.json) std::cout << "{\"version\":\"" << daemon::kVersion << "\"}\n";
  else std::cout << "fieldguardctl " << daemon::kVersion << "\n";
  return kOk;
}

}  // namespace fg::ctl

// fieldguardctl status | stats | version: what the daemon is and what it has counted.
#include <iostream>

#include "daemon/ctl/control_client.hpp"
#include "daemon/ctl/table_output.hpp"
#include "daemon/version.hpp"

namespace fg::ctl {

namespace {

int show(const CtlContext& ctx, const char* cmd) {
  if (!ctx.args.empty()) {
    std::cerr << "fieldguardctl: " << cmd << " takes no arguments\n";
    return kUsage;
  }
  YAML::Node data;
  const int rc = call(ctx, cmd, "", data);
  if (rc != kOk || ctx.json) return rc;
  std::cout << cmd << "\n";
  print_key_values(data);
  return kOk;
}

}  // namespace

int cmd_status(const CtlContext& ctx) { return show(ctx, "status"); }
int cmd_stats(const CtlContext& ctx) { return show(ctx, "stats"); }

int cmd_version(const CtlContext& ctx) {
  if (ctx.json) std::cout << "{\"version\":\"" << daemon::kVersion << "\"}\n";
  else std::cout << "fieldguardctl " << daemon::kVersion << "\n";
  return kOk;
}

}  // namespace fg::ctl

// The table of fieldguardctl commands, in the order --help lists them.
#include "daemon/ctl/ctl_command.hpp"

namespace fg::ctl {

int cmd_status(const CtlContext&);
int cmd_stats(const CtlContext&);
int cmd_version(const CtlContext&);
int cmd_rules(const CtlContext&);
int cmd_baseline(const CtlContext&);

const std::vector<CommandEntry>& commands() {
  static const std::vector<CommandEntry> kCommands = {
      {"status", "version, uptime, mode, workers alive, rule count", cmd_status},
      {"stats", "packets, drops by reason, flows, PDUs per protocol, events", cmd_stats},
      {"version", "this tool's version", cmd_version},
      {"rules", "check FILE (offline) | reload [PATH] | show: the rule set", cmd_rules},
      {"baseline", "learn start|stop, show, export FILE [--drop], enforce, release: the learned baseline", cmd_baseline},
  };
  return kCommands;
}

}  // namespace fg::ctl

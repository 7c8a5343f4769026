// The table of fieldguardctl commands, in the order --help lists them.
#include "daemon/ctl/ctl_command.hpp"

namespace fg::ctl {

int cmd_status(const CtlContext&);
int cmd_stats(const CtlContext&);
int cmd_version(const CtlContext&);
int cmd_rules(const CtlContext&);

const std::vector<CommandEntry>& commands() {
  static const std::vector<CommandEntry> kCommands = {
      {"status", "version, uptime, mode, workers alive, rule count", cmd_status},
      {"stats", "packets, drops by reason, flows, PDUs per protocol, events", cmd_stats},
      {"version", "this tool's version", cmd_version},
      {"rules", "check FILE (offline) | reload [PATH] | show: the rule set", cmd_rules},
  };
  return kCommands;
}

}  // namespace fg::ctl

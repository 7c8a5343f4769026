// The table of fieldguardctl commands, in the order --help lists them.
#include "daemon/ctl/ctl_command.hpp"

namespace fg::ctl {

int cmd_status(const CtlContext&);
int cmd_stats(const CtlContext&);
int cmd_flows(const CtlContext&);
int cmd_events(const CtlContext&);
int cmd_audit(const CtlContext&);
int cmd_capture(const CtlContext&);
int cmd_version(const CtlContext&);
int cmd_devices(const CtlContext&);
int cmd_pki(const CtlContext&);
int cmd_rules(const CtlContext&);
int cmd_tunnel(const CtlContext&);
int cmd_update(const CtlContext&);
int cmd_baseline(const CtlContext&);

const std::vector<CommandEntry>& commands() {
  static const std::vector<CommandEntry> kCommands = {
      {"status", "version, uptime, mode, workers alive, rule set version", cmd_status},
      {"stats", "packets, drops by reason, PDUs per protocol, per worker and per port", cmd_stats},
      {"flows", "list|top [--addr A] [--port P] [--proto P] [--app A] [--by packets|bytes] [-n N]", cmd_flows,
       "list top --addr --port --proto --app --by -n"},
      {"events", "tail [-n N] [-f]: the newest events", cmd_events, "tail -n -f"},
      {"audit", "tail [-n N] [-f] | verify --key PUB FILE... | level [all|changes|flagged]: audit records, tamper check, volume",
       cmd_audit, "tail verify level all changes flagged -n -f --key"},
      {"capture", "start --file NAME [--filter BPF] [--max-bytes N] [--max-seconds S] | stop | status", cmd_capture,
       "start stop status --file --filter --max-bytes --max-seconds"},
      {"version", "this tool's version", cmd_version},
      {"devices", "device inventory, admissions, leases; revoke ID; reload-crl", cmd_devices},
      {"pki", "plant CA, device certificates, CRL (ca, issue, revoke, crl)", cmd_pki},
      {"rules", "check FILE (offline) | reload [PATH] | show: the rule set", cmd_rules},
      {"tunnel", "ESP tunnel: SAs (SPI, direction, packets, drops by reason, rekeys); tunnel rekey|install FILE", cmd_tunnel},
      {"update", "remote update: status | check-now | rollback | apply FILE", cmd_update},
      {"baseline", "learn start|stop, show, export FILE [--drop], enforce, release [CLIENT SERVER PORT]: the learned baseline", cmd_baseline},
  };
  return kCommands;
}

}  // namespace fg::ctl

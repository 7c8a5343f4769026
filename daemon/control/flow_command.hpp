// The `flows` control command: arguments to a FlowRequest, worker answers to JSON.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "daemon/control/control_api.hpp"
#include "dataplane/control/flow_mailbox.hpp"
#include "daemon/export/record_format.hpp"

namespace fg::daemon {

struct WorkerFlows {
  std::uint32_t worker = 0;
  std::vector<dp::FlowInfo> flows;
  std::uint64_t matched = 0;
};

// Asks every worker; false with `error` when one does not answer in time.
using FlowCollector = std::function<bool(const dp::FlowRequest&, std::vector<WorkerFlows>&, std::string& error)>;

// Registers "flows": args {addr, port, proto (tcp|udp|icmp|NUMBER), app (modbus, ...),
// top (packets|bytes), limit}. `now_ns` is the workers' clock (ages and idle times).
void register_flow_command(ControlState& state, FlowCollector collect, std::function<std::uint64_t()> now_ns,
                           FormatContext rule_names);

}  // namespace fg::daemon

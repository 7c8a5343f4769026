// Requests the control socket answers (protocol v1, docs/CONTROL.md).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "daemon/summary.hpp"

namespace fg::daemon {

struct StatusInfo {
  std::string version;
  std::string mode;          // "dpdk"
  std::string config;        // config source
  double uptime_s = 0;
  std::uint32_t workers = 0;
  std::uint32_t workers_alive = 0;
  std::uint32_t acl_rules = 0;
};

struct ControlState {
  std::function<StatusInfo()> status;
  std::function<RunSummary()> stats;
};

// Parses one request line and answers it: {"v":1,"ok":true,"data":{...}} or
// {"v":1,"ok":false,"error":"..."}.
std::string handle_control_request(const std::string& line, const ControlState& state);

}  // namespace fg::daemon

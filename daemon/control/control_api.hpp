// Requests the control socket answers (protocol v1, docs/CONTROL.md).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <yaml-cpp/yaml.h>

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
  // The rule set in force (docs/RULES.md): version counts reloads, hash identifies the files.
  std::uint64_t rules_version = 0;
  std::uint32_t rules = 0;
  std::string rules_hash;
};

// What a command handler answers: `data` is a JSON value (object, array, ...) when ok,
// `error` a sentence for the user otherwise.
struct ControlReply {
  bool ok = true;
  std::string data = "{}";
  std::string error;
  static ControlReply fail(std::string why) { return {false, {}, std::move(why)}; }
};

// A command beyond status/stats: gets the whole request ({"v":1,"cmd":...,"args":...}).
// Features register theirs where the daemon wires its state (live_mode, pcap_mode).
using ControlCommand = std::function<ControlReply(const YAML::Node& request)>;

struct ControlState {
  std::function<StatusInfo()> status;
  std::function<RunSummary()> stats;
  std::map<std::string, ControlCommand> commands;
};

// Parses one request line and answers it: {"v":1,"ok":true,"data":{...}} or
// {"v":1,"ok":false,"error":"..."}.
std::string handle_control_request(const std::string& line, const ControlState& state);

}  // namespace fg::daemon

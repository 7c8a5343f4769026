// The daemon's configuration: ports and pairs, flow table, policies, ACL, logs, control.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/pipeline/pipeline.hpp"
#include "rules/acl/acl.hpp"

namespace fg::daemon {

enum class Backend : std::uint8_t { Dpdk, Pcap };

struct PortConfig {
  std::string name;    // as used in pairs
  std::string device;  // DPDK: device name (vdev like net_af_packet0, or PCI address); pcap: interface
};

struct PairConfig {
  std::string south;   // field side
  std::string north;   // platform side
};

struct Config {
  std::string source;  // file it came from, or "(built-in monitor default)"
  Backend backend = Backend::Dpdk;
  std::vector<std::string> eal_args;
  std::vector<PortConfig> ports;
  std::vector<PairConfig> pairs;
  std::uint32_t workers = 1;
  std::uint16_t burst = 32;
  std::uint32_t idle_exit_ms = 0;   // stop when no port received anything for this long (demo, tests)
  std::uint32_t mbufs_per_port = 8192;
  dp::PipelineConfig pipeline{};
  // flows.holes; unset = wait when bridging live, skip when replaying a capture file.
  std::optional<dp::HolePolicy> holes;
  rules::Acl acl{};
  // The rule file or directory (docs/RULES.md); "" = no rule set (monitor default or `acl:`).
  // A relative path is taken from the configuration file's folder.
  std::string rules_path;
  std::string event_log;
  std::string audit_log;
  std::string control_socket = "/run/fieldguard/control.sock";
  std::string control_group = "fieldguard";
};

// The built-in monitor default: forward everything, audit every industrial PDU, report
// anomalies. Used when no -c is given.
Config monitor_default();

}  // namespace fg::daemon

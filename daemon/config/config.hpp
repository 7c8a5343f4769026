// The daemon's configuration: ports and pairs, flow table, policies, ACL, logs, control.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/tunnel_config.hpp"
#include "daemon/export/audit_filter.hpp"
#include "daemon/identity/identity_settings.hpp"
#include "dataplane/pipeline/pipeline.hpp"
#include "rules/acl/acl.hpp"
#include "daemon/update/update_settings.hpp"
#include "rules/anomaly/anomaly_settings.hpp"

namespace fg::daemon {

enum class Backend : std::uint8_t { Dpdk, Pcap };

struct PortConfig {
  std::string name;    // as used in pairs
  std::string device;  // DPDK: device name (vdev like net_af_packet0, or PCI address); pcap: interface
};

struct PairConfig {
  std::string south;   // field side
  std::string north;   // platform side
  bool fail_open = false;  // fail: open|closed — on overload forward uninspected, or drop
  bool fail_set = false;   // `fail:` given; without it the pair is always inspected (the NIC drops what cannot be absorbed)
};

// syslog: RFC 5424 messages over TLS (RFC 5425) to the console's collector.
struct SyslogConfig {
  std::string server;       // HOST:PORT; empty = no export
  std::string ca;           // CA file the server certificate must chain to
  std::string server_name;  // name checked in the certificate (default: HOST)
  std::string cert, key;    // optional client certificate and key
  std::string queue_dir = "/var/lib/fieldguard/syslog-queue";
  std::uint64_t queue_max = 256ull << 20;  // bytes of undelivered messages kept on disk
  std::string hostname;     // HOSTNAME field (default: gethostname)
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
  AuditLevel audit_level = AuditLevel::All;  // logging.audit: which records are written
  // logging: rotation, retention, hash chain and seals (docs/EVENTS.md).
  std::uint64_t log_max_size = 0;   // bytes; 0 = never rotate
  std::uint32_t log_keep = 5;       // rotated files kept
  bool log_chain = true;            // "seq"/"prev" SHA-256 chain on every record
  std::string seal_key;             // Ed25519 private key (PEM, mode 0600); empty = no seals
  std::uint64_t seal_interval_ns = 60'000'000'000ull;
  SyslogConfig syslog;              // export to a collector (syslog over TLS)
  std::string metrics_listen;       // Prometheus text endpoint, ADDRESS:PORT; empty = off
  std::string control_socket = "/run/fieldguard/control.sock";
  std::string control_group = "fieldguard";
  std::string capture_dir = "/var/lib/fieldguard/captures";  // where `capture start` writes
  // `identity:` (docs/IDENTITY.md): the identity stage and the certificate identity service.
  IdentitySettings identity;
  TunnelConfig tunnel{};  // `tunnel:` (docs/TUNNEL.md)
  update::UpdateSettings update;  // `update:` (docs/UPDATE.md)
  // The config as written, before the installed update bundle was laid over it (set at start
  // when `update:` is present; the update agent composes every bundle on top of it).
  std::shared_ptr<const Config> update_base;
  anomaly::AnomalySettings anomaly{};  // `anomaly:` (issue 5); its worker part is pipeline.anomaly
  // The daemon config's own `anomaly:`, before any rule file's: what a rules reload applies a
  // rule file's section over (main sets it).
  anomaly::AnomalySettings anomaly_config{};
  // An update bundle's `baseline` file (docs/UPDATE.md): the learned state in force; "" = the
  // one learned on this gateway (state_dir/baseline.yaml).
  std::string baseline_file;
};

// The built-in monitor default: forward everything, audit every industrial PDU, report
// anomalies. Used when no -c is given.
Config monitor_default();

}  // namespace fg::daemon

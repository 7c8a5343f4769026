// The `stats` answer beyond the totals: per worker, per port, export health. The same data
// feeds the Prometheus endpoint and DPDK telemetry, so the three never disagree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/summary.hpp"

namespace fg::daemon {

struct WorkerRow {
  std::uint32_t id = 0;
  std::uint64_t packets_in = 0, bytes_in = 0, forwarded = 0, dropped = 0;
  std::uint64_t flows_active = 0, loops = 0, records_lost = 0;
  std::uint64_t overload_episodes = 0, overload_bypassed = 0, overload_dropped = 0;  // fail-safe
  bool alive = true;
};

struct PortRow {
  std::string name;
  std::uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
  std::uint64_t rx_missed = 0, rx_errors = 0, tx_errors = 0;
};

struct ExportRow {  // syslog export
  bool connected = false;
  std::uint64_t sent = 0, dropped = 0, queued_bytes = 0, connects = 0, connect_failures = 0;
  std::string last_error;
};

struct StatsDetail {
  RunSummary total;
  std::vector<WorkerRow> workers;
  std::vector<PortRow> ports;
  std::optional<ExportRow> syslog;
};

// {totals as summary_json, "workers":[...], "ports":[...], "syslog":{...}} (one object).
std::string stats_json(const StatsDetail& s);
// Flat name → value pairs (DPDK telemetry): packets_in, dropped_policy, pdus_modbus,
// worker0_packets_in, port_field_rx_packets, ...
std::vector<std::pair<std::string, std::uint64_t>> stats_flat(const StatsDetail& s);
// Prometheus text exposition format 0.0.4.
std::string stats_prometheus(const StatsDetail& s, double uptime_s);

}  // namespace fg::daemon

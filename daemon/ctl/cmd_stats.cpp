// fieldguardctl stats: totals, drops by reason, PDUs per protocol, then one table per worker
// and per port, and the syslog export's health.
#include <iostream>

#include "daemon/ctl/control_client.hpp"
#include "daemon/ctl/table_output.hpp"

namespace fg::ctl {

namespace {

std::string s(const YAML::Node& n, const char* k) { return n[k] && n[k].IsScalar() ? n[k].Scalar() : "-"; }

}  // namespace

int cmd_stats(const CtlContext& ctx) {
  if (!ctx.args.empty()) {
    std::cerr << "fieldguardctl: stats takes no arguments\n";
    return kUsage;
  }
  YAML::Node data;
  const int rc = call(ctx, "stats", "", data);
  if (rc != kOk || ctx.json) return rc;

  std::vector<std::vector<std::string>> rows;
  for (const char* k : {"packets_in", "bytes_in", "forwarded", "dropped", "resets_sent", "decode_errors", "flows",
                        "flows_active", "events", "audit_records", "audit_filtered", "records_lost"})
    rows.push_back({k, s(data, k)});
  print_table({"counter", "value"}, rows);

  rows.clear();
  for (const auto& kv : data["dropped_by"]) rows.push_back({kv.first.as<std::string>(), kv.second.Scalar()});
  std::cout << "\n";
  print_table({"drop reason", "packets"}, rows);

  rows.clear();
  for (const auto& kv : data["pdus"]) rows.push_back({kv.first.as<std::string>(), kv.second.Scalar()});
  std::cout << "\n";
  print_table({"protocol", "pdus"}, rows);

  if (data["workers"] && data["workers"].size() > 0) {
    rows.clear();
    for (const auto& w : data["workers"])
      rows.push_back({s(w, "id"), w["alive"].as<bool>() ? "yes" : "NO", s(w, "packets_in"), s(w, "bytes_in"),
                      s(w, "forwarded"), s(w, "dropped"), s(w, "flows_active"), s(w, "records_lost")});
    std::cout << "\n";
    print_table({"worker", "alive", "packets", "bytes", "forwarded", "dropped", "flows", "records_lost"}, rows);
  }
  if (data["ports"] && data["ports"].size() > 0) {
    rows.clear();
    for (const auto& p : data["ports"])
      rows.push_back({s(p, "name"), s(p, "rx_packets"), s(p, "tx_packets"), s(p, "rx_bytes"), s(p, "tx_bytes"),
                      s(p, "rx_missed"), s(p, "rx_errors"), s(p, "tx_errors")});
    std::cout << "\n";
    print_table({"port", "rx", "tx", "rx_bytes", "tx_bytes", "rx_missed", "rx_errors", "tx_errors"}, rows);
  }
  if (const YAML::Node e = data["syslog"]) {
    std::cout << "\n";
    print_table({"syslog", "value"}, {{"connected", e["connected"].as<bool>() ? "yes" : "no"},
                                      {"sent", s(e, "sent")},
                                      {"queued_bytes", s(e, "queued_bytes")},
                                      {"dropped", s(e, "dropped")},
                                      {"last_error", s(e, "last_error").empty() ? "-" : s(e, "last_error")}});
  }
  return kOk;
}

}  // namespace fg::ctl

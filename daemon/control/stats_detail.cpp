#include "daemon/control/stats_detail.hpp"

#include <cctype>
#include <cstdio>

#include "protocols/common/json_writer.hpp"
#include "protocols/common/stream.hpp"

namespace fg::daemon {

std::string stats_json(const StatsDetail& s) {
  std::string out = summary_json(s.total);
  while (!out.empty() && (out.back() == '\n' || out.back() == '}')) out.pop_back();
  std::string extra;
  proto::JsonWriter w(extra);
  w.begin_object();
  w.field("flows_active", s.total.flows_active);
  std::uint64_t episodes = 0, bypassed = 0, overload_dropped = 0;
  for (const auto& r : s.workers) {
    episodes += r.overload_episodes;
    bypassed += r.overload_bypassed;
    overload_dropped += r.overload_dropped;
  }
  w.key("overload").begin_object().field("episodes", episodes).field("bypassed", bypassed);
  w.field("dropped", overload_dropped).end_object();
  w.key("workers").begin_array();
  for (const auto& r : s.workers) {
    w.begin_object().field("id", r.id).field("alive", r.alive).field("packets_in", r.packets_in).field("bytes_in", r.bytes_in);
    w.field("forwarded", r.forwarded).field("dropped", r.dropped).field("flows_active", r.flows_active);
    w.field("loops", r.loops).field("records_lost", r.records_lost);
    w.field("overload_episodes", r.overload_episodes).field("overload_bypassed", r.overload_bypassed);
    w.field("overload_dropped", r.overload_dropped).end_object();
  }
  w.end_array();
  w.key("ports").begin_array();
  for (const auto& p : s.ports) {
    w.begin_object().field("name", p.name).field("rx_packets", p.rx_packets).field("tx_packets", p.tx_packets);
    w.field("rx_bytes", p.rx_bytes).field("tx_bytes", p.tx_bytes).field("rx_missed", p.rx_missed);
    w.field("rx_errors", p.rx_errors).field("tx_errors", p.tx_errors).end_object();
  }
  w.end_array();
  if (s.syslog) {
    const ExportRow& e = *s.syslog;
    w.key("syslog").begin_object().field("connected", e.connected).field("sent", e.sent).field("dropped", e.dropped);
    w.field("queued_bytes", e.queued_bytes).field("connects", e.connects).field("connect_failures", e.connect_failures);
    w.field("last_error", e.last_error).end_object();
  }
  w.end_object();
  // Splice: the totals object without its closing brace, then the extra members.
  return out + "," + extra.substr(1);
}

std::vector<std::pair<std::string, std::uint64_t>> stats_flat(const StatsDetail& s) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  const RunSummary& t = s.total;
  for (auto [k, v] : {std::pair{"packets_in", t.packets_in}, std::pair{"bytes_in", t.bytes_in},
                      std::pair{"forwarded", t.forwarded}, std::pair{"dropped", t.dropped},
                      std::pair{"resets_sent", t.resets_sent}, std::pair{"decode_errors", t.decode_errors},
                      std::pair{"flows", t.flows}, std::pair{"flows_active", t.flows_active}, std::pair{"events", t.events},
                      std::pair{"audit_records", t.audit_records}, std::pair{"audit_filtered", t.audit_filtered},
                      std::pair{"records_lost", t.records_lost}})
    out.emplace_back(k, v);
  for (std::size_t i = 1; i < t.dropped_by.size(); ++i)
    out.emplace_back("dropped_" + std::string(dp::drop_reason_name(static_cast<dp::DropReason>(i))), t.dropped_by[i]);
  for (proto::Protocol p : {proto::Protocol::Modbus, proto::Protocol::ModbusRtu, proto::Protocol::S7comm,
                            proto::Protocol::S7commPlus, proto::Protocol::Opcua, proto::Protocol::Dnp3})
    out.emplace_back("pdus_" + std::string(proto::protocol_name(p)), t.pdus[static_cast<int>(p)]);
  for (const auto& w : s.workers) {
    const std::string k = "worker" + std::to_string(w.id) + "_";
    out.emplace_back(k + "packets_in", w.packets_in);
    out.emplace_back(k + "alive", w.alive ? 1 : 0);
    out.emplace_back(k + "overload_bypassed", w.overload_bypassed);
    out.emplace_back(k + "overload_dropped", w.overload_dropped);
  }
  for (const auto& p : s.ports) {
    std::string name;
    for (char c : p.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    out.emplace_back("port_" + name + "_rx_packets", p.rx_packets);
    out.emplace_back("port_" + name + "_tx_packets", p.tx_packets);
    out.emplace_back("port_" + name + "_rx_missed", p.rx_missed);
  }
  if (s.syslog) {
    out.emplace_back("syslog_connected", s.syslog->connected ? 1 : 0);
    out.emplace_back("syslog_sent", s.syslog->sent);
    out.emplace_back("syslog_queued_bytes", s.syslog->queued_bytes);
  }
  return out;
}

namespace {

struct Prom {
  std::string out;
  void family(const char* name, const char* type, const char* help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
  }
  void sample(const char* name, const std::string& labels, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out += name;
    if (!labels.empty()) out += "{" + labels + "}";
    out += ' ';
    out += buf;
    out += '\n';
  }
  // A family with one unlabelled sample.
  template <class V>
  void single(const char* name, const char* type, const char* help, V v) {
    family(name, type, help);
    sample(name, "", v);
  }
  void sample(const char* name, const std::string& labels, std::uint64_t v) {
    out += name;
    if (!labels.empty()) out += "{" + labels + "}";
    out += ' ' + std::to_string(v) + '\n';
  }
};

std::string label(const char* k, const std::string& v) {
  std::string s = k;
  s += "=\"";
  for (char c : v) {
    if (c == '\\' || c == '"') s += '\\';
    if (c == '\n') { s += "\\n"; continue; }
    s += c;
  }
  return s + "\"";
}

}  // namespace

std::string stats_prometheus(const StatsDetail& s, double uptime_s) {
  Prom p;
  const RunSummary& t = s.total;
  p.single("fieldguard_uptime_seconds", "gauge", "Seconds since fieldguardd started.", uptime_s);
  p.single("fieldguard_packets_total", "counter", "Packets received by the workers.", t.packets_in);
  p.single("fieldguard_bytes_total", "counter", "Bytes received by the workers.", t.bytes_in);
  p.single("fieldguard_forwarded_packets_total", "counter", "Packets forwarded.", t.forwarded);
  p.family("fieldguard_dropped_packets_total", "counter", "Packets dropped, by reason.");
  for (std::size_t i = 1; i < t.dropped_by.size(); ++i)
    p.sample("fieldguard_dropped_packets_total", label("reason", std::string(dp::drop_reason_name(static_cast<dp::DropReason>(i)))),
             t.dropped_by[i]);
  p.single("fieldguard_resets_sent_total", "counter", "TCP resets sent.", t.resets_sent);
  p.single("fieldguard_decode_errors_total", "counter", "Frames decode rejected.", t.decode_errors);
  p.single("fieldguard_flows_created_total", "counter", "Flows created.", t.flows);
  p.single("fieldguard_flows_active", "gauge", "Flows in the tables now.", t.flows_active);
  p.family("fieldguard_pdus_total", "counter", "Industrial PDUs parsed, by protocol.");
  for (proto::Protocol pr : {proto::Protocol::Modbus, proto::Protocol::ModbusRtu, proto::Protocol::S7comm,
                             proto::Protocol::S7commPlus, proto::Protocol::Opcua, proto::Protocol::Dnp3})
    p.sample("fieldguard_pdus_total", label("protocol", std::string(proto::protocol_name(pr))), t.pdus[static_cast<int>(pr)]);
  p.single("fieldguard_events_total", "counter", "Events written.", t.events);
  p.single("fieldguard_audit_records_total", "counter", "Audit records produced (one per industrial PDU).", t.audit_records);
  p.single("fieldguard_audit_filtered_total", "counter", "Audit records not written at the logging.audit level.",
           t.audit_filtered);
  p.single("fieldguard_records_lost_total", "counter", "Records lost to full worker rings.", t.records_lost);
  p.family("fieldguard_worker_packets_total", "counter", "Packets received, per worker.");
  for (const auto& w : s.workers) p.sample("fieldguard_worker_packets_total", label("worker", std::to_string(w.id)), w.packets_in);
  p.family("fieldguard_worker_alive", "gauge", "1 while the worker's loop moves.");
  for (const auto& w : s.workers) p.sample("fieldguard_worker_alive", label("worker", std::to_string(w.id)), std::uint64_t{w.alive});
  p.family("fieldguard_overload_packets_total", "counter", "Packets handled by the fail-safe policy under overload.");
  for (const auto& w : s.workers) {
    p.sample("fieldguard_overload_packets_total", label("worker", std::to_string(w.id)) + ",policy=\"open\"", w.overload_bypassed);
    p.sample("fieldguard_overload_packets_total", label("worker", std::to_string(w.id)) + ",policy=\"closed\"", w.overload_dropped);
  }
  p.family("fieldguard_port_rx_packets_total", "counter", "Packets the port received.");
  for (const auto& r : s.ports) p.sample("fieldguard_port_rx_packets_total", label("port", r.name), r.rx_packets);
  p.family("fieldguard_port_tx_packets_total", "counter", "Packets the port sent.");
  for (const auto& r : s.ports) p.sample("fieldguard_port_tx_packets_total", label("port", r.name), r.tx_packets);
  p.family("fieldguard_port_rx_missed_total", "counter", "Packets the port dropped for lack of room.");
  for (const auto& r : s.ports) p.sample("fieldguard_port_rx_missed_total", label("port", r.name), r.rx_missed);
  if (s.syslog) {
    p.single("fieldguard_syslog_connected", "gauge", "1 while connected to the collector.", std::uint64_t{s.syslog->connected});
    p.single("fieldguard_syslog_sent_total", "counter", "Messages sent to the collector.", s.syslog->sent);
    p.single("fieldguard_syslog_queued_bytes", "gauge", "Bytes waiting in the on-disk queue.", s.syslog->queued_bytes);
    p.single("fieldguard_syslog_dropped_total", "counter", "Messages refused by a full queue.", s.syslog->dropped);
  }
  return p.out;
}

}  // namespace fg::daemon

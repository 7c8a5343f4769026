#include "daemon/summary.hpp"

#include <cstdio>

#include "protocols/common/json_writer.hpp"
#include "protocols/common/stream.hpp"

namespace fg::daemon {

namespace {
constexpr proto::Protocol kProtocols[] = {proto::Protocol::Modbus, proto::Protocol::ModbusRtu, proto::Protocol::S7comm,
                                          proto::Protocol::S7commPlus, proto::Protocol::Opcua, proto::Protocol::Dnp3};
}

void add_worker(RunSummary& s, const dp::Pipeline& p) {
  const dp::WorkerStats& w = p.stats();
  s.packets_in += w.rx_packets;
  s.bytes_in += w.rx_bytes;
  s.forwarded += w.forwarded;
  for (std::size_t i = 0; i < w.dropped.size(); ++i) {
    s.dropped_by[i] += w.dropped[i];
    s.dropped += w.dropped[i];
  }
  s.resets_sent += w.resets_sent;
  for (auto e : w.decode_errors) s.decode_errors += e;
  s.flows += p.flows().stats().created;
  s.flows_active += p.flows().size();
  s.tcp_retransmitted += p.reassembly().retransmitted;
  s.tcp_out_of_order += p.reassembly().out_of_order;
  for (std::size_t i = 0; i < s.pdus.size(); ++i) s.pdus[i] += p.app().pdus[i];
  const dp::RuleStats& r = p.rule_stats();
  s.rules.flows_judged += r.flows_judged;
  s.rules.pdus_judged += r.pdus_judged;
  s.rules.pdu_alerts += r.pdu_alerts;
  s.rules.pdu_drops += r.pdu_drops;
  s.rules.rate_limited += r.rate_limited;
  s.rules.sticky_drops += r.sticky_drops;
  s.rules.not_industrial_drops += r.not_industrial_drops;
  s.rules.match.overflow_scans += r.match.overflow_scans;
  s.rules.match.rate_untracked += r.match.rate_untracked;
}

std::string format_summary(const RunSummary& s, const std::string& title) {
  std::string o;
  char line[160];
  auto row = [&](const char* k, std::uint64_t v) {
    std::snprintf(line, sizeof line, "  %-22s %llu\n", k, static_cast<unsigned long long>(v));
    o += line;
  };
  o += title + "\n";
  row("packets in", s.packets_in);
  row("forwarded", s.forwarded);
  row("dropped", s.dropped);
  for (std::size_t i = 1; i < s.dropped_by.size(); ++i) {
    if (s.dropped_by[i] == 0) continue;
    const std::string k = "  " + std::string(dp::drop_reason_name(static_cast<dp::DropReason>(i)));
    row(k.c_str(), s.dropped_by[i]);
  }
  if (s.resets_sent) row("resets sent", s.resets_sent);
  row("decode errors", s.decode_errors);
  row("flows", s.flows);
  std::uint64_t total = 0;
  for (auto v : s.pdus) total += v;
  row("industrial PDUs", total);
  for (proto::Protocol p : kProtocols) {
    const auto v = s.pdus[static_cast<int>(p)];
    if (v == 0) continue;
    const std::string k = "  " + std::string(proto::protocol_name(p));
    row(k.c_str(), v);
  }
  row("events", s.events);
  row("audit records", s.audit_records);
  if (s.audit_filtered) row("  not written (level)", s.audit_filtered);
  if (s.records_lost) row("records lost", s.records_lost);
  if (s.seconds > 0) {
    std::snprintf(line, sizeof line, "  %-22s %.3f s (%.0f packets/s)\n", "time", s.seconds,
                  s.seconds > 0 ? static_cast<double>(s.packets_in) / s.seconds : 0.0);
    o += line;
  }
  return o;
}

std::string summary_json(const RunSummary& s) {
  std::string out;
  proto::JsonWriter w(out);
  w.begin_object();
  w.field("packets_in", s.packets_in).field("bytes_in", s.bytes_in).field("forwarded", s.forwarded).field("dropped", s.dropped);
  w.key("dropped_by").begin_object();
  for (std::size_t i = 1; i < s.dropped_by.size(); ++i)
    w.field(dp::drop_reason_name(static_cast<dp::DropReason>(i)), s.dropped_by[i]);
  w.end_object();
  w.field("resets_sent", s.resets_sent).field("decode_errors", s.decode_errors).field("flows", s.flows);
  w.key("pdus").begin_object();
  for (proto::Protocol p : kProtocols) w.field(proto::protocol_name(p), s.pdus[static_cast<int>(p)]);
  w.end_object();
  w.field("events", s.events).field("audit_records", s.audit_records).field("audit_filtered", s.audit_filtered);
  w.field("records_lost", s.records_lost);
  w.key("rules").begin_object();
  w.field("flows_judged", s.rules.flows_judged).field("pdus_judged", s.rules.pdus_judged);
  w.field("pdu_alerts", s.rules.pdu_alerts).field("pdu_drops", s.rules.pdu_drops).field("rate_limited", s.rules.rate_limited);
  w.field("sticky_drops", s.rules.sticky_drops).field("not_industrial_drops", s.rules.not_industrial_drops);
  w.field("overflow_scans", s.rules.match.overflow_scans).field("rate_untracked", s.rules.match.rate_untracked);
  w.end_object();
  w.field("seconds", s.seconds);
  w.end_object();
  out += '\n';
  return out;
}

}  // namespace fg::daemon

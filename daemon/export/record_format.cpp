#include "daemon/export/record_format.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <ctime>

#include "protocols/common/json_writer.hpp"
#include "rules/anomaly/event_catalog.hpp"

namespace fg::daemon {

std::string_view format_ip(const dp::IpAddr& a, TextBuffer& out) {
  out.len = 0;
  if (a.is_v4()) {
    // Dotted quad by hand: inet_ntop formats IPv4 through sprintf.
    char* p = out.buf;
    for (int i = 12; i < 16; ++i) {
      if (i > 12) *p++ = '.';
      p = std::to_chars(p, out.buf + sizeof out.buf, a.bytes[i]).ptr;
    }
    out.len = static_cast<std::size_t>(p - out.buf);
  } else if (inet_ntop(AF_INET6, a.bytes.data(), out.buf, sizeof out.buf) != nullptr) {
    out.len = std::strlen(out.buf);
  }
  return out.view();
}

std::string format_ip(const dp::IpAddr& a) {
  TextBuffer t;
  return std::string(format_ip(a, t));
}

std::string_view format_time(std::uint64_t ts_ns, TextBuffer& out) {
  // Records come in bursts from the same second: format the date part once per second.
  thread_local std::time_t cached_secs = -1;
  thread_local char cached[32];
  thread_local std::size_t cached_len = 0;
  const std::time_t secs = static_cast<std::time_t>(ts_ns / 1'000'000'000ull);
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    cached_len = std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S.", &tm);
    cached_secs = secs;
  }
  std::memcpy(out.buf, cached, cached_len);
  auto us = static_cast<unsigned>((ts_ns % 1'000'000'000ull) / 1000);
  for (int i = 5; i >= 0; --i, us /= 10) out.buf[cached_len + i] = static_cast<char>('0' + us % 10);
  out.buf[cached_len + 6] = 'Z';
  out.len = cached_len + 7;
  return out.view();
}

std::string format_time(std::uint64_t ts_ns) {
  TextBuffer t;
  return std::string(format_time(ts_ns, t));
}

std::string format_anomaly_detail(const proto::Anomaly& a) {
  std::string out;
  if (a.kind == nullptr) return out;
  const std::string_view msg = a.kind->message;
  for (std::size_t i = 0; i < msg.size(); ++i) {
    if (msg[i] == '{' && i + 2 < msg.size() && msg[i + 2] == '}' && (msg[i + 1] == '0' || msg[i + 1] == '1')) {
      out += std::to_string(msg[i + 1] == '0' ? a.arg0 : a.arg1);
      i += 2;
    } else {
      out += msg[i];
    }
  }
  return out;
}

namespace {

void write_flow_fields(proto::JsonWriter& w, const dp::PacketContext& c) {
  TextBuffer src, dst;
  w.field("src_ip", format_ip(c.src, src)).field("dst_ip", format_ip(c.dst, dst));
  if (c.ip_proto == 6 || c.ip_proto == 17) {
    w.field("src_port", static_cast<unsigned>(c.sport)).field("dst_port", static_cast<unsigned>(c.dport));
  }
  if (c.vlan != 0) w.field("vlan", static_cast<unsigned>(c.vlan));
}

std::string rule_text(const FormatContext& fc, std::uint32_t rule) {
  if (fc.rule_name != nullptr) return fc.rule_name(fc.rule_ctx, rule);
  return rule == 0 ? "default" : std::to_string(rule);
}

proto::Protocol record_protocol(const dp::ProtocolRecord& r) {
  return std::visit([](const auto& v) -> proto::Protocol {
    if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>) return proto::Protocol::None;
    else return v.protocol;
  }, r);
}

}  // namespace

void format_audit(const dp::AuditEntry& e, const FormatContext& fc, std::string& out) {
  proto::JsonWriter w(out);
  w.begin_object();
  TextBuffer ts;
  w.field("frame", static_cast<std::uint64_t>(e.ctx.frame)).field("ts", format_time(e.ctx.ts_ns, ts));
  w.field("proto", proto::protocol_name(record_protocol(e.record)));
  write_flow_fields(w, e.ctx);
  w.field("verdict", dp::action_name(e.verdict)).field("rule", rule_text(fc, e.rule));
  w.key("anomalies").begin_array();
  for (int i = 0; i < e.anomaly_count; ++i) w.value(e.anomalies[i]->name);
  w.end_array();
  std::visit([&w](const auto& r) {
    using T = std::decay_t<decltype(r)>;
    if constexpr (std::is_same_v<T, modbus::Record>) modbus::write_json(r, w);
    else if constexpr (std::is_same_v<T, s7comm::Record>) s7comm::write_json(r, w);
    else if constexpr (std::is_same_v<T, opcua::Record>) opcua::write_json(r, w);
    else if constexpr (std::is_same_v<T, dnp3::Record>) dnp3::write_json(r, w);
  }, e.record);
  w.end_object();
  out += '\n';
}

void format_event(const dp::EventEntry& e, const FormatContext& fc, std::string& out) {
  proto::JsonWriter w(out);
  w.begin_object();
  TextBuffer ts;
  w.field("ts", format_time(e.ctx.ts_ns, ts));
  switch (e.kind) {
    case dp::EventKind::Anomaly: w.field("event", "anomaly"); break;
    case dp::EventKind::Alert: w.field("event", "alert"); break;
    case dp::EventKind::Flow: w.field("event", "flow"); break;
  }
  if (e.anomaly.kind != nullptr) {
    w.field("name", e.anomaly.kind->name).field("severity", proto::severity_name(e.anomaly.kind->severity));
    // The stable numeric id of the kind (docs/ANOMALY.md), for consoles that key on numbers.
    if (const anomaly::CatalogEntry* c = anomaly::find_event(e.anomaly.kind)) w.field("id", static_cast<unsigned>(c->id));
  }
  if (e.ctx.frame != 0) w.field("frame", static_cast<std::uint64_t>(e.ctx.frame));
  if (e.proto != proto::Protocol::None) w.field("proto", proto::protocol_name(e.proto));
  write_flow_fields(w, e.ctx);
  w.field("action", dp::action_name(e.action)).field("rule", rule_text(fc, e.rule));
  w.field("detail", format_anomaly_detail(e.anomaly));
  w.end_object();
  out += '\n';
}

}  // namespace fg::daemon

#include "daemon/control/flow_command.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "daemon/export/record_format.hpp"
#include "protocols/common/json_writer.hpp"
#include "protocols/common/stream.hpp"

namespace fg::daemon {

namespace {

constexpr std::uint32_t kMaxLimit = 4096;

const char* tcp_state_name(dp::TcpState s) {
  switch (s) {
    case dp::TcpState::None: return "-";
    case dp::TcpState::SynSent: return "syn_sent";
    case dp::TcpState::SynReceived: return "syn_received";
    case dp::TcpState::Established: return "established";
    case dp::TcpState::Closing: return "closing";
    case dp::TcpState::Closed: return "closed";
  }
  return "-";
}

std::string ip_proto_name(std::uint8_t p) {
  switch (p) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    default: return std::to_string(p);
  }
}

bool parse_addr(const std::string& s, dp::IpAddr& a) {
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    a = dp::IpAddr{};
    a.bytes[10] = a.bytes[11] = 0xff;
    std::memcpy(&a.bytes[12], &v4, 4);
    return true;
  }
  return inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1;
}

ControlReply parse_request(const YAML::Node& args, dp::FlowRequest& req) {
  if (!args) return {};
  if (!args.IsMap()) return ControlReply::fail("flows: \"args\" must be an object");
  for (const auto& kv : args) {
    const std::string k = kv.first.as<std::string>();
    const std::string v = kv.second.as<std::string>();
    if (k == "addr") {
      if (!parse_addr(v, req.filter.addr)) return ControlReply::fail("flows: not an IP address: \"" + v + "\"");
      req.filter.has_addr = true;
    } else if (k == "port") {
      const int p = kv.second.as<int>();
      if (p < 1 || p > 65535) return ControlReply::fail("flows: port must be 1-65535");
      req.filter.port = static_cast<std::uint16_t>(p);
    } else if (k == "proto") {
      if (v == "tcp") req.filter.ip_proto = 6;
      else if (v == "udp") req.filter.ip_proto = 17;
      else if (v == "icmp") req.filter.ip_proto = 1;
      else if (v == "icmpv6") req.filter.ip_proto = 58;
      else return ControlReply::fail("flows: proto must be tcp, udp, icmp or icmpv6");
    } else if (k == "app") {
      bool found = false;
      for (int p = 1; p <= static_cast<int>(proto::Protocol::Dnp3); ++p)
        if (proto::protocol_name(static_cast<proto::Protocol>(p)) == v) {
          req.filter.app_proto = static_cast<std::uint8_t>(p);
          found = true;
        }
      if (!found) return ControlReply::fail("flows: unknown app \"" + v + "\" (modbus, modbus_rtu, s7comm, s7comm_plus, opcua, dnp3)");
    } else if (k == "top") {
      if (v == "packets") req.order = dp::FlowOrder::Packets;
      else if (v == "bytes") req.order = dp::FlowOrder::Bytes;
      else return ControlReply::fail("flows: top must be packets or bytes");
    } else if (k == "limit") {
      const long n = kv.second.as<long>();
      if (n < 1 || n > kMaxLimit) return ControlReply::fail("flows: limit must be 1-" + std::to_string(kMaxLimit));
      req.max = static_cast<std::uint32_t>(n);
    } else {
      return ControlReply::fail("flows: unknown argument \"" + k + "\" (addr, port, proto, app, top, limit)");
    }
  }
  return {};
}

std::uint64_t total(const dp::FlowInfo& f, dp::FlowOrder o) {
  return o == dp::FlowOrder::Bytes ? f.bytes[0] + f.bytes[1] : std::uint64_t{f.pkts[0]} + f.pkts[1];
}

}  // namespace

void register_flow_command(ControlState& state, FlowCollector collect, std::function<std::uint64_t()> now_ns,
                           FormatContext rule_names) {
  state.commands["flows"] = [collect, now_ns, rule_names](const YAML::Node& request) -> ControlReply {
    dp::FlowRequest req;
    if (ControlReply bad = parse_request(request["args"], req); !bad.ok) return bad;
    std::vector<WorkerFlows> answers;
    std::string error;
    if (!collect(req, answers, error)) return ControlReply::fail(error);
    std::vector<std::pair<std::uint32_t, dp::FlowInfo>> all;
    std::uint64_t matched = 0;
    for (const auto& a : answers) {
      matched += a.matched;
      for (const auto& f : a.flows) all.emplace_back(a.worker, f);
    }
    if (req.order != dp::FlowOrder::Table)
      std::stable_sort(all.begin(), all.end(), [&](const auto& x, const auto& y) { return total(x.second, req.order) > total(y.second, req.order); });
    if (all.size() > req.max) all.resize(req.max);
    const std::uint64_t now = now_ns();
    std::string out;
    proto::JsonWriter w(out);
    w.begin_object().field("matched", matched).field("shown", static_cast<std::uint64_t>(all.size()));
    w.key("flows").begin_array();
    for (const auto& [worker, f] : all) {
      const bool lo_client = f.client_is_lo;
      w.begin_object().field("worker", worker).field("proto", ip_proto_name(f.key.proto));
      w.field("client", format_ip(lo_client ? f.key.addr_lo : f.key.addr_hi));
      w.field("client_port", static_cast<unsigned>(lo_client ? f.key.port_lo : f.key.port_hi));
      w.field("server", format_ip(lo_client ? f.key.addr_hi : f.key.addr_lo));
      w.field("server_port", static_cast<unsigned>(lo_client ? f.key.port_hi : f.key.port_lo));
      if (f.key.vlan != 0) w.field("vlan", static_cast<unsigned>(f.key.vlan));
      w.field("app", proto::protocol_name(static_cast<proto::Protocol>(f.app_proto)));
      w.field("state", tcp_state_name(f.tcp));
      w.field("packets", std::uint64_t{f.pkts[0]} + f.pkts[1]).field("bytes", f.bytes[0] + f.bytes[1]);
      w.field("packets_from_client", std::uint64_t{f.pkts[0]}).field("packets_from_server", std::uint64_t{f.pkts[1]});
      w.field("bytes_from_client", f.bytes[0]).field("bytes_from_server", f.bytes[1]);
      w.field("age_s", now > f.first_seen_ns ? static_cast<double>(now - f.first_seen_ns) / 1e9 : 0.0);
      w.field("idle_s", now > f.last_seen_ns ? static_cast<double>(now - f.last_seen_ns) / 1e9 : 0.0);
      w.field("rule", rule_names.rule_name != nullptr ? rule_names.rule_name(rule_names.rule_ctx, f.rule) : std::to_string(f.rule));
      w.field("blocked", f.blocked);
      w.end_object();
    }
    w.end_array().end_object();
    return {true, out, {}};
  };
}

}  // namespace fg::daemon

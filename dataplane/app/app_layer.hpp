// Binds flows to an industrial protocol by content and runs its parser over stream bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/app/object_pool.hpp"
#include "dataplane/app/pdu_judge.hpp"
#include "dataplane/app/records.hpp"
#include "dataplane/pipeline/packet.hpp"
#include "dataplane/tcp/tcp_reassembler.hpp"

namespace fg::dp {

enum class AppStatus : std::uint8_t {
  Unknown,        // no payload judged yet
  Bound,          // parsing as `Flow::app_proto`
  NotIndustrial,  // content matched no industrial protocol: forwarded without parsing
  GaveUp,         // parser lost framing for good, or no state was free
};

struct AppConfig {
  std::uint32_t states_per_protocol = 4096;  // parser states (flows) per protocol per worker
  std::vector<std::uint16_t> modbus_rtu_ports;  // TCP ports carrying Modbus RTU framing
};

struct AppStats {
  std::uint64_t pdus[8] = {};        // by proto::Protocol
  std::uint64_t anomalies = 0;
  std::uint64_t state_pool_exhausted = 0;
  std::uint64_t not_industrial = 0;
  std::uint64_t gave_up = 0;
};

// Per worker. `begin_packet` sets the context the next records and events are stamped with.
class AppLayer final : public StreamConsumer,
                       public proto::Sink<modbus::Record>,
                       public proto::Sink<s7comm::Record>,
                       public proto::Sink<opcua::Record>,
                       public proto::Sink<dnp3::Record> {
 public:
  AppLayer(const AppConfig& cfg, RecordOutput& out);

  void begin_packet(const Packet& p, Action verdict, std::uint32_t rule) noexcept {
    // Field by field on purpose: a temporary context copied whole would reload its small
    // fields with wide loads and stall on store forwarding. Records and events copy ctx_
    // whole later, after the parser's work, when these stores have left the store buffer.
    const PacketMeta& m = p.meta;
    PacketContext& ctx = ctx_;
    ctx.frame = p.frame;
    ctx.ts_ns = p.ts_ns;
    ctx.src = m.src;
    ctx.dst = m.dst;
    ctx.sport = m.sport;
    ctx.dport = m.dport;
    ctx.vlan = m.vlan_outer;
    ctx.ip_proto = m.ip_proto;
    ctx.port = static_cast<std::uint8_t>(p.in_port);
    verdict_ = verdict;
    rule_ = rule;
    base_verdict_ = verdict;
    base_rule_ = rule;
    pdu_action_ = Action::Allow;
    pdu_rule_ = 0;
    pdu_drop_valid_ = false;
    pdu_drop_pending_ = false;
    cur_flow_ = nullptr;
  }

  // Where each parsed PDU is judged (nullptr: records carry the flow's verdict).
  void set_judge(PduJudge* judge) noexcept { judge_ = judge; }
  // The most severe verdict PDUs completed by the current packet received, and its rule.
  [[nodiscard]] Action pdu_action() const noexcept { return pdu_action_; }
  [[nodiscard]] std::uint32_t pdu_rule() const noexcept { return pdu_rule_; }
  // The stream bytes [lo, hi) of the PDUs dropped in the current packet (TCP sequence numbers).
  [[nodiscard]] bool pdu_drop_range(std::uint32_t& lo, std::uint32_t& hi) const noexcept {
    lo = pdu_drop_lo_;
    hi = pdu_drop_hi_;
    return pdu_drop_valid_;
  }
  // The verdict may change while a packet is processed (rules later in the pipeline);
  // records emitted afterwards carry the new one.
  void set_verdict(Action v, std::uint32_t rule) noexcept { verdict_ = v; rule_ = rule; }

  std::uint32_t on_stream(Flow& f, int d, proto::Bytes data, bool gap) noexcept override;
  void on_stream_anomaly(Flow& f, int d, const proto::Anomaly& a) noexcept override;
  // One UDP datagram's payload from side d.
  void on_datagram(Flow& f, int d, proto::Bytes payload) noexcept;
  // Returns the flow's parser state to its pool.
  void release(Flow& f) noexcept;
  // Raises a dataplane event (decode, flow, TCP) stamped with the current packet.
  void raise(const proto::Anomaly& a, proto::Protocol p = proto::Protocol::None,
             EventKind kind = EventKind::Anomaly) noexcept;

  void on_record(const modbus::Record& r) noexcept override { add_record(r); }
  void on_record(const s7comm::Record& r) noexcept override { add_record(r); }
  void on_record(const opcua::Record& r) noexcept override { add_record(r); }
  void on_record(const dnp3::Record& r) noexcept override { add_record(r); }
  void on_anomaly(const proto::Anomaly& a) noexcept override;

  [[nodiscard]] const AppStats& stats() const noexcept { return stats_; }

 private:
  template <class R>
  void add_record(const R& r) noexcept;
  template <class R>
  void judge_record(const R& r) noexcept;
  bool bind(Flow& f, int d, proto::Bytes data) noexcept;
  std::uint32_t parse_stream(Flow& f, int d, proto::Bytes data) noexcept;
  [[nodiscard]] bool is_rtu_port(const Flow& f) const noexcept;
  [[nodiscard]] std::uint16_t server_port(const Flow& f) const noexcept;

  AppConfig cfg_;
  RecordOutput& out_;
  ObjectPool<modbus::FlowState> modbus_states_;
  ObjectPool<s7comm::FlowState> s7_states_;
  ObjectPool<opcua::FlowState> opcua_states_;
  ObjectPool<dnp3::FlowState> dnp3_states_;
  Action verdict_ = Action::Allow;
  std::uint32_t rule_ = 0;
  bool logged_ = false;  // the PDU's deciding rule says `log: true`
  // Per-PDU judging (issue 4): the packet's own verdict, the worst PDU verdict so far, and
  // the flow, direction and stream position of the PDU being parsed.
  PduJudge* judge_ = nullptr;
  Action base_verdict_ = Action::Allow;
  std::uint32_t base_rule_ = 0;
  Action pdu_action_ = Action::Allow;
  std::uint32_t pdu_rule_ = 0;
  bool pdu_drop_valid_ = false;
  bool pdu_drop_pending_ = false;  // the PDU being parsed was dropped: its end is not known yet
  std::uint32_t pdu_drop_lo_ = 0;
  std::uint32_t pdu_drop_hi_ = 0;
  Flow* cur_flow_ = nullptr;
  bool cur_response_ = false;
  bool cur_tcp_ = false;
  std::uint32_t cur_pdu_seq_ = 0;
  proto::Protocol current_proto_ = proto::Protocol::None;
  // The packet the next records and events are about (begin_packet).
  PacketContext ctx_{};
  // Anomalies reported since the last record: parsers report a PDU's anomalies before its
  // record, so each record carries those found while parsing it.
  const proto::AnomalyKind* call_anomalies_[AuditEntry::kMaxAnomalies] = {};
  int call_anomaly_count_ = 0;
  AppStats stats_{};
};

}  // namespace fg::dp

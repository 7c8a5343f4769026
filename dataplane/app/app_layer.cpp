#include "dataplane/app/app_layer.hpp"

#include <algorithm>

#include "dataplane/app/app_events.hpp"
#include "dataplane/app/policy_events.hpp"

namespace fg::dp {

namespace {

using proto::Detect;
using proto::Protocol;

constexpr proto::Direction to_direction(int d) noexcept {
  return d == 0 ? proto::Direction::ToServer : proto::Direction::ToClient;
}

// Judging content needs at most one full header of any protocol; past this many bytes (or
// tries) a flow still answering Maybe is not industrial.
constexpr std::size_t kMaxDetectBytes = 300;
constexpr std::uint8_t kMaxDetectTries = 8;

}  // namespace

AppLayer::AppLayer(const AppConfig& cfg, RecordOutput& out)
    : cfg_(cfg),
      out_(out),
      modbus_states_(cfg.states_per_protocol),
      s7_states_(cfg.states_per_protocol),
      opcua_states_(cfg.states_per_protocol),
      dnp3_states_(cfg.states_per_protocol) {}

std::uint16_t AppLayer::server_port(const Flow& f) const noexcept {
  return f.client_is_lo ? f.key.port_hi : f.key.port_lo;
}

bool AppLayer::is_rtu_port(const Flow& f) const noexcept {
  const std::uint16_t p = server_port(f);
  return std::find(cfg_.modbus_rtu_ports.begin(), cfg_.modbus_rtu_ports.end(), p) != cfg_.modbus_rtu_ports.end();
}

void AppLayer::raise(const proto::Anomaly& a, Protocol p, EventKind kind) noexcept {
  if (kind == EventKind::Anomaly) ++stats_.anomalies;
  EventEntry e;
  e.ctx = ctx_;
  e.kind = kind;
  e.proto = p;
  e.action = verdict_;
  e.rule = rule_;
  e.anomaly = a;
  out_.event(e);
}

void AppLayer::on_anomaly(const proto::Anomaly& a) noexcept {
  if (call_anomaly_count_ < AuditEntry::kMaxAnomalies) call_anomalies_[call_anomaly_count_++] = a.kind;
  raise(a, current_proto_);
}

void AppLayer::on_stream_anomaly(Flow& f, int, const proto::Anomaly& a) noexcept {
  raise(a, static_cast<Protocol>(f.app_proto));
}

namespace {
std::int64_t function_of(const modbus::Record& r) noexcept { return r.function; }
std::int64_t function_of(const s7comm::Record& r) noexcept {
  return r.protocol == Protocol::S7commPlus ? r.plus_function : r.function;
}
std::int64_t function_of(const opcua::Record& r) noexcept { return r.service_id; }
std::int64_t function_of(const dnp3::Record& r) noexcept { return r.app_function; }
}  // namespace

// Judges the PDU `r` against the rule set; its record and events carry the decision.
template <class R>
void AppLayer::judge_record(const R& r) noexcept {
  verdict_ = base_verdict_;
  rule_ = base_rule_;
  logged_ = false;
  if (judge_ == nullptr || cur_flow_ == nullptr) return;
  const rules::Decision dec = judge_->judge(*cur_flow_, r, cur_response_);
  if (!dec.judged) return;
  logged_ = dec.log;
  const bool earlier_drop = pdu_action_ >= Action::Drop;
  if (dec.action > pdu_action_) {
    pdu_action_ = dec.action;
    pdu_rule_ = dec.rule;
  }
  if (dec.action >= Action::Drop && cur_tcp_) {
    if (!pdu_drop_valid_) pdu_drop_lo_ = cur_pdu_seq_;  // PDUs come in stream order
    pdu_drop_valid_ = true;
    pdu_drop_pending_ = true;  // parse_stream sets the end once the parser says how long it was
  }
  // A PDU riding in a packet that an earlier PDU's verdict drops does not arrive either.
  verdict_ = earlier_drop && dec.action < Action::Drop ? pdu_action_ : dec.action;
  rule_ = earlier_drop && dec.action < Action::Drop ? pdu_rule_ : dec.rule;
  if (dec.rate_limited)
    raise({&policy_events::kRateExceeded, function_of(r), 0}, current_proto_, EventKind::Alert);
  else if (dec.action != Action::Allow)
    raise({dec.rule == 0 ? &policy_events::kDefaultAction : &policy_events::kRuleMatch, function_of(r), 0},
          current_proto_, EventKind::Alert);
}

template <class R>
void AppLayer::add_record(const R& r) noexcept {
  ++stats_.pdus[static_cast<int>(r.protocol) & 7];
  judge_record(r);
  const int anomalies = call_anomaly_count_;
  call_anomaly_count_ = 0;
  AuditEntry* e = out_.begin_audit();
  if (e == nullptr) return;  // no room: the output counted the loss
  e->ctx = ctx_;
  e->verdict = verdict_;
  e->logged = logged_;
  e->rule = rule_;
  e->anomaly_count = static_cast<std::uint8_t>(anomalies);
  for (int k = 0; k < anomalies; ++k) e->anomalies[k] = call_anomalies_[k];
  e->record.template emplace<R>(r);
  out_.commit_audit();
}

bool AppLayer::bind(Flow& f, int d, proto::Bytes data) noexcept {
  // Detection runs before we know the protocol; judge direction by the well-known port
  // when one side has it, else by who opened the connection.
  const std::uint16_t client_port = f.client_is_lo ? f.key.port_lo : f.key.port_hi;
  const bool reversed = app_events::well_known_protocol(client_port) != Protocol::None &&
                        app_events::well_known_protocol(server_port(f)) == Protocol::None;
  const proto::Direction dir = to_direction(reversed ? 1 - d : d);
  Detect best = Detect::No;
  Protocol found = Protocol::None;
  auto consider = [&](Protocol p, Detect r) {
    if (found != Protocol::None) return;
    if (r == Detect::Yes) found = p;
    else if (r == Detect::Maybe) best = Detect::Maybe;
  };
  const bool tcp = f.key.proto == 6;
  if (tcp) {
    if (is_rtu_port(f)) consider(Protocol::ModbusRtu, modbus::detect_rtu(data, dir));
    consider(Protocol::Modbus, modbus::detect(data, dir));
    consider(Protocol::S7comm, s7comm::detect(data, dir));
    consider(Protocol::Opcua, opcua::detect(data, dir));
  }
  consider(Protocol::Dnp3, dnp3::detect(data, dir));

  if (found == Protocol::None) {
    if (best == Detect::Maybe && data.size() < kMaxDetectBytes && ++f.detect_tries < kMaxDetectTries)
      return false;  // wait for more bytes
    f.app_status = static_cast<std::uint8_t>(AppStatus::NotIndustrial);
    ++stats_.not_industrial;
    const std::uint16_t sp = server_port(f);
    const Protocol expected = app_events::well_known_protocol(sp);
    const bool udp_ok = expected == Protocol::Dnp3 || tcp;
    if (expected != Protocol::None && udp_ok) raise({app_events::non_conforming_kind(expected), sp, 0}, expected);
    return false;
  }

  std::uint32_t idx = kNoIndex;
  switch (found) {
    case Protocol::Modbus:
    case Protocol::ModbusRtu: idx = modbus_states_.acquire(); break;
    case Protocol::S7comm: idx = s7_states_.acquire(); break;
    case Protocol::Opcua: idx = opcua_states_.acquire(); break;
    case Protocol::Dnp3: idx = dnp3_states_.acquire(); break;
    default: break;
  }
  if (idx == kNoIndex) {
    ++stats_.state_pool_exhausted;
    f.app_status = static_cast<std::uint8_t>(AppStatus::GaveUp);
    raise({&app_events::kStatePoolExhausted, static_cast<int>(found), 0}, found);
    return false;
  }
  f.app_state = idx;
  f.app_proto = static_cast<std::uint8_t>(found);
  // A device that listens on the protocol's port but opened the connection itself (seen
  // with some gateways and in captures joined late) is still the protocol's server.
  const Protocol base = found == Protocol::ModbusRtu ? Protocol::Modbus : found;
  f.app_reversed = app_events::well_known_protocol(client_port) == base &&
                   app_events::well_known_protocol(server_port(f)) != base;
  f.app_status = static_cast<std::uint8_t>(AppStatus::Bound);
  return true;
}

std::uint32_t AppLayer::parse_stream(Flow& f, int d, proto::Bytes data) noexcept {
  const proto::Direction dir = to_direction(f.app_reversed ? 1 - d : d);
  const auto p = static_cast<Protocol>(f.app_proto);
  current_proto_ = p;
  cur_flow_ = &f;
  cur_response_ = dir == proto::Direction::ToClient;
  cur_tcp_ = f.key.proto == 6;
  // The reassembler has set next_seq past `data`: where `data` starts in the stream.
  const std::uint32_t data_seq = f.dir[d].next_seq - static_cast<std::uint32_t>(data.size());
  std::uint32_t off = 0;
  while (off < data.size()) {
    const proto::Bytes in = data.subspan(off);
    cur_pdu_seq_ = data_seq + off;
    proto::ParseResult r;
    switch (p) {
      case Protocol::Modbus: r = modbus::parse(in, dir, modbus_states_.at(f.app_state), *this); break;
      case Protocol::ModbusRtu: r = modbus::parse_rtu(in, dir, modbus_states_.at(f.app_state), *this); break;
      case Protocol::S7comm: r = s7comm::parse(in, dir, s7_states_.at(f.app_state), *this); break;
      case Protocol::Opcua: r = opcua::parse(in, dir, opcua_states_.at(f.app_state), *this); break;
      case Protocol::Dnp3: r = dnp3::parse(in, dir, dnp3_states_.at(f.app_state), *this); break;
      default: return static_cast<std::uint32_t>(data.size());
    }
    call_anomaly_count_ = 0;  // anomalies after the last record of a call stay events only
    if (pdu_drop_pending_) {
      pdu_drop_pending_ = false;
      pdu_drop_hi_ = cur_pdu_seq_ + std::max<std::uint32_t>(r.consumed(), 1);
    }
    if (r.status() == proto::Status::NeedMore) break;
    if (r.consumed() == 0) {
      // Framing lost for good (or a parser broke its contract): stop parsing, keep forwarding.
      f.app_status = static_cast<std::uint8_t>(AppStatus::GaveUp);
      ++stats_.gave_up;
      return static_cast<std::uint32_t>(data.size());
    }
    off += std::min<std::uint32_t>(r.consumed(), static_cast<std::uint32_t>(in.size()));
  }
  return off;
}

std::uint32_t AppLayer::on_stream(Flow& f, int d, proto::Bytes data, bool gap) noexcept {
  switch (static_cast<AppStatus>(f.app_status)) {
    case AppStatus::Unknown:
      if (!bind(f, d, data)) {
        return static_cast<AppStatus>(f.app_status) == AppStatus::Unknown ? 0 : static_cast<std::uint32_t>(data.size());
      }
      break;
    case AppStatus::Bound:
      // After a gap the parser keeps its state (pairing, negotiated limits, security
      // policy) and finds the next PDU boundary itself, as its contract requires.
      (void)gap;
      break;
    default:
      return static_cast<std::uint32_t>(data.size());
  }
  return parse_stream(f, d, data);
}

void AppLayer::on_datagram(Flow& f, int d, proto::Bytes payload) noexcept {
  if (static_cast<AppStatus>(f.app_status) == AppStatus::Unknown && !bind(f, d, payload)) {
    if (static_cast<AppStatus>(f.app_status) == AppStatus::Unknown) return;  // Maybe: judge the next datagram
  }
  if (static_cast<AppStatus>(f.app_status) != AppStatus::Bound) return;
  // A datagram holds whole frames; a NeedMore left at its end is a truncated frame,
  // which the parser reported, and nothing carries over to the next datagram.
  (void)parse_stream(f, d, payload);
}

void AppLayer::release(Flow& f) noexcept {
  if (f.app_state != kNoIndex) {
    switch (static_cast<Protocol>(f.app_proto)) {
      case Protocol::Modbus:
      case Protocol::ModbusRtu: modbus_states_.release(f.app_state); break;
      case Protocol::S7comm: s7_states_.release(f.app_state); break;
      case Protocol::Opcua: opcua_states_.release(f.app_state); break;
      case Protocol::Dnp3: dnp3_states_.release(f.app_state); break;
      default: break;
    }
  }
  f.app_state = kNoIndex;
  f.app_proto = 0;
  f.app_reversed = false;
  f.app_status = static_cast<std::uint8_t>(AppStatus::Unknown);
  f.detect_tries = 0;
}

}  // namespace fg::dp

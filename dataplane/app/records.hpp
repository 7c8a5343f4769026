// What workers hand to the control thread: audit records (one per industrial PDU) and events.
#pragma once

#include <array>
#include <cstdint>
#include <variant>

#include "dataplane/decode/packet_meta.hpp"
#include "dataplane/pipeline/verdict.hpp"
#include "protocols/common/anomaly.hpp"
#include "protocols/common/stream.hpp"
#include "protocols/dnp3/dnp3.hpp"
#include "protocols/modbus/modbus.hpp"
#include "protocols/opcua/opcua.hpp"
#include "protocols/s7comm/s7comm.hpp"

namespace fg::dp {

// The packet a record or event is about: the one that completed the PDU.
struct PacketContext {
  std::uint64_t frame = 0;   // 1-based index of the packet on its input (capture frame number)
  std::uint64_t ts_ns = 0;   // packet time (capture timestamp offline, wall clock live)
  IpAddr src{};
  IpAddr dst{};
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
  std::uint16_t vlan = 0;
  std::uint8_t ip_proto = 0;
  std::uint8_t port = 0;     // input port index
};

using ProtocolRecord = std::variant<std::monostate, modbus::Record, s7comm::Record, opcua::Record, dnp3::Record>;

struct AuditEntry {
  static constexpr int kMaxAnomalies = 4;
  PacketContext ctx;
  Action verdict = Action::Allow;
  std::uint32_t rule = 0;
  std::uint8_t anomaly_count = 0;
  std::array<const proto::AnomalyKind*, kMaxAnomalies> anomalies{};
  ProtocolRecord record;
};

enum class EventKind : std::uint8_t { Anomaly, Alert, Flow };

struct EventEntry {
  PacketContext ctx;
  EventKind kind = EventKind::Anomaly;
  proto::Protocol proto = proto::Protocol::None;
  Action action = Action::Allow;
  std::uint32_t rule = 0;
  proto::Anomaly anomaly{};
};

// Where a worker sends what it produced. The live implementation pushes into SPSC rings;
// offline replay writes synchronously.
class RecordOutput {
 public:
  virtual void audit(const AuditEntry& e) noexcept = 0;
  virtual void event(const EventEntry& e) noexcept = 0;

 protected:
  ~RecordOutput() = default;
};

}  // namespace fg::dp

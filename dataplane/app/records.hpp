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
  bool logged = false;  // decided by a rule with `log: true`: written at every logging.audit level
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

  // The hand-off the app layer uses: begin_audit gives the entry to build the next audit
  // record in (nullptr when none is free: the record is lost and the output has counted it),
  // commit_audit hands it over; one commit follows every non-null begin. A ring gives its
  // next slot, so a record is written once, in place, instead of being built aside and
  // copied in (that copy stalled: its loads spanned the stores that had just built it).
  // By default the entry is this output's own and commit passes it to audit().
  virtual AuditEntry* begin_audit() noexcept { return &scratch_; }
  virtual void commit_audit() noexcept { audit(scratch_); }

 protected:
  ~RecordOutput() = default;

 private:
  AuditEntry scratch_{};
};

}  // namespace fg::dp

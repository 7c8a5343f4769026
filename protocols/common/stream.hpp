// Vocabulary shared by every protocol parser: direction, parse status, detection, sinks.
#pragma once

#include <cstdint>
#include <string_view>

#include "protocols/common/anomaly.hpp"
#include "protocols/common/bytes.hpp"

namespace fg::proto {

// The industrial protocols fieldguard parses; `Record::protocol` of every parser says which.
enum class Protocol : std::uint8_t { None, Modbus, ModbusRtu, S7comm, S7commPlus, Opcua, Dnp3 };

constexpr std::string_view protocol_name(Protocol p) noexcept {
  switch (p) {
    case Protocol::None: return "none";
    case Protocol::Modbus: return "modbus";
    case Protocol::ModbusRtu: return "modbus_rtu";
    case Protocol::S7comm: return "s7comm";
    case Protocol::S7commPlus: return "s7comm_plus";
    case Protocol::Opcua: return "opcua";
    case Protocol::Dnp3: return "dnp3";
  }
  return "none";
}

// Which side sent the bytes, relative to the server (the side that accepted the connection,
// or for UDP the side on the well-known / detected server port).
enum class Direction : std::uint8_t { ToServer = 0, ToClient = 1 };

enum class Status : std::uint8_t {
  Ok,         // one PDU (or frame) consumed; `consumed` > 0
  NeedMore,   // the front of the input is an incomplete PDU; `needed` says how many bytes in all
  Malformed,  // the front does not frame; `consumed` bytes should be skipped (> 0), or 0 to give up on the flow
};

// What a parse call did. One 64-bit word on purpose: GCC 12 joins the return paths of a
// function returning a struct of several members through a stack slot, storing the members
// one by one and reloading the slot whole, a store-forwarding stall on every PDU (perf: a
// quarter of the Modbus parser's samples). A single scalar stays in a register.
class ParseResult {
 public:
  constexpr ParseResult() noexcept = default;
  // `consumed` counts with Ok and Malformed, `needed` with NeedMore; the other is 0.
  constexpr ParseResult(Status status, std::uint32_t consumed, std::uint32_t needed) noexcept
      : bits_(static_cast<std::uint64_t>(status) |
              std::uint64_t{status == Status::NeedMore ? needed : consumed} << 32) {}

  [[nodiscard]] constexpr Status status() const noexcept { return static_cast<Status>(bits_ & 0xff); }
  // Bytes to drop from the front of the stream (0 with NeedMore).
  [[nodiscard]] constexpr std::uint32_t consumed() const noexcept {
    return status() == Status::NeedMore ? 0 : static_cast<std::uint32_t>(bits_ >> 32);
  }
  // With NeedMore: total bytes the PDU at the front needs (0 = unknown); else 0.
  [[nodiscard]] constexpr std::uint32_t needed() const noexcept {
    return status() == Status::NeedMore ? static_cast<std::uint32_t>(bits_ >> 32) : 0;
  }

 private:
  std::uint64_t bits_ = static_cast<std::uint64_t>(Status::NeedMore);
};

// Content detection on the first bytes of one direction of a flow.
enum class Detect : std::uint8_t { No, Maybe, Yes };

// Where a parser reports what it found. Records and anomalies are passed by reference and
// must be copied by the sink if kept; the parser never allocates.
template <class Record>
class Sink {
 public:
  virtual void on_record(const Record& r) noexcept = 0;
  virtual void on_anomaly(const Anomaly& a) noexcept = 0;

 protected:
  ~Sink() = default;
};

}  // namespace fg::proto

// One industrial operation as the anomaly engines see it, taken from an audit record:
// who asked whom, which function, units, areas, objects, address spans and values.
#pragma once

#include <cstdint>

#include "dataplane/app/records.hpp"

namespace fg::anomaly {

// S7 "functions" beyond the job function codes (0x00-0xff), so one number names each:
// userdata as kS7UserdataBase | group << 8 | subfunction, S7comm-plus as kS7PlusBase | function.
inline constexpr std::uint32_t kS7UserdataBase = 0x1000;
inline constexpr std::uint32_t kS7PlusBase = 0x10000;

enum class OpClass : std::uint8_t { Read, Write, Control, Other };

struct Observation {
  static constexpr int kMaxSpans = 8;
  static constexpr int kMaxTags = 8;
  struct Span {
    std::uint32_t lo = 0, hi = 0;
  };
  proto::Protocol proto = proto::Protocol::None;  // S7comm-plus is folded into S7comm, RTU into Modbus
  bool request = true;
  dp::IpAddr client{};
  dp::IpAddr server{};
  std::uint16_t server_port = 0;
  std::uint8_t ip_proto = 6;
  std::uint64_t ts_ns = 0;
  bool has_function = false;
  std::uint32_t function = 0;   // Modbus FC, S7 function, OPC UA service id, DNP3 app function
  bool has_unit = false;
  std::uint16_t unit = 0;       // Modbus unit id, DNP3 outstation (link) address
  OpClass op = OpClass::Other;
  bool error = false;           // exception / error response
  std::uint32_t size = 0;       // PDU bytes
  std::uint8_t span_count = 0;  // addresses touched (registers, S7 byte offsets, DNP3 indexes)
  Span spans[kMaxSpans];
  std::uint8_t tag_count = 0;   // S7: area << 16 | db; DNP3: group << 8 | variation
  std::uint32_t tags[kMaxTags] = {};
  bool has_values = false;      // written values (Modbus writes)
  std::uint16_t value_min = 0, value_max = 0;
};

// False when the record says nothing the engines use (COTP connects, OPC UA chunks
// without a service, DNP3 link-only frames).
bool observe(const dp::AuditEntry& e, Observation& out) noexcept;

// "modbus", "s7comm", ...: the rule file's protocol section name.
const char* section_name(proto::Protocol p) noexcept;

}  // namespace fg::anomaly

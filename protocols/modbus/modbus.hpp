// Modbus/TCP (MBAP) and Modbus RTU-over-TCP parser: the protocols/ contract for fg::modbus.
#pragma once

#include "protocols/common/json_writer.hpp"
#include "protocols/common/stream.hpp"
#include "protocols/modbus/anomalies.hpp"
#include "protocols/modbus/flow_state.hpp"
#include "protocols/modbus/record.hpp"

namespace fg::modbus {

// MBAP header size and limits (Implementation Guide V1.0b 3.1.3): length counts the unit id
// plus the PDU, so 2..254 and an ADU of at most 260 bytes.
inline constexpr std::size_t kMbapHeader = 7;
inline constexpr std::uint16_t kMinMbapLength = 2;
inline constexpr std::uint16_t kMaxMbapLength = 254;
inline constexpr std::size_t kMaxAdu = kMbapHeader - 1 + kMaxMbapLength;  // 260

// RTU: address + PDU (at most 253) + CRC = 256 bytes (Modbus over Serial Line V1.02 2.5.1).
inline constexpr std::size_t kMaxRtuFrame = 256;

// Modbus/TCP: content detection on the first bytes of one direction (protocol id 0, length
// 2..254, plausible function code for the direction).
[[nodiscard]] proto::Detect detect(proto::Bytes first, proto::Direction dir) noexcept;

// Modbus/TCP: frames and parses one ADU at the front of `in` (see protocols/dev_notes.md).
[[nodiscard]] proto::ParseResult parse(proto::Bytes in, proto::Direction dir, FlowState& st,
                                       proto::Sink<Record>& sink) noexcept;

// Modbus RTU carried over TCP (no MBAP): the frame length is derived from the function code,
// byte counts and direction, then the CRC-16/MODBUS (little-endian) is verified.
[[nodiscard]] proto::Detect detect_rtu(proto::Bytes first, proto::Direction dir) noexcept;
[[nodiscard]] proto::ParseResult parse_rtu(proto::Bytes in, proto::Direction dir, FlowState& st,
                                           proto::Sink<Record>& sink) noexcept;

// Writes the `"modbus"` member of an audit line (cold path), omitting absent fields.
void write_json(const Record& r, proto::JsonWriter& w);

}  // namespace fg::modbus

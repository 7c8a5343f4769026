// Events the app layer raises itself (not a parser): content that does not match its port.
#pragma once

#include <cstdint>

#include "protocols/common/anomaly.hpp"
#include "protocols/common/stream.hpp"

namespace fg::dp::app_events {
using proto::AnomalyKind;
using proto::Severity;

inline constexpr AnomalyKind kModbusNonConforming{"modbus.non_conforming", Severity::Medium,
    "traffic on Modbus port {0} is not Modbus/TCP: not parsed as Modbus"};
inline constexpr AnomalyKind kS7NonConforming{"s7comm.non_conforming", Severity::Medium,
    "traffic on ISO-TSAP port {0} is not TPKT/COTP: not parsed as S7comm"};
inline constexpr AnomalyKind kOpcuaNonConforming{"opcua.non_conforming", Severity::Medium,
    "traffic on OPC UA port {0} is not OPC UA binary: not parsed as OPC UA"};
inline constexpr AnomalyKind kDnp3NonConforming{"dnp3.non_conforming", Severity::Medium,
    "traffic on DNP3 port {0} is not DNP3: not parsed as DNP3"};
inline constexpr AnomalyKind kStatePoolExhausted{"app.state_pool_exhausted", Severity::High,
    "no free parser state for a {0} flow: not inspected"};

// The protocol whose well-known port `port` is, or None.
constexpr proto::Protocol well_known_protocol(std::uint16_t port) noexcept {
  switch (port) {
    case 502: return proto::Protocol::Modbus;
    case 102: return proto::Protocol::S7comm;
    case 4840: return proto::Protocol::Opcua;
    case 20000: return proto::Protocol::Dnp3;
    default: return proto::Protocol::None;
  }
}

constexpr const AnomalyKind* non_conforming_kind(proto::Protocol p) noexcept {
  switch (p) {
    case proto::Protocol::Modbus: return &kModbusNonConforming;
    case proto::Protocol::S7comm: return &kS7NonConforming;
    case proto::Protocol::Opcua: return &kOpcuaNonConforming;
    case proto::Protocol::Dnp3: return &kDnp3NonConforming;
    default: return nullptr;
  }
}

}  // namespace fg::dp::app_events

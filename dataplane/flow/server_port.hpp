// Which end of a flow whose opening we did not see (TCP joined mid-stream, a UDP datagram
// from either side) is the server, guessed from the two ports.
#pragma once

#include <cstdint>

namespace fg::dp {

// Server ports of the industrial protocols we parse or commonly meet. Their clients' ports can
// be lower (Windows XP/2003 ephemeral ports are 1025-5000, some masters bind a fixed port), so
// "the lower port is the server" alone judges e.g. a DNP3 master 2902 -> 20000 backwards.
inline constexpr std::uint16_t kIndustrialServerPorts[] = {
    102,                  // S7comm / S7comm-plus (ISO-TSAP)
    502,                  // Modbus/TCP
    1911,                 // Niagara Fox
    2404,                 // IEC 60870-5-104
    4840,                 // OPC UA binary
    18245,                // GE SRTP
    20000,                // DNP3
    34962, 34963, 34964,  // PROFINET
    44818,                // EtherNet/IP explicit messaging
    47808,                // BACnet/IP
};

constexpr bool industrial_server_port(std::uint16_t p) noexcept {
  for (const std::uint16_t s : kIndustrialServerPorts)
    if (s == p) return true;
  return false;
}

// Whether the sender of sport -> dport is most likely the server: a known industrial server
// port on exactly one side wins; otherwise the lower port (which also puts a system port,
// < 1024, before a registered or ephemeral one).
constexpr bool sender_is_server(std::uint16_t sport, std::uint16_t dport) noexcept {
  const bool s_ind = industrial_server_port(sport), d_ind = industrial_server_port(dport);
  if (s_ind != d_ind) return s_ind;
  return sport < dport;
}

}  // namespace fg::dp

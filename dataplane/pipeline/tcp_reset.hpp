// Crafts the TCP RST segments of the `reset` action (drop + RST both ways).
#pragma once

#include <cstdint>

#include "dataplane/decode/packet_meta.hpp"

namespace fg::dp {

// Largest frame build_tcp_reset writes: two VLAN tags + IPv6 + TCP.
inline constexpr std::uint32_t kMaxResetFrame = 14 + 8 + 40 + 20;

// Builds an Ethernet frame with a TCP RST for the connection of the packet `m` decoded
// from `frame` (which must be Ethernet). `toward_sender` false: to the packet's receiver,
// taking the packet's place (seq = its seq). True: back to the sender (seq = its ack; for
// a SYN, RST+ACK of the SYN as a closed port answers). Returns the length, 0 if the
// packet is not TCP over Ethernet or `cap` is too small.
std::uint32_t build_tcp_reset(const std::uint8_t* frame, const PacketMeta& m, bool toward_sender,
                              std::uint8_t* out, std::uint32_t cap) noexcept;

}  // namespace fg::dp

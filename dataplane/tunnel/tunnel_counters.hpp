// Counters of the tunnel stage that belong to no SA: written by one worker each, summed by
// the control plane (racy but word-sized reads, like WorkerStats).
#pragma once

#include <array>
#include <cstdint>

namespace fg::dp {

// Why the tunnel dropped a packet outside any SA's accounting; `tunnel.drop.<name>`.
enum class TunnelDrop : std::uint8_t {
  BadSpi,       // ESP to our address with an SPI we have no inbound SA for
  Malformed,    // ESP too short, misaligned, outer fragment, inner packet inconsistent
  NoSa,         // traffic to protect but no outbound SA installed
  NoNextHop,    // next hop MAC not resolved yet (an ARP request went out instead)
  TooBig,       // the encapsulated packet would exceed the tunnel MTU
  NoRoom,       // the buffer has no head/tail room to grow the frame (or is chained)
  NoInnerMac,   // decapsulated packet for a host whose MAC is unknown and no south_mac
  NotEthernet,  // protected traffic on a link type the tunnel cannot frame (Linux SLL, IPv6-only)
  Dummy,        // next header 59: a dummy packet, discarded as RFC 4303 §2.6 says
  Unprotected,  // clear traffic from the north that a selector says must arrive through the tunnel
  kCount,
};

constexpr const char* tunnel_drop_name(TunnelDrop d) noexcept {
  switch (d) {
    case TunnelDrop::BadSpi: return "bad_spi";
    case TunnelDrop::Malformed: return "malformed";
    case TunnelDrop::NoSa: return "no_sa";
    case TunnelDrop::NoNextHop: return "no_next_hop";
    case TunnelDrop::TooBig: return "too_big";
    case TunnelDrop::NoRoom: return "no_room";
    case TunnelDrop::NoInnerMac: return "no_inner_mac";
    case TunnelDrop::NotEthernet: return "not_ethernet";
    case TunnelDrop::Dummy: return "dummy";
    case TunnelDrop::Unprotected: return "unprotected";
    case TunnelDrop::kCount: break;
  }
  return "?";
}

struct alignas(64) TunnelCounters {
  std::uint64_t encapsulated = 0;
  std::uint64_t encapsulated_bytes = 0;  // inner IP bytes
  std::uint64_t decapsulated = 0;
  std::uint64_t decapsulated_bytes = 0;
  std::uint64_t arp_replies = 0;
  std::uint64_t arp_requests = 0;
  std::array<std::uint64_t, static_cast<int>(TunnelDrop::kCount)> drops{};
  void add(const TunnelCounters& o) noexcept {
    encapsulated += o.encapsulated;
    encapsulated_bytes += o.encapsulated_bytes;
    decapsulated += o.decapsulated;
    decapsulated_bytes += o.decapsulated_bytes;
    arp_replies += o.arp_replies;
    arp_requests += o.arp_requests;
    for (std::size_t i = 0; i < drops.size(); ++i) drops[i] += o.drops[i];
  }
};

}  // namespace fg::dp

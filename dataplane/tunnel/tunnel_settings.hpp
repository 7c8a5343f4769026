// What the tunnel stage needs from the configuration (daemon/config/tunnel_config reads it).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "rules/acl/acl.hpp"

namespace fg::dp {

using Mac = std::array<std::uint8_t, 6>;

// Traffic from the field that goes into the tunnel: every set condition must hold.
struct TunnelSelector {
  rules::Cidr src{};
  rules::Cidr dst{};
  std::uint8_t ip_proto = 0;  // 0 = any
  [[nodiscard]] bool matches(const PacketMeta& m) const noexcept {
    return (ip_proto == 0 || ip_proto == m.ip_proto) && src.contains(m.src) && dst.contains(m.dst);
  }
  // The return direction: platform to field.
  [[nodiscard]] bool matches_reply(const PacketMeta& m) const noexcept {
    return (ip_proto == 0 || ip_proto == m.ip_proto) && src.contains(m.dst) && dst.contains(m.src);
  }
};

struct TunnelSettings {
  std::uint32_t local_ip = 0;    // host order: the appliance's tunnel address (outer source)
  Mac local_mac{0x02, 0x46, 0x47, 0x00, 0x00, 0x01};  // outer source MAC, ARP answers, decapsulated frames
  std::uint32_t remote_ip = 0;   // the platform's tunnel endpoint (outer destination)
  std::uint32_t next_hop_ip = 0; // where outer packets are sent on the link (default: remote)
  std::optional<Mac> next_hop_mac;  // static; otherwise resolved by ARP on the north port
  std::optional<Mac> south_mac;     // destination of decapsulated frames when not learned
  std::uint16_t mtu = 1500;      // outer IPv4 packets larger than this are dropped (no fragmentation)
  std::uint64_t rekey_grace_ns = 30'000'000'000ull;  // how long a replaced inbound SA still decrypts
  std::vector<TunnelSelector> selectors;
  // Ports whose traffic may be encapsulated (the south side of each pair); bit i = port i.
  std::uint64_t south_ports = 1;
};

}  // namespace fg::dp

// Symmetric flow key: both directions of a conversation map to the same key.
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/decode/packet_meta.hpp"

namespace fg::dp {

// Addresses and ports are stored in a canonical order (lower endpoint first) so that a
// packet and its reply hash to the same slot; `reversed` on the lookup side tells which
// endpoint sent the packet.
struct FlowKey {
  IpAddr addr_lo{};
  IpAddr addr_hi{};
  std::uint16_t port_lo = 0;
  std::uint16_t port_hi = 0;
  std::uint16_t vlan = 0;
  std::uint8_t proto = 0;
  std::uint8_t pad = 0;

  friend bool operator==(const FlowKey& a, const FlowKey& b) noexcept {
    return std::memcmp(&a, &b, sizeof(FlowKey)) == 0;
  }
};
static_assert(sizeof(FlowKey) == 40);

// Builds the canonical key for a decoded packet; `from_lo` is true when the packet's
// source is the key's lo endpoint.
inline FlowKey make_flow_key(const PacketMeta& m, bool& from_lo) noexcept {
  FlowKey k;
  int c = std::memcmp(m.src.bytes.data(), m.dst.bytes.data(), 16);
  from_lo = c < 0 || (c == 0 && m.sport <= m.dport);
  if (from_lo) {
    k.addr_lo = m.src; k.addr_hi = m.dst; k.port_lo = m.sport; k.port_hi = m.dport;
  } else {
    k.addr_lo = m.dst; k.addr_hi = m.src; k.port_lo = m.dport; k.port_hi = m.sport;
  }
  k.vlan = m.vlan_outer;
  k.proto = m.ip_proto;
  return k;
}

// 64-bit hash of a key (SSE4.2 CRC32 where available: a few cycles for 40 bytes).
inline std::uint64_t hash_flow_key(const FlowKey& k) noexcept {
  std::uint64_t w[5];
  std::memcpy(w, &k, sizeof w);
#if defined(__SSE4_2__)
  std::uint64_t h1 = 0x9e3779b97f4a7c15ull, h2 = 0xc2b2ae3d27d4eb4full;
  h1 = __builtin_ia32_crc32di(h1, w[0]);
  h2 = __builtin_ia32_crc32di(h2, w[1]);
  h1 = __builtin_ia32_crc32di(h1, w[2]);
  h2 = __builtin_ia32_crc32di(h2, w[3]);
  h1 = __builtin_ia32_crc32di(h1, w[4]);
  return (h1 << 32) ^ h2 ^ (h1 >> 7);
#else
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::uint64_t x : w) {
    h ^= x;
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  return h;
#endif
}

}  // namespace fg::dp

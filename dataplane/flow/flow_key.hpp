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

namespace flow_key_detail {

inline std::uint64_t hash_words(std::uint64_t a0, std::uint64_t a1, std::uint64_t b0, std::uint64_t b1,
                                std::uint64_t tail) noexcept {
#if defined(__SSE4_2__)
  std::uint64_t h1 = 0x9e3779b97f4a7c15ull, h2 = 0xc2b2ae3d27d4eb4full;
  h1 = __builtin_ia32_crc32di(h1, a0);
  h2 = __builtin_ia32_crc32di(h2, a1);
  h1 = __builtin_ia32_crc32di(h1, b0);
  h2 = __builtin_ia32_crc32di(h2, b1);
  h1 = __builtin_ia32_crc32di(h1, tail);
  return (h1 << 32) ^ h2 ^ (h1 >> 7);
#else
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::uint64_t x : {a0, a1, b0, b1, tail}) {
    h ^= x;
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  return h;
#endif
}

inline std::uint64_t tail_word(const FlowKey& k) noexcept {
  return std::uint64_t{k.port_lo} | (std::uint64_t{k.port_hi} << 16) | (std::uint64_t{k.vlan} << 32) |
         (std::uint64_t{k.proto} << 48);
}

}  // namespace flow_key_detail

// 64-bit hash of a key (SSE4.2 CRC32 where available: a few cycles for 40 bytes).
inline std::uint64_t hash_flow_key(const FlowKey& k) noexcept {
  std::uint64_t w[4];
  std::memcpy(w, k.addr_lo.bytes.data(), 16);
  std::memcpy(w + 2, k.addr_hi.bytes.data(), 16);
  return flow_key_detail::hash_words(w[0], w[1], w[2], w[3], flow_key_detail::tail_word(k));
}

// Builds the canonical key for a decoded packet and returns its hash (equal to
// hash_flow_key(k)); `from_lo` is true when the packet's source is the key's lo endpoint.
// The order is any total order both directions agree on. Everything is computed in
// registers from the decoded addresses: hashing a key just stored field by field would
// stall on store forwarding (measured: a third of the burst loop's time).
inline std::uint64_t make_flow_key(const PacketMeta& m, FlowKey& k, bool& from_lo) noexcept {
  std::uint64_t s0, s1, d0, d1;
  std::memcpy(&s0, m.src.bytes.data(), 8);
  std::memcpy(&s1, m.src.bytes.data() + 8, 8);
  std::memcpy(&d0, m.dst.bytes.data(), 8);
  std::memcpy(&d1, m.dst.bytes.data() + 8, 8);
  from_lo = s0 != d0 ? s0 < d0 : s1 != d1 ? s1 < d1 : m.sport <= m.dport;
  const std::uint64_t lo0 = from_lo ? s0 : d0, lo1 = from_lo ? s1 : d1;
  const std::uint64_t hi0 = from_lo ? d0 : s0, hi1 = from_lo ? d1 : s1;
  const std::uint16_t port_lo = from_lo ? m.sport : m.dport, port_hi = from_lo ? m.dport : m.sport;
  std::memcpy(k.addr_lo.bytes.data(), &lo0, 8);
  std::memcpy(k.addr_lo.bytes.data() + 8, &lo1, 8);
  std::memcpy(k.addr_hi.bytes.data(), &hi0, 8);
  std::memcpy(k.addr_hi.bytes.data() + 8, &hi1, 8);
  k.port_lo = port_lo;
  k.port_hi = port_hi;
  k.vlan = m.vlan_outer;
  k.proto = m.ip_proto;
  k.pad = 0;
  const std::uint64_t tail = std::uint64_t{port_lo} | (std::uint64_t{port_hi} << 16) |
                             (std::uint64_t{m.vlan_outer} << 32) | (std::uint64_t{m.ip_proto} << 48);
  return flow_key_detail::hash_words(lo0, lo1, hi0, hi1, tail);
}

// Convenience form for callers that need only the key.
inline FlowKey make_flow_key(const PacketMeta& m, bool& from_lo) noexcept {
  FlowKey k;
  (void)make_flow_key(m, k, from_lo);
  return k;
}

}  // namespace fg::dp

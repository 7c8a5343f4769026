// The identity bindings workers check south frames against: device bindings from the
// inventory (MAC, IPs, VLAN, kind) plus the live leases of certificate devices, indexed by
// IP and by MAC in open-addressing tables. Built off the hot path, never changed once
// published (Snapshot<IdentityTable>); a lease or inventory change publishes a new one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "dataplane/decode/packet_meta.hpp"

namespace fg::dp {

enum class IdentityMode : std::uint8_t {
  Monitor,  // report violations, forward anyway
  Enforce,  // drop what violates a binding
};

// Mirrors rules::IdentityKind without the YAML dependency.
enum class BindingKind : std::uint8_t { Static, Certificate, None };

using Mac = std::array<std::uint8_t, 6>;

// A MAC as one integer (its six bytes, little-endian): one compare instead of six.
inline std::uint64_t mac_key(const Mac& m) noexcept {
  std::uint64_t k = 0;
  std::memcpy(&k, m.data(), 6);
  return k;
}
// The same for a frame's source MAC, with one 8-byte load: dst_mac follows src_mac inside
// PacketMeta, so the two extra bytes read are the object's own and masked off.
inline std::uint64_t source_mac_key(const PacketMeta& m) noexcept {
  static_assert(offsetof(PacketMeta, src_mac) + 8 <= sizeof(PacketMeta));
  std::uint64_t k;
  std::memcpy(&k, reinterpret_cast<const unsigned char*>(&m) + offsetof(PacketMeta, src_mac), 8);
  return k & 0xffffffffffffull;
}

struct IdentityBinding {
  static constexpr std::size_t kMaxId = 48;
  std::array<char, kMaxId> id{};       // device id, NUL-terminated (cut at kMaxId-1 chars)
  Mac mac{};
  bool has_mac = false;
  bool has_vlan = false;
  BindingKind kind = BindingKind::Static;
  std::uint16_t vlan = 0;
  IpAddr first_ip{};                   // for events: "expected" address of a known MAC
  bool has_ip = false;
  // Certificate devices: the MAC admitted with the lease, and until when (the dataplane's
  // clock, ns). 0 = no lease.
  Mac lease_mac{};
  std::uint64_t lease_expires_ns = 0;
};

class IdentityTable {
 public:
  IdentityMode mode = IdentityMode::Enforce;
  // Where certificate devices reach the identity service before they hold a lease
  // (TCP to this address and port passes the stage). Port 0: no service.
  IpAddr service_ip{};
  bool service_any_ip = false;         // listen address 0.0.0.0 / ::
  std::uint16_t service_port = 0;

  // Adds a binding; call finish() after the last one.
  std::uint32_t add(const IdentityBinding& b) {
    bindings_.push_back(b);
    return static_cast<std::uint32_t>(bindings_.size() - 1);
  }
  void add_ip(std::uint32_t binding, const IpAddr& ip) { ips_.push_back({ip, binding + 1}); }
  // Builds the hash indexes (load factor at most 1/2).
  void finish();

  // An address's slot carries what the per-packet check needs (MAC, VLAN, kind, lease), so
  // a frame that matches its binding costs one probe and a few integer compares.
  struct alignas(64) IpSlot {            // one cache line per probe
    std::uint64_t ip_lo = 0, ip_hi = 0;
    std::uint64_t lease_mac = 0;         // mac_key of the lease's MAC
    std::uint64_t lease_expires_ns = 0;  // 0 = no lease
    std::uint32_t binding = 0;           // index + 1; 0 = empty
    BindingKind kind = BindingKind::Static;
    // The common case in one compare: a frame passes at once when
    // ((source MAC | VLAN << 48) ^ fast_key) & fast_mask is 0. The mask leaves out what the
    // binding does not bind (all of it for identity: none); certificate bindings get a key
    // with bit 63 set, which no frame has, so they always take the full check (leases).
    std::uint64_t fast_key = 0;
    std::uint64_t fast_mask = 0;
  };
  static std::uint64_t frame_key(const PacketMeta& m) noexcept {
    return source_mac_key(m) | (std::uint64_t{m.vlan_outer} << 48);
  }

  // The IP index as two values a per-burst loop keeps in registers.
  struct IpIndex {
    const IpSlot* slots;
    std::uint32_t mask;
    [[nodiscard]] const IpSlot* find(const IpAddr& ip) const noexcept {
      std::uint64_t lo, hi;
      std::memcpy(&lo, ip.bytes.data(), 8);
      std::memcpy(&hi, ip.bytes.data() + 8, 8);
      for (std::uint32_t i = hash_words(lo, hi) & mask;; i = (i + 1) & mask) {
        const IpSlot& s = slots[i];
        if (s.ip_lo == lo && s.ip_hi == hi && s.binding != 0) [[likely]] return &s;
        if (s.binding == 0) return nullptr;
      }
    }
  };
  [[nodiscard]] IpIndex ip_index() const noexcept { return {ip_index_.data(), ip_mask_}; }

  [[nodiscard]] const IpSlot* find_ip_slot(const IpAddr& ip) const noexcept {
    std::uint64_t lo, hi;
    std::memcpy(&lo, ip.bytes.data(), 8);
    std::memcpy(&hi, ip.bytes.data() + 8, 8);
    for (std::uint32_t i = hash_words(lo, hi) & ip_mask_;; i = (i + 1) & ip_mask_) {
      const IpSlot& s = ip_index_[i];
      // Address first: a hit (the common case) needs no emptiness test. An empty slot
      // holds address 0 with binding 0, so a lookup of :: still stops there.
      if (s.ip_lo == lo && s.ip_hi == hi && s.binding != 0) [[likely]] return &s;
      if (s.binding == 0) return nullptr;
    }
  }
  [[nodiscard]] const IdentityBinding* find_ip(const IpAddr& ip) const noexcept {
    const IpSlot* s = find_ip_slot(ip);
    return s == nullptr ? nullptr : &bindings_[s->binding - 1];
  }
  [[nodiscard]] const IdentityBinding& binding(const IpSlot& s) const noexcept { return bindings_[s.binding - 1]; }
  [[nodiscard]] const IdentityBinding* find_mac(std::uint64_t key) const noexcept {
    for (std::uint32_t i = hash_mac(key) & mac_mask_;; i = (i + 1) & mac_mask_) {
      const MacSlot& s = mac_index_[i];
      if (s.binding == 0) return nullptr;
      if (s.mac == key) return &bindings_[s.binding - 1];
    }
  }
  [[nodiscard]] const std::vector<IdentityBinding>& bindings() const noexcept { return bindings_; }
  [[nodiscard]] bool is_service(const PacketMeta& m) const noexcept {
    return service_port != 0 && m.l4 == L4::Tcp && m.dport == service_port && (service_any_ip || m.dst == service_ip);
  }

  static std::uint32_t hash_ip(const IpAddr& ip) noexcept {
    std::uint64_t a, b;
    std::memcpy(&a, ip.bytes.data(), 8);
    std::memcpy(&b, ip.bytes.data() + 8, 8);
    return hash_words(a, b);
  }
  static std::uint32_t hash_words(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(__SSE4_2__)
    // Two CRC32 instructions: cheap per packet and spread well enough for a masked index.
    return static_cast<std::uint32_t>(__builtin_ia32_crc32di(__builtin_ia32_crc32di(0, a), b));
#else
    return mix(a * 0x9e3779b97f4a7c15ull ^ b);
#endif
  }
  static std::uint32_t hash_mac(std::uint64_t key) noexcept { return mix(key); }
  // A full avalanche (murmur3's finaliser): the table masks the low bits, and IPv4 prefixes
  // and MAC vendor parts put the varying bytes anywhere in the word.
  static std::uint32_t mix(std::uint64_t x) noexcept {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return static_cast<std::uint32_t>(x);
  }

 private:
  struct PendingIp {
    IpAddr ip{};
    std::uint32_t binding = 0;  // index + 1
  };
  struct MacSlot {
    std::uint64_t mac = 0;
    std::uint32_t binding = 0;
  };
  std::vector<IdentityBinding> bindings_;
  std::vector<PendingIp> ips_;       // as added, before finish()
  // One empty slot until finish(): lookups need no emptiness test.
  std::vector<IpSlot> ip_index_ = std::vector<IpSlot>(1);
  std::vector<MacSlot> mac_index_ = std::vector<MacSlot>(1);
  std::uint32_t ip_mask_ = 0;
  std::uint32_t mac_mask_ = 0;
};

}  // namespace fg::dp

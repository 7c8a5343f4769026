// The identity bindings workers check south frames against: device bindings from the
// inventory (MAC, IPs, VLAN, kind) plus the live leases of certificate devices, indexed by
// IP and by MAC in open-addressing tables. Built off the hot path, never changed once
// published (Snapshot<IdentityTable>); a lease or inventory change publishes a new one.
#pragma once

#include <array>
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

constexpr std::uint64_t mac_key(const Mac& m) noexcept {
  return (std::uint64_t{m[0]} << 40) | (std::uint64_t{m[1]} << 32) | (std::uint64_t{m[2]} << 24) |
         (std::uint64_t{m[3]} << 16) | (std::uint64_t{m[4]} << 8) | std::uint64_t{m[5]};
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

  [[nodiscard]] const IdentityBinding* find_ip(const IpAddr& ip) const noexcept {
    if (ip_index_.empty()) return nullptr;
    for (std::uint32_t i = hash_ip(ip) & ip_mask_;; i = (i + 1) & ip_mask_) {
      const IpSlot& s = ip_index_[i];
      if (s.binding == 0) return nullptr;
      if (s.ip == ip) return &bindings_[s.binding - 1];
    }
  }
  [[nodiscard]] const IdentityBinding* find_mac(std::uint64_t key) const noexcept {
    if (mac_index_.empty()) return nullptr;
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
    return static_cast<std::uint32_t>(((a * 0x9e3779b97f4a7c15ull) ^ b) * 0xc2b2ae3d27d4eb4full >> 32);
  }
  static std::uint32_t hash_mac(std::uint64_t key) noexcept {
    return static_cast<std::uint32_t>((key * 0x9e3779b97f4a7c15ull) >> 32);
  }

 private:
  struct IpSlot {
    IpAddr ip{};
    std::uint32_t binding = 0;  // index + 1; 0 = empty
  };
  struct MacSlot {
    std::uint64_t mac = 0;
    std::uint32_t binding = 0;
  };
  std::vector<IdentityBinding> bindings_;
  std::vector<IpSlot> ips_;          // as added, before finish()
  std::vector<IpSlot> ip_index_;
  std::vector<MacSlot> mac_index_;
  std::uint32_t ip_mask_ = 0;
  std::uint32_t mac_mask_ = 0;
};

}  // namespace fg::dp

// Per-worker memory of the endpoints the identity stage reported on: it limits reports to
// one per finding per endpoint per interval and accumulates what a new device does
// (protocols, peers) for asset discovery. Fixed capacity, allocated once; when a probe run
// is full the least recently seen entry is replaced.
#pragma once

#include <cstdint>
#include <memory>

#include "dataplane/identity/identity_findings.hpp"

namespace fg::dp {

class ObservationTable {
 public:
  struct Entry {
    std::uint64_t mac = 0;
    IpAddr ip{};
    std::uint16_t vlan = 0;
    bool used = false;
    std::uint8_t peer_count = 0;
    std::uint16_t protocols = 0;
    std::uint32_t last_seen_s = 0;
    std::array<std::uint32_t, static_cast<int>(IdentityFinding::kCount)> reported_s{};  // 0 = never
    std::array<IpAddr, IdentityObservation::kMaxPeers> peers{};
  };

  explicit ObservationTable(std::uint32_t capacity_pow2)
      : mask_(capacity_pow2 - 1), entries_(std::make_unique<Entry[]>(capacity_pow2)) {}

  // The entry of (mac, ip, vlan), created (or recycled) if absent. Never null.
  Entry& get(std::uint64_t mac, const IpAddr& ip, std::uint16_t vlan, std::uint32_t now_s, bool& evicted) noexcept {
    constexpr std::uint32_t kProbe = 8;
    const std::uint32_t h = IdentityTable::hash_ip(ip) ^ IdentityTable::hash_mac(mac ^ vlan);
    Entry* victim = nullptr;
    evicted = false;
    for (std::uint32_t k = 0; k < kProbe; ++k) {
      Entry& e = entries_[(h + k) & mask_];
      if (e.used && e.mac == mac && e.vlan == vlan && e.ip == ip) {
        e.last_seen_s = now_s;
        return e;
      }
      if (!e.used) { if (victim == nullptr || victim->used) victim = &e; continue; }
      if (victim == nullptr || (victim->used && e.last_seen_s < victim->last_seen_s)) victim = &e;
    }
    evicted = victim->used;
    *victim = Entry{};
    victim->used = true;
    victim->mac = mac;
    victim->ip = ip;
    victim->vlan = vlan;
    victim->last_seen_s = now_s;
    return *victim;
  }

 private:
  std::uint32_t mask_;
  std::unique_ptr<Entry[]> entries_;
};

}  // namespace fg::dp

// The identity stage: every frame from a south (field) port is checked against the identity
// bindings before flow tracking. Spoofed IP/MAC pairs, unknown devices, wrong VLANs, ARP
// messages that would poison a binding and certificate devices without a live lease are
// dropped (enforce) or only reported (monitor). Findings go to the control thread through
// an SPSC ring, at most one per endpoint and finding per report interval.
#pragma once

#include <cstdint>

#include "dataplane/identity/identity_findings.hpp"
#include "dataplane/identity/identity_table.hpp"
#include "dataplane/identity/observation_table.hpp"
#include "dataplane/pipeline/packet.hpp"
#include "dataplane/pipeline/spsc_ring.hpp"
#include "dataplane/rcu/snapshot.hpp"

namespace fg::dp {

struct IdentityStageConfig {
  std::uint64_t south_ports = 0;          // bit i: port index i is a field port
  std::uint32_t observations = 1024;      // endpoints remembered per worker (power of two)
  std::uint32_t ring = 1024;              // findings queued for the control thread (power of two)
  std::uint32_t report_interval_s = 10;   // the same finding for the same endpoint, at most this often
};

class IdentityStage {
 public:
  IdentityStage(const Snapshot<IdentityTable>& table, const IdentityStageConfig& cfg);

  // Judges a decoded burst; afterwards dropped(i) says whether packet i violates a binding
  // under enforce mode. One snapshot load per burst.
  void run(Packet* const* pkts, std::uint16_t n, std::uint64_t now_ns) noexcept;
  [[nodiscard]] bool dropped(std::uint16_t i) const noexcept { return drop_[i]; }

  // Control thread side.
  [[nodiscard]] SpscRing<IdentityObservation>& findings() noexcept { return ring_; }
  [[nodiscard]] const IdentityStats& stats() const noexcept { return stats_; }

 private:
  // Everything but the common case (run() handles that inline).
  bool check_ip(const Packet& p, const IdentityTable& t, std::uint64_t now_ns) noexcept;
  bool check_arp(const Packet& p, const IdentityTable& t, std::uint64_t now_ns) noexcept;
  bool check_mac_only(const Packet& p, const IdentityTable& t, std::uint64_t now_ns, std::uint16_t proto) noexcept;
  // Counts and (rate-limited) reports a violation; true when the frame is to be dropped.
  bool violation(IdentityFinding f, const Packet& p, const IdentityTable& t, const IdentityBinding* b,
                 const Mac& seen_mac, const IpAddr& seen_ip, const Mac* expected_mac, std::uint64_t now_ns) noexcept;
  void discover(const Packet& p, const Mac& mac, const IpAddr& ip, std::uint16_t proto, std::uint64_t now_ns) noexcept;
  void service_contact(const Packet& p, const IdentityBinding& b, std::uint64_t now_ns) noexcept;
  void push(const IdentityObservation& o) noexcept;
  static IdentityObservation observation(IdentityFinding f, const Packet& p, const Mac& mac, const IpAddr& ip);

  const Snapshot<IdentityTable>& table_;
  IdentityStageConfig cfg_;
  ObservationTable seen_;
  SpscRing<IdentityObservation> ring_;
  IdentityStats stats_{};
  bool drop_[kMaxBurst] = {};
};

}  // namespace fg::dp

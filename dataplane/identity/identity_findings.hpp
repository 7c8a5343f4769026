// What the identity stage tells the control plane: a violation of a binding, a new device
// (asset discovery) or a device contacting the identity service, with expected and seen
// values. Fixed size: workers push them into an SPSC ring without allocating.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "dataplane/decode/packet_meta.hpp"
#include "dataplane/identity/identity_table.hpp"

namespace fg::dp {

enum class IdentityFinding : std::uint8_t {
  SpoofedIp,       // a bound IP from a MAC other than its binding (or its lease)
  UnknownDevice,   // neither the MAC nor the IP is in the inventory
  UnknownIp,       // a known MAC with an address not bound to it
  WrongVlan,       // a known device on a VLAN other than its binding
  ArpPoison,       // an ARP message claiming a bound IP for another MAC
  NotAdmitted,     // a certificate device without a live lease, beyond the identity service
  NewDevice,       // discovery: a device not in the inventory, with what it did so far
  ServiceContact,  // a frame towards the identity service: its MAC for the admission
  kCount,
};

constexpr std::string_view finding_name(IdentityFinding f) noexcept {
  switch (f) {
    case IdentityFinding::SpoofedIp: return "identity.spoofed_ip";
    case IdentityFinding::UnknownDevice: return "identity.unknown_device";
    case IdentityFinding::UnknownIp: return "identity.unknown_ip";
    case IdentityFinding::WrongVlan: return "identity.wrong_vlan";
    case IdentityFinding::ArpPoison: return "identity.arp_poison";
    case IdentityFinding::NotAdmitted: return "identity.not_admitted";
    case IdentityFinding::NewDevice: return "identity.new_device";
    case IdentityFinding::ServiceContact: return "identity.service_contact";
    case IdentityFinding::kCount: break;
  }
  return "identity.unknown";
}

// Protocols seen from a device (bits of IdentityObservation::protocols).
enum : std::uint16_t {
  kSeenArp = 1u << 0, kSeenIcmp = 1u << 1, kSeenTcp = 1u << 2, kSeenUdp = 1u << 3,
  kSeenModbus = 1u << 4, kSeenS7comm = 1u << 5, kSeenOpcua = 1u << 6, kSeenDnp3 = 1u << 7,
  kSeenOtherL2 = 1u << 8, kSeenIpv6 = 1u << 9,
};

struct IdentityObservation {
  static constexpr int kMaxPeers = 4;
  IdentityFinding finding = IdentityFinding::UnknownDevice;
  bool dropped = false;                // enforce mode dropped the frame
  std::uint8_t port = 0;               // input port index
  std::uint8_t peer_count = 0;
  std::uint16_t vlan = 0;              // seen
  std::uint16_t expected_vlan = 0;
  bool has_expected_mac = false;
  bool has_expected_ip = false;
  bool has_expected_vlan = false;
  std::uint16_t protocols = 0;         // kSeen* bits so far (NewDevice)
  std::uint64_t ts_ns = 0;             // packet time
  Mac mac{};                           // seen
  Mac expected_mac{};
  IpAddr ip{};                         // seen source address (ARP: sender address)
  IpAddr expected_ip{};
  std::array<char, IdentityBinding::kMaxId> device{};  // the binding involved, "" if none
  std::array<IpAddr, kMaxPeers> peers{};               // destinations seen (NewDevice)
};

struct IdentityStats {
  std::uint64_t checked = 0;
  std::array<std::uint64_t, static_cast<int>(IdentityFinding::kCount)> findings{};
  std::uint64_t dropped = 0;
  std::uint64_t reports_lost = 0;      // ring full
  std::uint64_t observations_evicted = 0;
};

}  // namespace fg::dp

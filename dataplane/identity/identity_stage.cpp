#include "dataplane/identity/identity_stage.hpp"

#include <algorithm>

namespace fg::dp {

namespace {

constexpr std::uint16_t protocol_bits(const PacketMeta& m) noexcept {
  std::uint16_t bits = m.l3 == L3::Ipv6 ? kSeenIpv6 : 0;
  switch (m.l4) {
    case L4::Tcp: bits |= kSeenTcp; break;
    case L4::Udp: bits |= kSeenUdp; break;
    case L4::Icmp:
    case L4::Icmpv6: bits |= kSeenIcmp; break;
    default: break;
  }
  if (m.l4 == L4::Tcp || m.l4 == L4::Udp) {
    // The device may be client or server: either port names the protocol.
    for (std::uint16_t port : {m.dport, m.sport}) {
      if (port == 502) bits |= kSeenModbus;
      else if (port == 102) bits |= kSeenS7comm;
      else if (port == 4840) bits |= kSeenOpcua;
      else if (port == 20000) bits |= kSeenDnp3;
    }
  }
  return bits;
}

constexpr std::uint32_t seconds(std::uint64_t now_ns) noexcept {
  return static_cast<std::uint32_t>(now_ns / 1'000'000'000ull) + 1;  // 0 means "never"
}

IpAddr v4_mapped(const std::uint8_t* a) noexcept {
  IpAddr ip{};
  ip.bytes[10] = ip.bytes[11] = 0xff;
  std::copy(a, a + 4, ip.bytes.begin() + 12);
  return ip;
}

}  // namespace

IdentityStage::IdentityStage(const Snapshot<IdentityTable>& table, const IdentityStageConfig& cfg)
    : table_(table), cfg_(cfg), seen_(cfg.observations), ring_(cfg.ring) {}

void IdentityStage::run(Packet* const* pkts, std::uint16_t n, std::uint64_t now_ns) noexcept {
  const IdentityTable* t = table_.get();  // one load per burst; quiescent only between bursts
  if (t == nullptr) {
    std::fill(drop_, drop_ + n, false);
    return;
  }
  const IdentityTable::IpIndex index = t->ip_index();  // in registers across the slow-path calls
  const std::uint64_t south = cfg_.south_ports;
  std::uint64_t checked = 0, dropped = 0;
  for (std::uint16_t i = 0; i < n; ++i) {
    const Packet& p = *pkts[i];
    const PacketMeta& m = p.meta;
    bool drop = false;
    // North ports are not judged; undecodable frames follow the malformed policy; only
    // Ethernet carries the MACs bound.
    if (p.in_port < 64 && ((south >> p.in_port) & 1u) && m.error == DecodeError::None &&
        p.link == LinkType::Ethernet) [[likely]] {
      ++checked;
      if (m.l3 == L3::Ipv4 || m.l3 == L3::Ipv6) [[likely]] {
        // The common case inline: a bound address from its MAC (and VLAN), no lease needed.
        const IdentityTable::IpSlot* s = index.find(m.src);
        if (s == nullptr || ((IdentityTable::frame_key(m) ^ s->fast_key) & s->fast_mask) != 0) [[unlikely]]
          drop = check_ip(p, *t, now_ns);
      } else if (m.l3 == L3::Arp) {
        drop = check_arp(p, *t, now_ns);
      } else {
        drop = check_mac_only(p, *t, now_ns, kSeenOtherL2);
      }
      dropped += drop;
    }
    drop_[i] = drop;
  }
  stats_.checked += checked;
  stats_.dropped += dropped;
}

bool IdentityStage::check_ip(const Packet& p, const IdentityTable& t, std::uint64_t now_ns) noexcept {
  const PacketMeta& m = p.meta;
  const Mac& mac = m.src_mac;
  const std::uint64_t key = mac_key(mac);
  const IdentityTable::IpSlot* s = t.find_ip_slot(m.src);
  if (s == nullptr) [[unlikely]] {
    const IdentityBinding* bm = t.find_mac(key);
    if (bm == nullptr) {
      discover(p, mac, m.src, protocol_bits(m), now_ns);
      return violation(IdentityFinding::UnknownDevice, p, t, nullptr, mac, m.src, nullptr, now_ns);
    }
    if (bm->kind == BindingKind::None) return false;
    return violation(IdentityFinding::UnknownIp, p, t, bm, mac, m.src, nullptr, now_ns);
  }
  const IdentityBinding& b = t.binding(*s);
  switch (s->kind) {
    case BindingKind::None: break;
    case BindingKind::Static:
      if (b.has_mac && key != mac_key(b.mac)) return violation(IdentityFinding::SpoofedIp, p, t, &b, mac, m.src, &b.mac, now_ns);
      break;
    case BindingKind::Certificate: {
      const bool leased = s->lease_expires_ns > now_ns;
      if (leased && key != s->lease_mac)
        return violation(IdentityFinding::SpoofedIp, p, t, &b, mac, m.src, &b.lease_mac, now_ns);
      const bool to_service = t.is_service(m);
      if (!leased) {
        if (b.has_mac && key != mac_key(b.mac)) return violation(IdentityFinding::SpoofedIp, p, t, &b, mac, m.src, &b.mac, now_ns);
        // Before admission a certificate device may only talk to the identity service.
        if (!to_service) return violation(IdentityFinding::NotAdmitted, p, t, &b, mac, m.src, nullptr, now_ns);
      }
      if (to_service) service_contact(p, b, now_ns);
      break;
    }
  }
  if (b.kind != BindingKind::None && b.has_vlan && m.vlan_outer != b.vlan)
    return violation(IdentityFinding::WrongVlan, p, t, &b, mac, m.src, nullptr, now_ns);
  return false;
}

bool IdentityStage::check_arp(const Packet& p, const IdentityTable& t, std::uint64_t now_ns) noexcept {
  const PacketMeta& m = p.meta;
  // Ethernet/IPv4 ARP (RFC 826): htype 1, ptype 0x0800, hlen 6, plen 4, then op, sender
  // hardware and protocol address. Anything else is judged by its source MAC only.
  const std::uint8_t* a = p.data + m.l3_offset;
  if (std::uint32_t{m.l3_offset} + 28 > p.len || a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0 || a[4] != 6 ||
      a[5] != 4)
    return check_mac_only(p, t, now_ns, kSeenArp);
  Mac sender;
  std::copy(a + 8, a + 14, sender.begin());
  const IpAddr ip = v4_mapped(a + 14);
  if (a[14] == 0 && a[15] == 0 && a[16] == 0 && a[17] == 0) return check_mac_only(p, t, now_ns, kSeenArp);  // probe
  const IdentityBinding* b = t.find_ip(ip);
  if (b == nullptr) {
    if (t.find_mac(mac_key(sender)) != nullptr || t.find_mac(mac_key(m.src_mac)) != nullptr) {
      const IdentityBinding* bm = t.find_mac(mac_key(sender));
      if (bm != nullptr && bm->kind == BindingKind::None) return false;
      return violation(IdentityFinding::UnknownIp, p, t, bm, sender, ip, nullptr, now_ns);
    }
    discover(p, sender, ip, kSeenArp, now_ns);
    return violation(IdentityFinding::UnknownDevice, p, t, nullptr, sender, ip, nullptr, now_ns);
  }
  const Mac* expected = nullptr;
  if (b->kind == BindingKind::Certificate && b->lease_expires_ns > now_ns) expected = &b->lease_mac;
  else if (b->kind != BindingKind::None && b->has_mac) expected = &b->mac;
  // The sender address claims the binding; the Ethernet source must agree with it too.
  if (expected != nullptr && (sender != *expected || m.src_mac != *expected))
    return violation(IdentityFinding::ArpPoison, p, t, b, sender != *expected ? sender : m.src_mac, ip, expected, now_ns);
  return false;
}

bool IdentityStage::check_mac_only(const Packet& p, const IdentityTable& t, std::uint64_t now_ns,
                                   std::uint16_t proto) noexcept {
  const Mac& mac = p.meta.src_mac;
  if (t.find_mac(mac_key(mac)) != nullptr) return false;
  const IpAddr none{};
  discover(p, mac, none, proto, now_ns);
  return violation(IdentityFinding::UnknownDevice, p, t, nullptr, mac, none, nullptr, now_ns);
}

IdentityObservation IdentityStage::observation(IdentityFinding f, const Packet& p, const Mac& mac, const IpAddr& ip) {
  IdentityObservation o;
  o.finding = f;
  o.port = static_cast<std::uint8_t>(p.in_port);
  o.vlan = p.meta.vlan_outer;
  o.ts_ns = p.ts_ns;
  o.mac = mac;
  o.ip = ip;
  return o;
}

void IdentityStage::push(const IdentityObservation& o) noexcept {
  if (!ring_.push(o)) ++stats_.reports_lost;
}

bool IdentityStage::violation(IdentityFinding f, const Packet& p, const IdentityTable& t, const IdentityBinding* b,
                              const Mac& seen_mac, const IpAddr& seen_ip, const Mac* expected_mac,
                              std::uint64_t now_ns) noexcept {
  ++stats_.findings[static_cast<int>(f)];
  const bool drop = t.mode == IdentityMode::Enforce;
  const std::uint32_t now_s = seconds(now_ns);
  bool evicted = false;
  ObservationTable::Entry& e = seen_.get(mac_key(seen_mac), seen_ip, p.meta.vlan_outer, now_s, evicted);
  stats_.observations_evicted += evicted;
  std::uint32_t& last = e.reported_s[static_cast<int>(f)];
  if (last != 0 && now_s - last < cfg_.report_interval_s) return drop;
  last = now_s;
  IdentityObservation o = observation(f, p, seen_mac, seen_ip);
  o.dropped = drop;
  if (b != nullptr) {
    o.device = b->id;
    o.has_expected_vlan = b->has_vlan;
    o.expected_vlan = b->vlan;
    o.has_expected_ip = b->has_ip;
    o.expected_ip = b->first_ip;
    if (expected_mac == nullptr && b->has_mac) expected_mac = &b->mac;
  }
  if (expected_mac != nullptr) {
    o.has_expected_mac = true;
    o.expected_mac = *expected_mac;
  }
  push(o);
  return drop;
}

void IdentityStage::discover(const Packet& p, const Mac& mac, const IpAddr& ip, std::uint16_t proto,
                             std::uint64_t now_ns) noexcept {
  bool evicted = false;
  ObservationTable::Entry& e = seen_.get(mac_key(mac), ip, p.meta.vlan_outer, seconds(now_ns), evicted);
  stats_.observations_evicted += evicted;
  bool changed = e.reported_s[static_cast<int>(IdentityFinding::NewDevice)] == 0;
  if ((e.protocols | proto) != e.protocols) {
    e.protocols |= proto;
    changed = true;
  }
  const PacketMeta& m = p.meta;
  if ((m.l3 == L3::Ipv4 || m.l3 == L3::Ipv6) && e.peer_count < IdentityObservation::kMaxPeers) {
    bool known = false;
    for (int i = 0; i < e.peer_count; ++i) known |= e.peers[i] == m.dst;
    if (!known) {
      e.peers[e.peer_count++] = m.dst;
      changed = true;
    }
  }
  if (!changed) return;
  e.reported_s[static_cast<int>(IdentityFinding::NewDevice)] = seconds(now_ns);
  ++stats_.findings[static_cast<int>(IdentityFinding::NewDevice)];
  IdentityObservation o = observation(IdentityFinding::NewDevice, p, mac, ip);
  o.protocols = e.protocols;
  o.peer_count = e.peer_count;
  o.peers = e.peers;
  push(o);
}

void IdentityStage::service_contact(const Packet& p, const IdentityBinding& b, std::uint64_t now_ns) noexcept {
  // Once a second per endpoint: the identity service takes the MAC of an admission from
  // the latest contact of the connecting address.
  bool evicted = false;
  const std::uint32_t now_s = seconds(now_ns);
  ObservationTable::Entry& e = seen_.get(mac_key(p.meta.src_mac), p.meta.src, p.meta.vlan_outer, now_s, evicted);
  stats_.observations_evicted += evicted;
  std::uint32_t& last = e.reported_s[static_cast<int>(IdentityFinding::ServiceContact)];
  if (last == now_s) return;
  last = now_s;
  ++stats_.findings[static_cast<int>(IdentityFinding::ServiceContact)];
  IdentityObservation o = observation(IdentityFinding::ServiceContact, p, p.meta.src_mac, p.meta.src);
  o.device = b.id;
  push(o);
}

}  // namespace fg::dp

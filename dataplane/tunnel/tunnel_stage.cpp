#include "dataplane/tunnel/tunnel_stage.hpp"

#include <cstring>

#include "crypto/esp/esp_codec.hpp"
#include "dataplane/tunnel/tunnel.hpp"

namespace fg::dp {

namespace {

constexpr std::uint32_t kEthBytes = 14;
constexpr std::uint32_t kOuterIpBytes = 20;
constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherArp = 0x0806;
constexpr std::uint8_t kProtoEsp = 50;
constexpr std::uint64_t kArpRetryNs = 100'000'000ull;  // at most 10 ARP requests a second per worker

std::uint16_t be16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
void put16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) noexcept {
  put16(p, static_cast<std::uint16_t>(v >> 16));
  put16(p + 2, static_cast<std::uint16_t>(v));
}
void put_mac(std::uint8_t* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 6; ++i) p[i] = static_cast<std::uint8_t>(v >> (40 - 8 * i));
}

std::uint16_t ipv4_checksum(const std::uint8_t* h) noexcept {
  std::uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += be16(h + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// Bytes of link header an outer IPv4 packet gets on `link`; -1 where we cannot frame one.
// Ethernet is what ports carry; the others occur in capture files replayed offline.
int outer_link_bytes(LinkType link) noexcept {
  switch (link) {
    case LinkType::Ethernet: return 14;
    case LinkType::Null:
    case LinkType::Loop: return 4;
    case LinkType::RawIp:
    case LinkType::Ipv4: return 0;
    default: return -1;
  }
}

// Length of the IP datagram at `ip` from its own header (decode checked it lies in the frame).
std::uint32_t ip_length(const std::uint8_t* ip) noexcept {
  return (ip[0] >> 4) == 4 ? be16(ip + 2) : 40u + be16(ip + 4);
}

}  // namespace

void TunnelStage::SaTally::add(SaState* s, std::uint64_t b) noexcept {
  if (s != sa) {
    flush();
    sa = s;
  }
  ++packets;
  bytes += b;
}

void TunnelStage::SaTally::flush() noexcept {
  if (sa != nullptr && packets != 0) {
    sa->packets.fetch_add(packets, std::memory_order_relaxed);  // relaxed: counters for display
    sa->bytes.fetch_add(bytes, std::memory_order_relaxed);
  }
  packets = bytes = 0;
}

void TunnelStage::drop(Packet& p, TunnelDrop why) noexcept {
  ++c_.drops[static_cast<int>(why)];
  p.verdict = Action::Drop;
  p.reason = DropReason::Tunnel;
}

void TunnelStage::drop(Packet& p, SaState& sa, int why) noexcept {
  sa.drops[why].fetch_add(1, std::memory_order_relaxed);
  p.verdict = Action::Drop;
  p.reason = DropReason::Tunnel;
}

std::uint16_t TunnelStage::before(Packet* const* pkts, std::uint16_t n, Packet** inspect, std::uint64_t) noexcept {
  const SaTable* table = tunnel_.table();  // one load per burst; valid until our next quiescent state
  const TunnelSettings& s = tunnel_.settings();
  SaTally tally;
  std::uint16_t k = 0;
  for (std::uint16_t i = 0; i < n; ++i) {
    Packet& p = *pkts[i];
    p.reflect = false;
    p.protect = false;
    mark_[i] = kPass;
    if (p.link == LinkType::Ethernet && p.len >= kEthBytes) {
      std::uint32_t off = kEthBytes;
      std::uint16_t type = be16(p.data + 12);
      if ((type == 0x8100 || type == 0x88a8) && p.len >= kEthBytes + 4) {
        type = be16(p.data + 16);
        off += 4;
      }
      if (type == kEtherArp) {
        if (arp(p, off)) {
          mark_[i] = kConsumed;
          continue;
        }
      } else if (type == kEtherIpv4 && p.len >= off + 20) {
        const std::uint8_t* ip = p.data + off;
        if ((ip[0] >> 4) == 4 && ip[9] == kProtoEsp && be32(ip + 16) == s.local_ip) {
          p.verdict = Action::Allow;
          p.reason = DropReason::None;
          decapsulate(p, off, *table, tally);
          if (!p.forwarded()) {
            mark_[i] = kConsumed;
            continue;
          }
          mark_[i] = kDecapsulated;
        }
      }
    }
    inspect[k++] = &p;
  }
  tally.flush();
  return k;
}

bool TunnelStage::arp(Packet& p, std::uint32_t off) noexcept {
  if (p.len < off + 28) return false;
  std::uint8_t* a = p.data + off;
  if (be16(a) != 1 || be16(a + 2) != kEtherIpv4 || a[4] != 6 || a[5] != 4) return false;
  const TunnelSettings& s = tunnel_.settings();
  const std::uint16_t op = be16(a + 6);
  const std::uint32_t spa = be32(a + 14);
  const std::uint32_t tpa = be32(a + 24);
  if (spa == s.next_hop_ip && spa != 0 && !s.next_hop_mac) tunnel_.learn_next_hop(a + 8);
  if (tpa != s.local_ip) return false;  // not about us: bridged like any frame
  p.verdict = Action::Allow;
  p.reason = DropReason::None;
  if (op != 1) {
    // A reply to our request (or a gratuitous one) ends here: the field has no use for it.
    p.verdict = Action::Drop;
    p.reason = DropReason::Tunnel;
    return true;
  }
  // Answer in place and send it back out of the port it came in on.
  std::uint8_t sha[6];
  std::memcpy(sha, a + 8, 6);
  std::memcpy(p.data, sha, 6);
  std::memcpy(p.data + 6, s.local_mac.data(), 6);
  put16(a + 6, 2);
  std::memcpy(a + 18, sha, 6);
  put32(a + 24, spa);
  std::memcpy(a + 8, s.local_mac.data(), 6);
  put32(a + 14, s.local_ip);
  p.reflect = true;
  ++c_.arp_replies;
  return true;
}

void TunnelStage::decapsulate(Packet& p, std::uint32_t off, const SaTable& table, SaTally& tally) noexcept {
  std::uint8_t* ip = p.data + off;
  const std::uint32_t ihl = (ip[0] & 15u) * 4u;
  const std::uint32_t total = be16(ip + 2);
  if (ihl < 20 || total < ihl || off + total > p.len || (be16(ip + 6) & 0x3fff) != 0) {
    // Outer fragments are not reassembled: the MTU setting keeps our own packets whole.
    drop(p, TunnelDrop::Malformed);
    return;
  }
  std::uint8_t* esp_hdr = ip + ihl;
  const std::uint32_t esp_len = total - ihl;
  esp::Header h;
  if (!esp::parse_header(esp_hdr, esp_len, h)) {
    drop(p, TunnelDrop::Malformed);
    return;
  }
  SaState* sa = table.inbound(h.spi);
  if (sa == nullptr) {
    drop(p, TunnelDrop::BadSpi);
    return;
  }
  const std::uint64_t seq = sa->window.infer(h.seq_low, sa->esn);
  switch (sa->window.check(seq)) {
    case esp::ReplayWindow::Check::Ok: break;
    case esp::ReplayWindow::Check::Replay: drop(p, *sa, static_cast<int>(SaDrop::Replay)); return;
    case esp::ReplayWindow::Check::OutOfWindow: drop(p, *sa, static_cast<int>(SaDrop::OutOfWindow)); return;
  }
  // With ESN a number below the window is guessed to belong to the next 2^32 subspace (RFC 4303
  // A2.2); if it fails there, a copy is tried in the current subspace so that a stale packet
  // is counted as what it is (out of window or replay), not as a forgery. Rare, so a copy.
  const bool guessed_ahead = sa->esn && (seq >> 32) > (sa->window.top() >> 32) && sa->window.top() != 0;
  const bool can_retry = guessed_ahead && esp_len <= scratch_.size();
  if (can_retry) std::memcpy(scratch_.data(), esp_hdr, esp_len);
  const esp::Opened o = esp::open(sa->gcm[worker_], sa->salt, sa->esn, seq, esp_hdr, esp_len);
  switch (o.status) {
    case esp::OpenStatus::Ok: break;
    case esp::OpenStatus::Auth:
      if (can_retry) {
        const std::uint64_t alt = seq - (std::uint64_t{1} << 32);
        const auto verdict = sa->window.check(alt);
        if (verdict != esp::ReplayWindow::Check::Ok &&
            esp::open(sa->gcm[worker_], sa->salt, true, alt, scratch_.data(), esp_len).status != esp::OpenStatus::Auth) {
          drop(p, *sa, static_cast<int>(verdict == esp::ReplayWindow::Check::Replay ? SaDrop::Replay : SaDrop::OutOfWindow));
          return;
        }
      }
      drop(p, *sa, static_cast<int>(SaDrop::Auth));
      return;
    case esp::OpenStatus::BadPadding:
      sa->window.accept(seq);  // authentic, so the number is used up even though we discard it
      drop(p, *sa, static_cast<int>(SaDrop::BadPadding));
      return;
    case esp::OpenStatus::Malformed: drop(p, TunnelDrop::Malformed); return;
  }
  // Only an authenticated packet moves the window (RFC 4303 §3.4.3).
  sa->window.accept(seq);
  std::uint8_t* inner = esp_hdr + esp::kPrefixBytes;
  std::uint16_t type;
  if (o.next_header == esp::kNextIpv4) type = kEtherIpv4;
  else if (o.next_header == esp::kNextIpv6) type = kEtherIpv6;
  else if (o.next_header == esp::kNextNone) return drop(p, TunnelDrop::Dummy);
  else return drop(p, *sa, static_cast<int>(SaDrop::BadNextHeader));

  const std::uint32_t min_hdr = type == kEtherIpv4 ? 20u : 40u;
  if (o.payload_len < min_hdr || (inner[0] >> 4) != (type == kEtherIpv4 ? 4 : 6)) return drop(p, TunnelDrop::Malformed);
  const std::uint32_t inner_len = ip_length(inner);
  // Longer payloads are allowed: traffic flow confidentiality padding (RFC 4303 §2.7).
  if (inner_len < min_hdr || inner_len > o.payload_len) return drop(p, TunnelDrop::Malformed);

  const TunnelSettings& s = tunnel_.settings();
  std::uint8_t* eth = inner - kEthBytes;
  bool known = false;
  if (type == kEtherIpv4) known = tunnel_.hosts().find(be32(inner + 16), eth);
  if (!known) {
    if (!s.south_mac) return drop(p, TunnelDrop::NoInnerMac);
    std::memcpy(eth, s.south_mac->data(), 6);
  }
  std::memcpy(eth + 6, s.local_mac.data(), 6);
  put16(eth + 12, type);
  std::uint8_t* const buf_start = p.data - p.headroom;
  std::uint8_t* const buf_end = p.data + p.len + p.tailroom;
  p.data = eth;
  p.len = kEthBytes + inner_len;
  p.headroom = static_cast<std::uint16_t>(p.data - buf_start);
  p.tailroom = static_cast<std::uint32_t>(buf_end - (p.data + p.len));
  ++c_.decapsulated;
  c_.decapsulated_bytes += inner_len;
  tally.add(sa, inner_len);
}

bool TunnelStage::make_arp_request(Packet& p) noexcept {
  constexpr std::uint32_t kFrame = 60;  // 42 bytes of ARP padded to the Ethernet minimum
  if (p.len + p.tailroom < kFrame) return false;
  const TunnelSettings& s = tunnel_.settings();
  std::uint8_t* f = p.data;
  std::memset(f, 0, kFrame);
  std::memset(f, 0xff, 6);
  std::memcpy(f + 6, s.local_mac.data(), 6);
  put16(f + 12, kEtherArp);
  std::uint8_t* a = f + kEthBytes;
  put16(a, 1);
  put16(a + 2, kEtherIpv4);
  a[4] = 6;
  a[5] = 4;
  put16(a + 6, 1);
  std::memcpy(a + 8, s.local_mac.data(), 6);
  put32(a + 14, s.local_ip);
  put32(a + 24, s.next_hop_ip);
  const std::uint32_t end_room = p.len + p.tailroom;
  p.len = kFrame;
  p.tailroom = end_room - kFrame;
  return true;
}

void TunnelStage::after(Packet* const* pkts, std::uint16_t n, std::uint64_t now_ns) noexcept {
  const TunnelSettings& s = tunnel_.settings();
  std::uint16_t m = 0;
  for (std::uint16_t i = 0; i < n; ++i) {
    Packet& p = *pkts[i];
    if (mark_[i] != kPass || !p.forwarded()) continue;
    const PacketMeta& meta = p.meta;
    if (meta.error != DecodeError::None || (meta.l3 != L3::Ipv4 && meta.l3 != L3::Ipv6)) continue;
    if (p.in_port >= 64 || !((s.south_ports >> p.in_port) & 1u)) {
      // From the north in the clear: traffic the selectors protect must come through the tunnel
      // (RFC 4301 §5.2 inbound policy check), or anyone on the platform's network could inject it.
      for (const auto& sel : s.selectors) {
        if (sel.matches_reply(meta)) {
          drop(p, TunnelDrop::Unprotected);
          break;
        }
      }
      continue;
    }
    bool protect = p.protect;
    for (std::size_t j = 0; !protect && j < s.selectors.size(); ++j) protect = s.selectors[j].matches(meta);
    if (!protect) continue;
    if (outer_link_bytes(p.link) < 0) {
      drop(p, TunnelDrop::NotEthernet);  // protected traffic never leaves in the clear
      continue;
    }
    todo_[m++] = i;
  }
  if (m == 0) return;

  const SaTable* table = tunnel_.table();
  SaState* sa = table->out.get();
  if (sa == nullptr) {
    for (std::uint16_t j = 0; j < m; ++j) drop(*pkts[todo_[j]], TunnelDrop::NoSa);
    return;
  }
  const std::uint64_t nh = tunnel_.next_hop_mac();
  if ((nh >> 48) == 0) {
    // Unresolved: the first packet becomes the ARP request (rate-limited); the rest are lost,
    // as a host's IP stack loses what overflows its ARP queue.
    std::uint16_t j = 0;
    if (arp_sent_ns_ == 0 || now_ns - arp_sent_ns_ >= kArpRetryNs || now_ns < arp_sent_ns_) {
      Packet& p = *pkts[todo_[0]];
      if (make_arp_request(p)) {
        arp_sent_ns_ = now_ns == 0 ? 1 : now_ns;
        ++c_.arp_requests;
        ++c_.drops[static_cast<int>(TunnelDrop::NoNextHop)];
        j = 1;
      }
    }
    for (; j < m; ++j) drop(*pkts[todo_[j]], TunnelDrop::NoNextHop);
    return;
  }
  // One atomic add reserves this burst's sequence numbers: unique across workers.
  const std::uint64_t base = sa->seq.fetch_add(m, std::memory_order_relaxed);  // relaxed: uniqueness only
  const std::uint64_t limit = sa->esn ? ~std::uint64_t{0} : 0xffffffffull;  // never wrap (RFC 4303 §3.3.3)
  SaTally tally;
  for (std::uint16_t j = 0; j < m; ++j) {
    Packet& p = *pkts[todo_[j]];
    const std::uint64_t seq = base + 1 + j;
    if (seq > limit || seq < base) {
      drop(p, *sa, static_cast<int>(SaDrop::SeqExhausted));
      continue;
    }
    if (j + 1 < m) __builtin_prefetch(pkts[todo_[j + 1]]->data + pkts[todo_[j + 1]]->meta.l3_offset);
    encapsulate(p, *sa, seq, nh, tally);
  }
  tally.flush();
}

void TunnelStage::encapsulate(Packet& p, SaState& sa, std::uint64_t seq, std::uint64_t nh, SaTally& tally) noexcept {
  const TunnelSettings& s = tunnel_.settings();
  const PacketMeta& m = p.meta;
  std::uint8_t* inner = p.data + m.l3_offset;
  const std::uint32_t inner_len = ip_length(inner);
  const bool v4 = m.l3 == L3::Ipv4;
  const std::uint32_t trailer = esp::trailer_bytes(inner_len);
  const std::uint32_t outer_ip_len = kOuterIpBytes + static_cast<std::uint32_t>(esp::kPrefixBytes) + inner_len + trailer;
  if (outer_ip_len > s.mtu) return drop(p, TunnelDrop::TooBig);
  std::uint8_t* const buf_start = p.data - p.headroom;
  std::uint8_t* const buf_end = p.data + p.len + p.tailroom;
  std::uint8_t* esp_hdr = inner - esp::kPrefixBytes;
  std::uint8_t* outer_ip = esp_hdr - kOuterIpBytes;
  const int link_len = outer_link_bytes(p.link);
  std::uint8_t* eth = outer_ip - link_len;
  if (eth < buf_start || inner + inner_len + trailer > buf_end) return drop(p, TunnelDrop::NoRoom);
  // The original link header, read before the outer headers overwrite it.
  const std::uint8_t null_first = p.data[0];

  // Replies come back through the tunnel: remember which MAC this field host has.
  if (v4 && p.link == LinkType::Ethernet) tunnel_.hosts().learn(be32(inner + 12), m.src_mac.data());
  // DSCP and ECN carried outward (RFC 4301 §5.1.2.1, RFC 6040 normal mode).
  const std::uint8_t tos = v4 ? inner[1] : static_cast<std::uint8_t>((be16(inner) >> 4) & 0xff);

  esp::SealParams sp;
  sp.spi = sa.spi;
  sp.seq = seq;
  sp.esn = sa.esn;
  sp.salt = sa.salt;
  sp.next_header = v4 ? esp::kNextIpv4 : esp::kNextIpv6;
  const std::uint32_t esp_len = esp::seal(sa.gcm[worker_], sp, esp_hdr, inner_len);
  if (esp_len == 0) return drop(p, sa, static_cast<int>(SaDrop::Auth));

  outer_ip[0] = 0x45;
  outer_ip[1] = tos;
  put16(outer_ip + 2, static_cast<std::uint16_t>(kOuterIpBytes + esp_len));
  put16(outer_ip + 4, 0);       // ID 0 with DF: an atomic datagram (RFC 6864)
  put16(outer_ip + 6, 0x4000);  // DF: we never send fragments, the MTU check keeps us whole
  outer_ip[8] = 64;
  outer_ip[9] = kProtoEsp;
  put16(outer_ip + 10, 0);
  put32(outer_ip + 12, s.local_ip);
  put32(outer_ip + 16, s.remote_ip);
  put16(outer_ip + 10, ipv4_checksum(outer_ip));
  if (p.link == LinkType::Ethernet) {
    put_mac(eth, nh);
    std::memcpy(eth + 6, s.local_mac.data(), 6);
    put16(eth + 12, kEtherIpv4);
  } else if (p.link == LinkType::Loop || p.link == LinkType::Null) {
    // AF_INET (2): network order for LOOP; for NULL the capturing host's order, which the
    // original header shows (a non-zero first byte means little-endian).
    const bool little = p.link == LinkType::Null && null_first != 0;
    const std::uint8_t af[4] = {static_cast<std::uint8_t>(little ? 2 : 0), 0, 0, static_cast<std::uint8_t>(little ? 0 : 2)};
    std::memcpy(eth, af, 4);
  }

  p.data = eth;
  p.len = static_cast<std::uint32_t>(link_len) + kOuterIpBytes + esp_len;
  p.headroom = static_cast<std::uint16_t>(p.data - buf_start);
  p.tailroom = static_cast<std::uint32_t>(buf_end - (p.data + p.len));
  ++c_.encapsulated;
  c_.encapsulated_bytes += inner_len;
  tally.add(&sa, inner_len);
}

}  // namespace fg::dp

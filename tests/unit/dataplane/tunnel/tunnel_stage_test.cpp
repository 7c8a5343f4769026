// The tunnel stage end to end in memory: gateway A encapsulates field packets, peer B (the
// platform's side, same code with mirrored SAs) authenticates and decapsulates them; replay,
// tampering, unknown SPIs, stale numbers, rekeys and ARP.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "dataplane/decode/decode.hpp"
#include "dataplane/tunnel/tunnel.hpp"
#include "dataplane/tunnel/tunnel_stage.hpp"

using namespace fg::dp;
using fg::esp::Direction;
using fg::esp::SaSpec;

namespace {

constexpr std::uint32_t ip4(int a, int b, int c, int d) {
  return (static_cast<std::uint32_t>(a) << 24) | (static_cast<std::uint32_t>(b) << 16) | (static_cast<std::uint32_t>(c) << 8) |
         static_cast<std::uint32_t>(d);
}

SaSpec sa(std::uint32_t spi, Direction dir, std::uint8_t key_byte, bool esn = true) {
  SaSpec s;
  s.spi = spi;
  s.dir = dir;
  s.key.fill(key_byte);
  s.salt = {key_byte, 1, 2, 3};
  s.esn = esn;
  return s;
}

TunnelSettings settings(std::uint32_t local, std::uint32_t remote) {
  TunnelSettings s;
  s.local_ip = local;
  s.remote_ip = remote;
  s.next_hop_mac = Mac{0x02, 0, 0, 0, 0, 0x99};
  s.south_mac = Mac{0x02, 0, 0, 0, 0, 0x11};
  TunnelSelector any;
  s.selectors.push_back(any);
  return s;
}

// A buffer with head- and tailroom holding one Ethernet frame, like a backend's slot.
struct Frame {
  std::vector<std::uint8_t> buf = std::vector<std::uint8_t>(2048);
  Packet p;
  explicit Frame(const std::vector<std::uint8_t>& bytes, std::uint16_t port = 0) {
    std::memcpy(buf.data() + 128, bytes.data(), bytes.size());
    p.data = buf.data() + 128;
    p.len = static_cast<std::uint32_t>(bytes.size());
    p.headroom = 128;
    p.tailroom = static_cast<std::uint32_t>(buf.size() - 128 - bytes.size());
    p.in_port = port;
  }
  [[nodiscard]] std::vector<std::uint8_t> bytes() const { return {p.data, p.data + p.len}; }
};

// An Ethernet + IPv4 + UDP frame from 198.18.0.1 to 198.18.1.1 with `payload` bytes.
std::vector<std::uint8_t> udp_frame(std::size_t payload, std::uint8_t fill = 0x5a) {
  std::vector<std::uint8_t> f(14 + 20 + 8 + payload, fill);
  const std::uint8_t macs[12] = {2, 0, 0, 0, 0, 0x22, 2, 0, 0, 0, 0, 0x01};
  std::memcpy(f.data(), macs, 12);
  f[12] = 0x08; f[13] = 0x00;
  std::uint8_t* ip = f.data() + 14;
  const std::size_t tot = 20 + 8 + payload;
  const std::uint8_t h[20] = {0x45, 0, static_cast<std::uint8_t>(tot >> 8), static_cast<std::uint8_t>(tot), 0, 1, 0, 0, 64, 17, 0, 0,
                              198, 18, 0, 1, 198, 18, 1, 1};
  std::memcpy(ip, h, 20);
  std::uint8_t* u = ip + 20;
  u[0] = 0x30; u[1] = 0x39; u[2] = 0x01; u[3] = 0xf6;
  u[4] = static_cast<std::uint8_t>((8 + payload) >> 8); u[5] = static_cast<std::uint8_t>(8 + payload);
  u[6] = u[7] = 0;
  return f;
}

// Runs one packet through a stage as the pipeline would: before, decode + allow, after.
void run(TunnelStage& st, Packet& p) {
  Packet* burst[1] = {&p};
  Packet* inspect[1];
  p.verdict = Action::Allow;
  p.reason = DropReason::None;
  if (st.before(burst, 1, inspect, 1) == 1) {
    decode(p.data, p.len, LinkType::Ethernet, p.meta);
    p.verdict = Action::Allow;
    p.reason = DropReason::None;
  }
  st.after(burst, 1, 1);
}

struct Pair {
  RcuDomain rcu{1};
  Tunnel a{settings(ip4(198, 18, 0, 254), ip4(198, 18, 9, 1)), rcu, 1};
  Tunnel b{[] {
             TunnelSettings s = settings(ip4(198, 18, 9, 1), ip4(198, 18, 0, 254));
             s.selectors.clear();
             s.south_ports = 0;  // the peer only decapsulates in these tests
             return s;
           }(),
           rcu, 1};
  Pair(bool esn = true) {
    SaChange c;
    std::string err;
    REQUIRE(a.install({sa(0x1001, Direction::Out, 0xa1, esn), sa(0x2001, Direction::In, 0xb1, esn)}, "test", c, err));
    REQUIRE(b.install({sa(0x2001, Direction::Out, 0xb1, esn), sa(0x1001, Direction::In, 0xa1, esn)}, "test", c, err));
  }
  TunnelStage& sa_() { return *static_cast<TunnelStage*>(a.stage(0)); }
  TunnelStage& sb() { return *static_cast<TunnelStage*>(b.stage(0)); }
  // A's ESP frame for a fresh UDP packet.
  std::vector<std::uint8_t> encrypt(std::size_t payload, std::uint8_t fill = 0x5a) {
    Frame f(udp_frame(payload, fill));
    run(sa_(), f.p);
    REQUIRE(f.p.forwarded());
    return f.bytes();
  }
  // What B makes of an ESP frame: the decapsulated frame, or empty when dropped.
  std::vector<std::uint8_t> decrypt(const std::vector<std::uint8_t>& esp) {
    Frame f(esp, 1);
    run(sb(), f.p);
    return f.p.forwarded() ? f.bytes() : std::vector<std::uint8_t>{};
  }
  std::uint64_t b_in_drop(SaDrop d) { return b.table()->inbound(0x1001)->drops[static_cast<int>(d)].load(); }
};

}  // namespace

TEST_CASE("a field packet is encapsulated toward the peer and comes out of it unchanged") {
  Pair t;
  for (std::size_t n : {0u, 1u, 2u, 3u, 18u, 1000u}) {
    const auto inner = udp_frame(n, static_cast<std::uint8_t>(n));
    const auto esp = t.encrypt(n, static_cast<std::uint8_t>(n));
    // Outer IPv4 + ESP: 14 + 20 + 16 + inner IP + padding + 2 + 16.
    const std::size_t ip_len = inner.size() - 14;
    CHECK(esp.size() == 14 + 20 + 16 + ip_len + ((4 - (ip_len + 2) % 4) % 4) + 2 + 16);
    CHECK(esp[23] == 50);
    CHECK(std::vector<std::uint8_t>(esp.begin(), esp.begin() + 6) == std::vector<std::uint8_t>{2, 0, 0, 0, 0, 0x99});
    const auto out = t.decrypt(esp);
    REQUIRE(out.size() == inner.size());
    // The inner IP packet is bit for bit the original; the Ethernet header is rebuilt.
    CHECK(std::equal(out.begin() + 14, out.end(), inner.begin() + 14));
    CHECK(std::vector<std::uint8_t>(out.begin(), out.begin() + 6) == std::vector<std::uint8_t>{2, 0, 0, 0, 0, 0x11});
  }
  CHECK(t.a.totals().encapsulated == 6);
  CHECK(t.b.totals().decapsulated == 6);
  CHECK(t.b.table()->inbound(0x1001)->packets.load() == 6);
}

TEST_CASE("a replayed packet is dropped and counted as replay") {
  Pair t;
  const auto esp = t.encrypt(40);
  CHECK_FALSE(t.decrypt(esp).empty());
  CHECK(t.decrypt(esp).empty());
  CHECK(t.b_in_drop(SaDrop::Replay) == 1);
}

TEST_CASE("a packet with a tampered ICV or ciphertext is dropped and counted as auth") {
  Pair t;
  auto esp = t.encrypt(40);
  auto esp2 = t.encrypt(40);
  esp.back() ^= 0x01;        // ICV
  esp2[14 + 20 + 16] ^= 0x80;  // first ciphertext byte
  CHECK(t.decrypt(esp).empty());
  CHECK(t.decrypt(esp2).empty());
  CHECK(t.b_in_drop(SaDrop::Auth) == 2);
  // A forged packet does not move the window: the genuine ones still pass.
  CHECK(t.b.table()->inbound(0x1001)->window.top() == 0);
}

TEST_CASE("ESP for an unknown SPI is dropped and counted as bad_spi") {
  Pair t;
  auto esp = t.encrypt(40);
  esp[14 + 20 + 3] ^= 0x40;  // SPI 0x1001 -> 0x1041
  CHECK(t.decrypt(esp).empty());
  CHECK(t.b.totals().drops[static_cast<int>(TunnelDrop::BadSpi)] == 1);
}

TEST_CASE("a packet older than the 1024-packet window is dropped as out_of_window; one inside passes") {
  Pair t;
  std::vector<std::vector<std::uint8_t>> pkts;
  for (int i = 0; i < 1100; ++i) pkts.push_back(t.encrypt(8));
  CHECK_FALSE(t.decrypt(pkts[1099]).empty());  // seq 1100 first
  CHECK(t.decrypt(pkts[0]).empty());           // seq 1: 1099 behind
  CHECK(t.b_in_drop(SaDrop::OutOfWindow) == 1);
  CHECK_FALSE(t.decrypt(pkts[1099 - 1023]).empty());  // seq 77: the oldest inside
  CHECK(t.decrypt(pkts[1099 - 1024]).empty());
  CHECK(t.b_in_drop(SaDrop::OutOfWindow) == 2);
}

TEST_CASE("without ESN the 32-bit sequence number is authenticated and the peer agrees") {
  Pair t(false);
  const auto esp = t.encrypt(100);
  CHECK_FALSE(t.decrypt(esp).empty());
}

TEST_CASE("a rekey switches the outbound SA at once and keeps the old inbound SA for its grace period") {
  Pair t;
  const auto before = t.encrypt(20);  // under 0x1001
  SaChange c;
  std::string err;
  // B (the receiver) learns the new inbound SA first, then A switches its outbound one.
  REQUIRE(t.b.rekey({sa(0x1002, Direction::In, 0xa2)}, 1000, 5000, "test", c, err));
  REQUIRE(t.a.rekey({sa(0x1002, Direction::Out, 0xa2), sa(0x2002, Direction::In, 0xb2)}, 1000, 5000, "test", c, err));
  CHECK(c.old_out_spi == 0x1001);
  CHECK(c.out_spi == 0x1002);
  const auto after = t.encrypt(20);
  CHECK(after[14 + 20 + 3] == 0x02);  // new SPI on the wire
  CHECK_FALSE(t.decrypt(after).empty());
  CHECK_FALSE(t.decrypt(before).empty());  // in flight under the old SA: still accepted
  // The replaced outbound SA is still reported (retired) with its counters until the grace ends.
  CHECK(t.a.report_json().find("\"spi\":\"0x00001001\",\"direction\":\"out\",\"state\":\"retired\"") != std::string::npos);
  CHECK(t.a.table()->retired_out.size() == 1);
  CHECK(t.a.tick(6000).size() == 1);  // A's old inbound 0x2001
  CHECK(t.a.table()->retired_out.empty());
  CHECK(t.b.tick(5999).empty());
  CHECK(t.b.tick(6000) == std::vector<std::uint32_t>{0x1001});
  const auto late = before;
  CHECK(t.decrypt(late).empty());  // old SA gone after the grace period
  CHECK(t.b.totals().drops[static_cast<int>(TunnelDrop::BadSpi)] == 1);
  // Reusing the SPI in force is refused.
  CHECK_FALSE(t.a.rekey({sa(0x1002, Direction::Out, 0xa3)}, 1, 1, "test", c, err));
}

TEST_CASE("ARP for the tunnel address is answered back out of the port it came in on") {
  Pair t;
  std::vector<std::uint8_t> req(60, 0);
  const std::uint8_t hdr[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0x77, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1,
                                2, 0, 0, 0, 0, 0x77, 198, 18, 9, 1, 0, 0, 0, 0, 0, 0, 198, 18, 0, 254};
  std::memcpy(req.data(), hdr, sizeof hdr);
  Frame f(req, 1);
  run(t.sa_(), f.p);
  REQUIRE(f.p.forwarded());
  CHECK(f.p.reflect);
  const auto r = f.bytes();
  CHECK(r[21] == 2);  // reply
  CHECK(std::vector<std::uint8_t>(r.begin(), r.begin() + 6) == std::vector<std::uint8_t>{2, 0, 0, 0, 0, 0x77});
  CHECK(std::vector<std::uint8_t>(r.begin() + 28, r.begin() + 32) == std::vector<std::uint8_t>{198, 18, 0, 254});
  CHECK(t.a.totals().arp_replies == 1);
}

TEST_CASE("without the next hop's MAC the first protected packet becomes an ARP request") {
  RcuDomain rcu(1);
  TunnelSettings s = settings(ip4(198, 18, 0, 254), ip4(198, 18, 9, 1));
  s.next_hop_mac.reset();
  Tunnel a(s, rcu, 1);
  SaChange c;
  std::string err;
  REQUIRE(a.install({sa(0x1001, Direction::Out, 0xa1)}, "test", c, err));
  auto& st = *static_cast<TunnelStage*>(a.stage(0));
  Frame f(udp_frame(30));
  run(st, f.p);
  REQUIRE(f.p.forwarded());
  const auto r = f.bytes();
  CHECK(r.size() == 60);
  CHECK((r[12] == 0x08 && r[13] == 0x06));
  CHECK(std::vector<std::uint8_t>(r.begin() + 38, r.begin() + 42) == std::vector<std::uint8_t>{198, 18, 9, 1});
  // The reply teaches the MAC; the next packet is encapsulated.
  std::vector<std::uint8_t> rep(60, 0);
  const std::uint8_t hdr[42] = {2, 0x46, 0x47, 0, 0, 1, 2, 0, 0, 0, 0, 0x99, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2,
                                2, 0, 0, 0, 0, 0x99, 198, 18, 9, 1, 2, 0x46, 0x47, 0, 0, 1, 198, 18, 0, 254};
  std::memcpy(rep.data(), hdr, sizeof hdr);
  Frame g(rep, 1);
  run(st, g.p);
  CHECK_FALSE(g.p.forwarded());  // ours: not bridged to the field
  CHECK((a.next_hop_mac() >> 48) == 1);
  Frame h(udp_frame(30));
  run(st, h.p);
  REQUIRE(h.p.forwarded());
  CHECK(h.bytes()[23] == 50);
}

TEST_CASE("protected traffic never leaves in the clear: no SA, no room, too big") {
  RcuDomain rcu(1);
  TunnelSettings s = settings(ip4(198, 18, 0, 254), ip4(198, 18, 9, 1));
  s.mtu = 600;
  Tunnel a(s, rcu, 1);
  auto& st = *static_cast<TunnelStage*>(a.stage(0));
  Frame f(udp_frame(30));
  run(st, f.p);
  CHECK_FALSE(f.p.forwarded());
  CHECK(a.totals().drops[static_cast<int>(TunnelDrop::NoSa)] == 1);
  SaChange c;
  std::string err;
  REQUIRE(a.install({sa(0x1001, Direction::Out, 0xa1)}, "test", c, err));
  Frame big(udp_frame(560));
  run(st, big.p);
  CHECK_FALSE(big.p.forwarded());
  CHECK(a.totals().drops[static_cast<int>(TunnelDrop::TooBig)] == 1);
  Frame tight(udp_frame(30));
  tight.p.headroom = 0;
  run(st, tight.p);
  CHECK_FALSE(tight.p.forwarded());
  CHECK(a.totals().drops[static_cast<int>(TunnelDrop::NoRoom)] == 1);
}

TEST_CASE("SA sets are validated: reserved SPIs, duplicates, two outbound SAs") {
  RcuDomain rcu(1);
  Tunnel a(settings(1, 2), rcu, 1);
  SaChange c;
  std::string err;
  CHECK_FALSE(a.install({sa(255, Direction::Out, 1)}, "t", c, err));
  CHECK_FALSE(a.install({sa(0x300, Direction::In, 1), sa(0x300, Direction::In, 2)}, "t", c, err));
  CHECK_FALSE(a.install({sa(0x300, Direction::Out, 1), sa(0x301, Direction::Out, 2)}, "t", c, err));
  CHECK(a.install({sa(0x300, Direction::Out, 1), sa(0x300, Direction::In, 2)}, "t", c, err));
  // The report never carries key material.
  const std::string j = a.report_json();
  CHECK(j.find("0x00000300") != std::string::npos);
  CHECK(j.find("0101010101") == std::string::npos);
}

TEST_CASE("clear traffic from the north that a selector protects is dropped as unprotected") {
  RcuDomain rcu(1);
  TunnelSettings s = settings(ip4(198, 18, 0, 254), ip4(198, 18, 9, 1));
  s.selectors.clear();
  TunnelSelector sel;
  REQUIRE(fg::rules::parse_cidr("198.18.1.0/24", sel.src));
  REQUIRE(fg::rules::parse_cidr("198.18.0.0/24", sel.dst));
  s.selectors.push_back(sel);  // field 198.18.1.x -> 198.18.0.x would be protected...
  s.south_ports = 1;
  Tunnel a(s, rcu, 1);
  auto& st = *static_cast<TunnelStage*>(a.stage(0));
  // ...so 198.18.0.1 -> 198.18.1.1 arriving in the clear on the north port (1) is refused,
  Frame f(udp_frame(30), 1);
  run(st, f.p);
  CHECK_FALSE(f.p.forwarded());
  CHECK(a.totals().drops[static_cast<int>(TunnelDrop::Unprotected)] == 1);
  // while from the south it is not this selector's direction: bridged, not counted.
  Frame g(udp_frame(30), 0);
  run(st, g.p);
  CHECK(a.totals().drops[static_cast<int>(TunnelDrop::Unprotected)] == 1);
}

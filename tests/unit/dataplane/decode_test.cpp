// Unit tests of the decode stage: every header kind and link type, every truncation, bogus
// fields, padding, and agreement with tshark on the shared captures.
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/decode/decode.hpp"
#include "dataplane/decode/link_type.hpp"

namespace {

using namespace fg::dp;
using Bytes = std::vector<std::uint8_t>;
using Ip4 = std::array<std::uint8_t, 4>;
using Ip6 = std::array<std::uint8_t, 16>;

// ---- byte builders -------------------------------------------------------------------------

struct Builder {
  Bytes b;
  Builder& u8(std::uint8_t v) { b.push_back(v); return *this; }
  Builder& be16(std::uint32_t v) { return u8(std::uint8_t(v >> 8)).u8(std::uint8_t(v)); }
  Builder& be32(std::uint32_t v) { return be16(v >> 16).be16(v & 0xffff); }
  Builder& le32(std::uint32_t v) { return u8(std::uint8_t(v)).u8(std::uint8_t(v >> 8)).u8(std::uint8_t(v >> 16)).u8(std::uint8_t(v >> 24)); }
  template <class C> Builder& raw(const C& c) { b.insert(b.end(), c.begin(), c.end()); return *this; }
  Builder& fill(std::size_t n, std::uint8_t v = 0) { b.insert(b.end(), n, v); return *this; }
};

constexpr std::array<std::uint8_t, 6> kMacA{0x00, 0x1b, 0x1b, 0x0a, 0x0b, 0x0c};
constexpr std::array<std::uint8_t, 6> kMacB{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
constexpr Ip4 kIpA{192, 168, 1, 10};
constexpr Ip4 kIpB{192, 168, 1, 20};
constexpr Ip6 kIp6A{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
constexpr Ip6 kIp6B{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14};

struct TcpSpec {
  std::uint16_t sport = 49152, dport = 502;
  std::uint32_t seq = 0x01020304, ack = 0xa0b0c0d0;
  std::uint8_t flags = kTcpAck | kTcpPsh;
  std::uint16_t window = 8192;
  Bytes options;            // padded to 4 bytes by the caller's choice
  int data_offset = -1;     // words; -1 = from the options
};
Bytes tcp(const TcpSpec& s, const Bytes& payload = {}) {
  const int words = s.data_offset >= 0 ? s.data_offset : int(5 + s.options.size() / 4);
  return Builder{}.be16(s.sport).be16(s.dport).be32(s.seq).be32(s.ack).u8(std::uint8_t(words << 4)).u8(s.flags)
      .be16(s.window).be16(0).be16(0).raw(s.options).raw(payload).b;
}

Bytes udp(std::uint16_t sport, std::uint16_t dport, const Bytes& payload, int length = -1) {
  const std::uint32_t l = length >= 0 ? std::uint32_t(length) : std::uint32_t(8 + payload.size());
  return Builder{}.be16(sport).be16(dport).be16(l).be16(0).raw(payload).b;
}

Bytes icmp(std::uint8_t type, std::uint8_t code, const Bytes& body = {0, 1, 0, 1}) {
  return Builder{}.u8(type).u8(code).be16(0).raw(body).b;
}

struct Ipv4Spec {
  std::uint8_t proto = 6;
  Ip4 src = kIpA, dst = kIpB;
  std::uint8_t ttl = 64;
  std::uint16_t frag = 0x4000;  // DF
  Bytes options;
  int ihl = -1;     // words; -1 = from the options
  int total = -1;   // -1 = header + payload
  std::uint8_t version = 4;
};
Bytes ipv4(const Ipv4Spec& s, const Bytes& payload) {
  const int ihl = s.ihl >= 0 ? s.ihl : int(5 + s.options.size() / 4);
  const int total = s.total >= 0 ? s.total : int(20 + s.options.size() + payload.size());
  return Builder{}.u8(std::uint8_t(s.version << 4 | ihl)).u8(0).be16(std::uint32_t(total)).be16(0x1234)
      .be16(s.frag).u8(s.ttl).u8(s.proto).be16(0).raw(s.src).raw(s.dst).raw(s.options).raw(payload).b;
}

struct Ipv6Spec {
  std::uint8_t next = 6;
  Ip6 src = kIp6A, dst = kIp6B;
  std::uint8_t hop_limit = 255;
  int payload_len = -1;
  std::uint8_t version = 6;
};
Bytes ipv6(const Ipv6Spec& s, const Bytes& payload) {
  const int plen = s.payload_len >= 0 ? s.payload_len : int(payload.size());
  return Builder{}.be32(std::uint32_t(s.version) << 28).be16(std::uint32_t(plen)).u8(s.next).u8(s.hop_limit)
      .raw(s.src).raw(s.dst).raw(payload).b;
}
// Hop-by-hop, routing or destination options header of `size` bytes (a multiple of 8).
Bytes ext6(std::uint8_t next, std::size_t size) {
  return Builder{}.u8(next).u8(std::uint8_t(size / 8 - 1)).fill(size - 2, 0x01).b;
}
// AH: length in 4-byte words minus 2.
Bytes ah6(std::uint8_t next, std::size_t size) {
  return Builder{}.u8(next).u8(std::uint8_t(size / 4 - 2)).fill(size - 2, 0xaa).b;
}
Bytes frag6(std::uint8_t next, std::uint16_t offset_units, bool more) {
  return Builder{}.u8(next).u8(0).be16(std::uint32_t(offset_units) << 3 | (more ? 1u : 0u)).be32(0xcafe).b;
}
Bytes cat(const Bytes& a, const Bytes& b) {
  Bytes r = a;
  r.insert(r.end(), b.begin(), b.end());
  return r;
}

Bytes arp(std::uint16_t op, const Ip4& sender, const Ip4& target) {
  return Builder{}.be16(1).be16(0x0800).u8(6).u8(4).be16(op).raw(kMacA).raw(sender).fill(6).raw(target).b;
}

Bytes eth(std::uint16_t ethertype, const Bytes& payload) {
  return Builder{}.raw(kMacB).raw(kMacA).be16(ethertype).raw(payload).b;
}
Bytes eth_tagged(const std::vector<std::pair<std::uint16_t, std::uint16_t>>& tags, std::uint16_t ethertype,
                 const Bytes& payload) {
  Builder f;
  f.raw(kMacB).raw(kMacA);
  for (auto [tpid, tci] : tags) f.be16(tpid).be16(tci);
  return f.be16(ethertype).raw(payload).b;
}
Bytes sll(std::uint16_t protocol, const Bytes& payload, std::uint16_t halen = 6) {
  return Builder{}.be16(0).be16(1).be16(halen).raw(kMacA).be16(0).be16(protocol).raw(payload).b;
}
Bytes sll2(std::uint16_t protocol, const Bytes& payload, std::uint8_t halen = 6) {
  return Builder{}.be16(protocol).be16(0).be32(3).be16(1).u8(0).u8(halen).raw(kMacA).be16(0).raw(payload).b;
}
Bytes null_le(std::uint32_t family, const Bytes& payload) { return Builder{}.le32(family).raw(payload).b; }
Bytes null_be(std::uint32_t family, const Bytes& payload) { return Builder{}.be32(family).raw(payload).b; }

// ---- helpers ---------------------------------------------------------------------------------

// Decodes from an exactly sized heap copy so that AddressSanitizer catches any read past len.
PacketMeta run(const Bytes& frame, LinkType link = LinkType::Ethernet) {
  std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[frame.size()]);
  if (!frame.empty()) std::memcpy(buf.get(), frame.data(), frame.size());
  PacketMeta m;
  decode(buf.get(), std::uint32_t(frame.size()), link, m);
  return m;
}

IpAddr mapped(const Ip4& a) {
  IpAddr r;
  r.bytes[10] = r.bytes[11] = 0xff;
  std::memcpy(&r.bytes[12], a.data(), 4);
  return r;
}
IpAddr addr6(const Ip6& a) {
  IpAddr r;
  r.bytes = a;
  return r;
}
std::string to_string(const IpAddr& a) {
  char s[INET6_ADDRSTRLEN] = {};
  if (a.is_v4()) inet_ntop(AF_INET, &a.bytes[12], s, sizeof s);
  else inet_ntop(AF_INET6, a.bytes.data(), s, sizeof s);
  return s;
}

const Bytes kModbusRequest{0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x0a};

}  // namespace

// ---- Ethernet, IPv4, L4 ------------------------------------------------------------------------

TEST_CASE("An Ethernet IPv4 TCP frame fills addresses, ports, TCP fields and the payload") {
  const Bytes f = eth(0x0800, ipv4({.ttl = 61}, tcp({}, kModbusRequest)));
  const PacketMeta m = run(f);
  REQUIRE(m.error == DecodeError::None);
  CHECK(m.dst_mac == kMacB);
  CHECK(m.src_mac == kMacA);
  CHECK(m.ethertype == 0x0800);
  CHECK(m.vlan_count == 0);
  CHECK(m.l3 == L3::Ipv4);
  CHECK(m.l3_offset == 14);
  CHECK(m.src == mapped(kIpA));
  CHECK(m.src.is_v4());
  CHECK(m.dst == mapped(kIpB));
  CHECK(m.ttl == 61);
  CHECK(m.ip_proto == 6);
  CHECK(m.l4 == L4::Tcp);
  CHECK(m.l4_offset == 34);
  CHECK(m.sport == 49152);
  CHECK(m.dport == 502);
  CHECK(m.tcp_seq == 0x01020304);
  CHECK(m.tcp_ack == 0xa0b0c0d0);
  CHECK(m.tcp_flags == (kTcpAck | kTcpPsh));
  CHECK(m.tcp_window == 8192);
  CHECK(m.tcp_wscale == 0xff);
  CHECK(m.payload_offset == 54);
  CHECK(m.payload_len == kModbusRequest.size());
  CHECK(m.flags == 0);
  CHECK(std::memcmp(f.data() + m.payload_offset, kModbusRequest.data(), kModbusRequest.size()) == 0);
}

TEST_CASE("A SYN's window scale option is found among MSS, SACK-permitted and timestamp options") {
  // MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
  const Bytes opts{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
  const PacketMeta m = run(eth(0x0800, ipv4({}, tcp({.flags = kTcpSyn, .options = opts}))));
  REQUIRE(m.error == DecodeError::None);
  CHECK(m.tcp_wscale == 7);
  CHECK(m.payload_offset == 14 + 20 + 40);
  CHECK(m.payload_len == 0);
  const PacketMeta synack = run(eth(0x0800, ipv4({}, tcp({.flags = kTcpSyn | kTcpAck, .options = {1, 3, 3, 14}}))));
  CHECK(synack.tcp_wscale == 14);
}

TEST_CASE("Window scale is ignored without SYN and malformed option lists end the scan safely") {
  SECTION("not a SYN") {
    CHECK(run(eth(0x0800, ipv4({}, tcp({.flags = kTcpAck, .options = {1, 3, 3, 7}})))).tcp_wscale == 0xff);
  }
  SECTION("end of options before the window scale") {
    CHECK(run(eth(0x0800, ipv4({}, tcp({.flags = kTcpSyn, .options = {0, 3, 3, 7}})))).tcp_wscale == 0xff);
  }
  SECTION("an option length of zero") {
    const PacketMeta m = run(eth(0x0800, ipv4({}, tcp({.flags = kTcpSyn, .options = {8, 0, 3, 3, 7, 1, 1, 1}}))));
    CHECK(m.error == DecodeError::None);
    CHECK(m.tcp_wscale == 0xff);
  }
  SECTION("an option running past the header") {
    const PacketMeta m = run(eth(0x0800, ipv4({}, tcp({.flags = kTcpSyn, .options = {1, 1, 3, 9}}, {3, 3, 7, 0}))));
    CHECK(m.error == DecodeError::None);
    CHECK(m.tcp_wscale == 0xff);
  }
  SECTION("a window scale option with the wrong length") {
    CHECK(run(eth(0x0800, ipv4({}, tcp({.flags = kTcpSyn, .options = {3, 4, 7, 0}})))).tcp_wscale == 0xff);
  }
  SECTION("a kind byte alone at the end of the options") {
    CHECK(run(eth(0x0800, ipv4({}, tcp({.flags = kTcpSyn, .options = {1, 1, 1, 3}})))).tcp_wscale == 0xff);
  }
}

TEST_CASE("A TCP data offset below 5 or beyond the segment is a bad L4 header") {
  CHECK(run(eth(0x0800, ipv4({}, tcp({.data_offset = 4}, kModbusRequest)))).error == DecodeError::BadL4Header);
  // Offset 15 (60 bytes) over a 20-byte header plus 12 bytes of data.
  const PacketMeta m = run(eth(0x0800, ipv4({}, tcp({.data_offset = 15}, kModbusRequest))));
  CHECK(m.error == DecodeError::BadL4Header);
  CHECK(m.sport == 49152);  // what was read before the fault stays for the event
  // Offset 15 is fine when the segment holds 60 bytes of header.
  const PacketMeta ok = run(eth(0x0800, ipv4({}, tcp({.options = Bytes(40, 1)}))));
  CHECK(ok.error == DecodeError::None);
  CHECK(ok.payload_len == 0);
  CHECK(ok.payload_offset == 14 + 20 + 60);
}

TEST_CASE("A UDP datagram's payload follows the UDP length") {
  const Bytes dnp3{0x05, 0x64, 0x05, 0xc0, 0x01, 0x00, 0x00, 0x04, 0xe9, 0x21};
  const PacketMeta m = run(eth(0x0800, ipv4({.proto = 17}, udp(1128, 20000, dnp3))));
  REQUIRE(m.error == DecodeError::None);
  CHECK(m.l4 == L4::Udp);
  CHECK(m.sport == 1128);
  CHECK(m.dport == 20000);
  CHECK(m.payload_offset == 14 + 20 + 8);
  CHECK(m.payload_len == dnp3.size());
  // A UDP length shorter than the IP payload is legal: the tail is not UDP data.
  const PacketMeta shorter = run(eth(0x0800, ipv4({.proto = 17}, udp(1128, 20000, dnp3, 8 + 4))));
  CHECK(shorter.error == DecodeError::None);
  CHECK(shorter.payload_len == 4);
}

TEST_CASE("A UDP length beyond the IP payload or below 8 is a bad L4 header") {
  const Bytes data(10, 0x42);
  CHECK(run(eth(0x0800, ipv4({.proto = 17}, udp(1, 2, data, 8 + 11)))).error == DecodeError::BadL4Header);
  CHECK(run(eth(0x0800, ipv4({.proto = 17}, udp(1, 2, data, 7)))).error == DecodeError::BadL4Header);
  CHECK(run(eth(0x0800, ipv4({.proto = 17}, udp(1, 2, data, 0)))).error == DecodeError::BadL4Header);
  CHECK(run(eth(0x86dd, ipv6({.next = 17}, udp(1, 2, data, 100)))).error == DecodeError::BadL4Header);
}

TEST_CASE("ICMP and ICMPv6 carry type and code in the ports and the IP payload as payload") {
  const PacketMeta m = run(eth(0x0800, ipv4({.proto = 1}, icmp(8, 0))));
  REQUIRE(m.error == DecodeError::None);
  CHECK(m.l4 == L4::Icmp);
  CHECK(m.sport == 8);
  CHECK(m.dport == 0);
  CHECK(m.payload_offset == 34);
  CHECK(m.payload_len == 8);
  const PacketMeta m6 = run(eth(0x86dd, ipv6({.next = 58}, icmp(1, 4))));
  REQUIRE(m6.error == DecodeError::None);
  CHECK(m6.l4 == L4::Icmpv6);
  CHECK(m6.sport == 1);
  CHECK(m6.dport == 4);
  CHECK(m6.payload_offset == 54);
  CHECK(m6.payload_len == 8);
  // The family must match the IP version.
  CHECK(run(eth(0x86dd, ipv6({.next = 1}, icmp(8, 0)))).l4 == L4::Other);
  CHECK(run(eth(0x0800, ipv4({.proto = 58}, icmp(128, 0)))).l4 == L4::Other);
}

TEST_CASE("ARP over Ethernet gives the sender and target IPv4 addresses") {
  const Bytes body = arp(1, kIpA, kIpB);
  const PacketMeta m = run(eth(0x0806, body));
  REQUIRE(m.error == DecodeError::None);
  CHECK(m.l3 == L3::Arp);
  CHECK(m.ethertype == 0x0806);
  CHECK(m.src == mapped(kIpA));
  CHECK(m.dst == mapped(kIpB));
  CHECK(m.l4 == L4::None);
  CHECK(m.payload_offset == 14);
  CHECK(m.payload_len == 28);
  // On the wire ARP is padded to 60 bytes.
  Bytes padded = eth(0x0806, body);
  padded.resize(60, 0);
  const PacketMeta p = run(padded);
  CHECK(p.error == DecodeError::None);
  CHECK((p.flags & kMetaPadded) != 0);
  CHECK(p.payload_len == 28);
}

TEST_CASE("802.1Q and 802.1ad tags give outer and inner VLAN ids") {
  const Bytes ip = ipv4({}, tcp({}, kModbusRequest));
  SECTION("one 802.1Q tag") {
    const PacketMeta m = run(eth_tagged({{0x8100, 0x2000 | 100}}, 0x0800, ip));
    REQUIRE(m.error == DecodeError::None);
    CHECK(m.vlan_count == 1);
    CHECK(m.vlan_outer == 100);
    CHECK(m.vlan_inner == 0);
    CHECK(m.ethertype == 0x0800);
    CHECK(m.l3_offset == 18);
    CHECK(m.dport == 502);
  }
  SECTION("802.1ad outer and 802.1Q inner") {
    const PacketMeta m = run(eth_tagged({{0x88a8, 0xe000 | 4095}, {0x8100, 7}}, 0x0800, ip));
    REQUIRE(m.error == DecodeError::None);
    CHECK(m.vlan_count == 2);
    CHECK(m.vlan_outer == 4095);
    CHECK(m.vlan_inner == 7);
    CHECK(m.l3_offset == 22);
    CHECK(m.payload_len == kModbusRequest.size());
  }
  SECTION("legacy 0x9100 outer tag") {
    const PacketMeta m = run(eth_tagged({{0x9100, 30}, {0x8100, 40}}, 0x86dd, ipv6({}, tcp({}))));
    REQUIRE(m.error == DecodeError::None);
    CHECK(m.vlan_outer == 30);
    CHECK(m.vlan_inner == 40);
    CHECK(m.l3 == L3::Ipv6);
  }
}

TEST_CASE("A third VLAN tag is refused as too many VLANs") {
  const PacketMeta m = run(eth_tagged({{0x88a8, 1}, {0x8100, 2}, {0x8100, 3}}, 0x0800, ipv4({}, tcp({}))));
  CHECK(m.error == DecodeError::TooManyVlans);
  CHECK(m.vlan_outer == 1);
  CHECK(m.vlan_inner == 2);
}

TEST_CASE("IPv4 options set the options flag and move the L4 header") {
  const PacketMeta m = run(eth(0x0800, ipv4({.options = {0x94, 0x04, 0x00, 0x00}}, tcp({}, kModbusRequest))));
  REQUIRE(m.error == DecodeError::None);
  CHECK((m.flags & kMetaIpOptions) != 0);
  CHECK(m.l4_offset == 14 + 24);
  CHECK(m.dport == 502);
  CHECK(m.payload_len == kModbusRequest.size());
}

TEST_CASE("Bogus IPv4 header fields are reported") {
  const Bytes seg = tcp({}, kModbusRequest);
  CHECK(run(eth(0x0800, ipv4({.ihl = 4}, seg))).error == DecodeError::BadIpHeader);
  CHECK(run(eth(0x0800, ipv4({.ihl = 0}, seg))).error == DecodeError::BadIpHeader);
  CHECK(run(eth(0x0800, ipv4({.total = 19}, seg))).error == DecodeError::BadIpHeader);
  CHECK(run(eth(0x0800, ipv4({.ihl = 15}, seg))).error == DecodeError::BadIpHeader);  // 60 > total 52
  const PacketMeta beyond = run(eth(0x0800, ipv4({.total = 20 + int(seg.size()) + 1}, seg)));
  CHECK(beyond.error == DecodeError::TruncatedL3);
  CHECK(beyond.src == mapped(kIpA));
  CHECK(run(eth(0x0800, ipv4({.version = 6}, seg))).error == DecodeError::BadIpVersion);
  CHECK(run(eth(0x86dd, ipv4({}, seg))).error == DecodeError::BadIpVersion);
}

TEST_CASE("Ethernet padding is trimmed by the IP lengths") {
  SECTION("IPv4") {
    Bytes f = eth(0x0800, ipv4({}, tcp({.flags = kTcpAck})));  // 54 bytes
    f.resize(60, 0);
    const PacketMeta m = run(f);
    REQUIRE(m.error == DecodeError::None);
    CHECK((m.flags & kMetaPadded) != 0);
    CHECK(m.payload_offset == 54);
    CHECK(m.payload_len == 0);
  }
  SECTION("IPv4 UDP with two data bytes") {
    Bytes f = eth(0x0800, ipv4({.proto = 17}, udp(1, 2, {0xab, 0xcd})));
    f.resize(60, 0xee);
    const PacketMeta m = run(f);
    REQUIRE(m.error == DecodeError::None);
    CHECK((m.flags & kMetaPadded) != 0);
    CHECK(m.payload_len == 2);
  }
  SECTION("IPv6") {
    Bytes f = eth(0x86dd, ipv6({.next = 17}, udp(1, 2, {0xab})));
    f.resize(f.size() + 5, 0);
    const PacketMeta m = run(f);
    REQUIRE(m.error == DecodeError::None);
    CHECK((m.flags & kMetaPadded) != 0);
    CHECK(m.payload_len == 1);
  }
  SECTION("no flag when the frame ends with the datagram") {
    CHECK((run(eth(0x0800, ipv4({}, tcp({}, kModbusRequest)))).flags & kMetaPadded) == 0);
  }
}

TEST_CASE("IPv4 fragments are flagged and only the first one carries an L4 header") {
  const Bytes seg = tcp({}, kModbusRequest);
  SECTION("first fragment: offset 0 with more fragments") {
    const PacketMeta m = run(eth(0x0800, ipv4({.frag = 0x2000}, seg)));
    REQUIRE(m.error == DecodeError::None);
    CHECK(m.flags == (kMetaFragment | kMetaFirstFragment));
    CHECK(m.l4 == L4::Tcp);
    CHECK(m.dport == 502);
  }
  SECTION("middle fragment") {
    const PacketMeta m = run(eth(0x0800, ipv4({.frag = 0x2000 | 185}, seg)));
    REQUIRE(m.error == DecodeError::None);
    CHECK(m.flags == kMetaFragment);
    CHECK(m.l4 == L4::None);
    CHECK(m.ip_proto == 6);
    CHECK(m.dport == 0);
    CHECK(m.payload_offset == 34);
    CHECK(m.payload_len == seg.size());
  }
  SECTION("last fragment") {
    const PacketMeta m = run(eth(0x0800, ipv4({.frag = 370}, Bytes{1, 2, 3})));
    REQUIRE(m.error == DecodeError::None);
    CHECK(m.flags == kMetaFragment);
    CHECK(m.l4 == L4::None);
    CHECK(m.payload_len == 3);
  }
  SECTION("a first UDP fragment holds less than its UDP length") {
    const PacketMeta m = run(eth(0x0800, ipv4({.proto = 17, .frag = 0x2000}, udp(5, 6, Bytes(16, 0), 8 + 3000))));
    REQUIRE(m.error == DecodeError::None);
    CHECK(m.l4 == L4::Udp);
    CHECK(m.payload_len == 16);
  }
  SECTION("a first fragment too short for the TCP header") {
    const PacketMeta m = run(eth(0x0800, ipv4({.frag = 0x2000}, Bytes(8, 0))));
    CHECK(m.error == DecodeError::TruncatedL4);
  }
}

// ---- IPv6 --------------------------------------------------------------------------------------

TEST_CASE("An IPv6 TCP frame fills 128-bit addresses and the hop limit") {
  const PacketMeta m = run(eth(0x86dd, ipv6({.hop_limit = 64}, tcp({.dport = 4840}, kModbusRequest))));
  REQUIRE(m.error == DecodeError::None);
  CHECK(m.l3 == L3::Ipv6);
  CHECK(m.ethertype == 0x86dd);
  CHECK(m.src == addr6(kIp6A));
  CHECK(m.dst == addr6(kIp6B));
  CHECK_FALSE(m.src.is_v4());
  CHECK(m.ttl == 64);
  CHECK(m.ip_proto == 6);
  CHECK(m.l4_offset == 54);
  CHECK(m.dport == 4840);
  CHECK(m.payload_offset == 74);
  CHECK(m.payload_len == kModbusRequest.size());
  CHECK(m.flags == 0);
}

TEST_CASE("IPv6 extension headers are skipped by their length") {
  const Bytes seg = tcp({}, kModbusRequest);
  // hop-by-hop (8) -> destination options (16) -> routing (24) -> AH (24) -> TCP
  const Bytes chain = cat(cat(cat(cat(ext6(60, 8), ext6(43, 16)), ext6(51, 24)), ah6(6, 24)), seg);
  const PacketMeta m = run(eth(0x86dd, ipv6({.next = 0}, chain)));
  REQUIRE(m.error == DecodeError::None);
  CHECK((m.flags & kMetaIpOptions) != 0);
  CHECK(m.ip_proto == 6);
  CHECK(m.l4 == L4::Tcp);
  CHECK(m.l4_offset == 54 + 72);
  CHECK(m.dport == 502);
  CHECK(m.payload_len == kModbusRequest.size());
}

TEST_CASE("IPv6 fragment headers flag fragments and hide L4 in later fragments") {
  const Bytes seg = tcp({}, kModbusRequest);
  SECTION("first fragment") {
    const PacketMeta m = run(eth(0x86dd, ipv6({.next = 44}, cat(frag6(6, 0, true), seg))));
    REQUIRE(m.error == DecodeError::None);
    CHECK((m.flags & (kMetaFragment | kMetaFirstFragment | kMetaIpOptions)) ==
          (kMetaFragment | kMetaFirstFragment | kMetaIpOptions));
    CHECK(m.l4 == L4::Tcp);
    CHECK(m.l4_offset == 54 + 8);
  }
  SECTION("later fragment, even if its bytes look like another extension header") {
    const PacketMeta m = run(eth(0x86dd, ipv6({.next = 44}, cat(frag6(0, 100, false), Bytes(40, 0xff)))));
    REQUIRE(m.error == DecodeError::None);
    CHECK((m.flags & kMetaFragment) != 0);
    CHECK((m.flags & kMetaFirstFragment) == 0);
    CHECK(m.l4 == L4::None);
    CHECK(m.ip_proto == 0);
    CHECK(m.payload_offset == 62);
    CHECK(m.payload_len == 40);
  }
  SECTION("an atomic fragment is a whole packet") {
    const PacketMeta m = run(eth(0x86dd, ipv6({.next = 44}, cat(frag6(6, 0, false), seg))));
    REQUIRE(m.error == DecodeError::None);
    CHECK((m.flags & kMetaFragment) == 0);
    CHECK(m.l4 == L4::Tcp);
  }
}

TEST_CASE("ESP and no-next-header end the IPv6 header chain") {
  const PacketMeta esp = run(eth(0x86dd, ipv6({.next = 0}, cat(ext6(50, 8), Bytes(32, 0x5a)))));
  REQUIRE(esp.error == DecodeError::None);
  CHECK(esp.ip_proto == 50);
  CHECK(esp.l4 == L4::Other);
  CHECK(esp.payload_offset == 62);
  CHECK(esp.payload_len == 32);
  const PacketMeta none = run(eth(0x86dd, ipv6({.next = 60}, ext6(59, 8))));
  REQUIRE(none.error == DecodeError::None);
  CHECK(none.ip_proto == 59);
  CHECK(none.l4 == L4::None);
  CHECK(none.payload_len == 0);
}

TEST_CASE("An IPv6 extension chain running off the payload is a bad IP header") {
  SECTION("header length beyond the payload") {
    Bytes h = ext6(6, 8);
    h[1] = 3;  // claims 32 bytes, 8 present
    CHECK(run(eth(0x86dd, ipv6({.next = 0}, h))).error == DecodeError::BadIpHeader);
  }
  SECTION("payload ends where the next header should start") {
    CHECK(run(eth(0x86dd, ipv6({.next = 0}, ext6(60, 8)))).error == DecodeError::BadIpHeader);
  }
  SECTION("one byte of a header") {
    CHECK(run(eth(0x86dd, ipv6({.next = 43}, Bytes{6}))).error == DecodeError::BadIpHeader);
  }
  SECTION("fragment header cut short") {
    CHECK(run(eth(0x86dd, ipv6({.next = 44}, Bytes{6, 0, 0, 0}))).error == DecodeError::BadIpHeader);
  }
  SECTION("AH longer than the payload") {
    Bytes h = ah6(6, 12);
    h[1] = 4;  // (4 + 2) * 4 = 24 bytes claimed, 12 present
    CHECK(run(eth(0x86dd, ipv6({.next = 51}, h))).error == DecodeError::BadIpHeader);
  }
  SECTION("more extension headers than the limit") {
    Bytes chain;
    for (int i = 0; i < 9; ++i) chain = cat(chain, ext6(60, 8));
    chain = cat(chain, tcp({}));
    CHECK(run(eth(0x86dd, ipv6({.next = 60}, chain))).error == DecodeError::BadIpHeader);
  }
  SECTION("payload length beyond the frame") {
    CHECK(run(eth(0x86dd, ipv6({.payload_len = 100}, tcp({})))).error == DecodeError::TruncatedL3);
  }
  SECTION("version 4 in an IPv6 header") {
    CHECK(run(eth(0x86dd, ipv6({.version = 4}, tcp({})))).error == DecodeError::BadIpVersion);
  }
}

// ---- link types ---------------------------------------------------------------------------------

TEST_CASE("Every link type decodes the IP packet it carries") {
  const Bytes v4 = ipv4({}, tcp({}, kModbusRequest));
  const Bytes v6 = ipv6({}, tcp({}, kModbusRequest));
  struct Case { const char* name; Bytes frame; LinkType link; std::uint16_t l3_offset; L3 l3; bool has_src_mac; };
  const std::vector<Case> cases{
      {"Linux cooked (SLL)", sll(0x0800, v4), LinkType::LinuxSll, 16, L3::Ipv4, true},
      {"Linux cooked with a 4-byte address", sll(0x86dd, v6, 4), LinkType::LinuxSll, 16, L3::Ipv6, false},
      {"Linux cooked v2 (SLL2)", sll2(0x0800, v4), LinkType::LinuxSll2, 20, L3::Ipv4, true},
      {"Linux cooked v2 without address", sll2(0x86dd, v6, 0), LinkType::LinuxSll2, 20, L3::Ipv6, false},
      {"NULL, little-endian AF_INET", null_le(2, v4), LinkType::Null, 4, L3::Ipv4, false},
      {"NULL, big-endian host, AF_INET", null_be(2, v4), LinkType::Null, 4, L3::Ipv4, false},
      {"NULL, AF_INET6 24", null_le(24, v6), LinkType::Null, 4, L3::Ipv6, false},
      {"NULL, AF_INET6 28", null_le(28, v6), LinkType::Null, 4, L3::Ipv6, false},
      {"NULL, big-endian host, AF_INET6 30", null_be(30, v6), LinkType::Null, 4, L3::Ipv6, false},
      {"LOOP, AF_INET", null_be(2, v4), LinkType::Loop, 4, L3::Ipv4, false},
      {"LOOP, AF_INET6 30", null_be(30, v6), LinkType::Loop, 4, L3::Ipv6, false},
      {"raw IPv4", v4, LinkType::RawIp, 0, L3::Ipv4, false},
      {"raw IPv6", v6, LinkType::RawIp, 0, L3::Ipv6, false},
      {"IPv4 link type", v4, LinkType::Ipv4, 0, L3::Ipv4, false},
      {"IPv6 link type", v6, LinkType::Ipv6, 0, L3::Ipv6, false},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const PacketMeta m = run(c.frame, c.link);
    REQUIRE(m.error == DecodeError::None);
    CHECK(m.l3 == c.l3);
    CHECK(m.ethertype == (c.l3 == L3::Ipv4 ? 0x0800 : 0x86dd));
    CHECK(m.l3_offset == c.l3_offset);
    CHECK(m.src == (c.l3 == L3::Ipv4 ? mapped(kIpA) : addr6(kIp6A)));
    CHECK(m.dport == 502);
    CHECK(m.payload_len == kModbusRequest.size());
    CHECK(m.dst_mac == std::array<std::uint8_t, 6>{});
    CHECK(m.src_mac == (c.has_src_mac ? kMacA : std::array<std::uint8_t, 6>{}));
  }
}

TEST_CASE("Link types refuse what they cannot carry") {
  const Bytes v4 = ipv4({}, tcp({}));
  const Bytes v6 = ipv6({}, tcp({}));
  CHECK(run(Bytes{0x50, 0, 0, 20}, LinkType::RawIp).error == DecodeError::BadIpVersion);
  CHECK(run(v6, LinkType::Ipv4).error == DecodeError::BadIpVersion);
  CHECK(run(v4, LinkType::Ipv6).error == DecodeError::BadIpVersion);
  CHECK(run(null_le(2, v6), LinkType::Null).error == DecodeError::BadIpVersion);
  CHECK(run(v4, static_cast<LinkType>(200)).error == DecodeError::UnknownLinkType);
  const PacketMeta other_af = run(null_le(7, v4), LinkType::Null);
  CHECK(other_af.error == DecodeError::None);
  CHECK(other_af.l3 == L3::Other);
}

TEST_CASE("Linux cooked captures may carry VLAN tags") {
  const Bytes f = sll(0x8100, Builder{}.be16(42).be16(0x0800).raw(ipv4({}, tcp({}))).b);
  const PacketMeta m = run(f, LinkType::LinuxSll);
  REQUIRE(m.error == DecodeError::None);
  CHECK(m.vlan_outer == 42);
  CHECK(m.l3_offset == 20);
}

TEST_CASE("Unknown ethertypes and IP protocols decode as Other without an error") {
  const PacketMeta lldp = run(eth(0x88cc, Bytes(30, 0)));
  CHECK(lldp.error == DecodeError::None);
  CHECK(lldp.l3 == L3::Other);
  CHECK(lldp.ethertype == 0x88cc);
  const PacketMeta gre = run(eth(0x0800, ipv4({.proto = 47}, Bytes(12, 0))));
  CHECK(gre.error == DecodeError::None);
  CHECK(gre.l4 == L4::Other);
  CHECK(gre.ip_proto == 47);
  CHECK(gre.payload_offset == 34);
  CHECK(gre.payload_len == 12);
}

TEST_CASE("Decoding into a used PacketMeta leaves nothing of the previous packet") {
  const Bytes syn = eth_tagged({{0x8100, 9}}, 0x0800, ipv4({}, tcp({.flags = kTcpSyn, .options = {1, 3, 3, 7}})));
  const Bytes arp_frame = eth(0x0806, arp(2, kIpB, kIpA));
  PacketMeta m;
  decode(syn.data(), std::uint32_t(syn.size()), LinkType::Ethernet, m);
  REQUIRE(m.tcp_wscale == 7);
  decode(arp_frame.data(), std::uint32_t(arp_frame.size()), LinkType::Ethernet, m);
  CHECK(m.vlan_count == 0);
  CHECK(m.tcp_wscale == 0xff);
  CHECK(m.sport == 0);
  CHECK(m.tcp_flags == 0);
  CHECK(m.src == mapped(kIpB));
}

// ---- truncation ---------------------------------------------------------------------------------

TEST_CASE("Every prefix of a valid frame decodes without reading past it and reports a truncation") {
  const Bytes seg = tcp({.flags = kTcpSyn, .options = {2, 4, 5, 0xb4, 1, 3, 3, 7}}, kModbusRequest);
  const Bytes v4 = ipv4({.options = {1, 1, 1, 0}}, seg);
  const Bytes v6 = ipv6({.next = 0}, cat(cat(ext6(44, 8), frag6(6, 0, true)), seg));
  struct Case { const char* name; Bytes frame; LinkType link; };
  const std::vector<Case> cases{
      {"Ethernet IPv4 TCP", eth(0x0800, v4), LinkType::Ethernet},
      {"Ethernet IPv4 UDP", eth(0x0800, ipv4({.proto = 17}, udp(1, 2, kModbusRequest))), LinkType::Ethernet},
      {"Ethernet IPv4 ICMP", eth(0x0800, ipv4({.proto = 1}, icmp(0, 0))), LinkType::Ethernet},
      {"Ethernet ARP", eth(0x0806, arp(1, kIpA, kIpB)), LinkType::Ethernet},
      {"QinQ IPv4", eth_tagged({{0x88a8, 5}, {0x8100, 6}}, 0x0800, v4), LinkType::Ethernet},
      {"Ethernet IPv6 extension headers", eth(0x86dd, v6), LinkType::Ethernet},
      {"Ethernet IPv6 AH UDP", eth(0x86dd, ipv6({.next = 51}, cat(ah6(17, 16), udp(3, 4, {1, 2})))), LinkType::Ethernet},
      {"Ethernet ICMPv6", eth(0x86dd, ipv6({.next = 58}, icmp(135, 0))), LinkType::Ethernet},
      {"SLL", sll(0x0800, v4), LinkType::LinuxSll},
      {"SLL2", sll2(0x86dd, v6), LinkType::LinuxSll2},
      {"NULL", null_le(2, v4), LinkType::Null},
      {"LOOP", null_be(30, v6), LinkType::Loop},
      {"raw IPv4", v4, LinkType::RawIp},
      {"raw IPv6", v6, LinkType::RawIp},
      {"IPv4 link", v4, LinkType::Ipv4},
      {"IPv6 link", v6, LinkType::Ipv6},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const PacketMeta full = run(c.frame, c.link);
    REQUIRE(full.error == DecodeError::None);
    for (std::size_t n = 0; n < c.frame.size(); ++n) {
      INFO("prefix of " << n << " bytes");
      const PacketMeta m = run(Bytes(c.frame.begin(), c.frame.begin() + std::ptrdiff_t(n)), c.link);
      // The IP (or ARP) length always covers the whole frame, so every cut is a truncation:
      // of the link header and tags before L3, of L3 after.
      const bool in_l2 = n < full.l3_offset;
      CHECK(m.error == (in_l2 ? DecodeError::TruncatedL2 : DecodeError::TruncatedL3));
    }
  }
}

TEST_CASE("An L4 header cut short inside a consistent IP packet is a truncated L4 header") {
  struct Case { const char* name; std::uint8_t proto; Bytes l4; bool v6; };
  const std::vector<Case> cases{
      {"TCP", 6, tcp({}), false},         {"UDP", 17, udp(1, 2, {}), false},
      {"ICMP", 1, icmp(8, 0), false},      {"TCP over IPv6", 6, tcp({}), true},
      {"UDP over IPv6", 17, udp(1, 2, {}), true}, {"ICMPv6", 58, icmp(128, 0, {}), true},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    for (std::size_t n = 0; n < c.l4.size(); ++n) {
      INFO("L4 header of " << n << " bytes");
      const Bytes l4(c.l4.begin(), c.l4.begin() + std::ptrdiff_t(n));
      const Bytes f = c.v6 ? eth(0x86dd, ipv6({.next = c.proto}, l4)) : eth(0x0800, ipv4({.proto = c.proto}, l4));
      CHECK(run(f).error == DecodeError::TruncatedL4);
    }
    const Bytes f = c.v6 ? eth(0x86dd, ipv6({.next = c.proto}, c.l4)) : eth(0x0800, ipv4({.proto = c.proto}, c.l4));
    CHECK(run(f).error == DecodeError::None);
  }
}

// ---- names and link-type mapping -----------------------------------------------------------------

TEST_CASE("Decode errors have event names") {
  CHECK(decode_error_name(DecodeError::None) == "decode.ok");
  CHECK(decode_error_name(DecodeError::TruncatedL2) == "decode.truncated_l2");
  CHECK(decode_error_name(DecodeError::TruncatedL3) == "decode.truncated_l3");
  CHECK(decode_error_name(DecodeError::BadIpVersion) == "decode.bad_ip_version");
  CHECK(decode_error_name(DecodeError::BadIpHeader) == "decode.bad_ip_header");
  CHECK(decode_error_name(DecodeError::TruncatedL4) == "decode.truncated_l4");
  CHECK(decode_error_name(DecodeError::BadL4Header) == "decode.bad_l4_header");
  CHECK(decode_error_name(DecodeError::TooManyVlans) == "decode.too_many_vlans");
  CHECK(decode_error_name(DecodeError::UnknownLinkType) == "decode.unknown_link_type");
  CHECK(decode_error_name(static_cast<DecodeError>(99)) == "decode.unknown_error");
}

TEST_CASE("pcap link types map to decode link types") {
  CHECK(link_type_from_pcap(DLT_EN10MB) == LinkType::Ethernet);
  CHECK(link_type_from_pcap(DLT_NULL) == LinkType::Null);
  CHECK(link_type_from_pcap(DLT_LOOP) == LinkType::Loop);
  CHECK(link_type_from_pcap(DLT_RAW) == LinkType::RawIp);
  CHECK(link_type_from_pcap(101) == LinkType::RawIp);
  CHECK(link_type_from_pcap(DLT_LINUX_SLL) == LinkType::LinuxSll);
  CHECK(link_type_from_pcap(DLT_LINUX_SLL2) == LinkType::LinuxSll2);
  CHECK(link_type_from_pcap(DLT_IPV4) == LinkType::Ipv4);
  CHECK(link_type_from_pcap(DLT_IPV6) == LinkType::Ipv6);
  CHECK_FALSE(link_type_from_pcap(DLT_IEEE802_11).has_value());
}

// ---- real captures --------------------------------------------------------------------------------

namespace {

// Values tshark 4.0 shows for a sample of frames (frame.number; ip/ipv6/arp source and
// destination; tcp/udp ports; tcp.len or udp.length - 8, -1 without L4; tcp.seq_raw; low byte of
// tcp.flags; tcp.options.wscale.shift, 255 without). Made once with tshark -T fields.
struct Expected {
  const char* file;
  int frame;
  const char* src;
  const char* dst;
  int sport, dport, payload_len;
  std::uint32_t seq;
  int tcp_flags;
  int wscale;
};
const Expected kExpected[] = {
    {"modbus/suricata_modbus.pcap", 1, "10.0.0.57", "10.0.0.3", 2387, 502, 0, 2875428548u, 0x11, 255},
    {"modbus/suricata_modbus.pcap", 2, "10.0.0.3", "10.0.0.57", 502, 2387, 0, 2449071705u, 0x10, 255},
    {"modbus/suricata_modbus.pcap", 3, "10.0.0.3", "10.0.0.57", 502, 2387, 0, 2449071705u, 0x11, 255},
    {"modbus/suricata_modbus.pcap", 49, "10.0.0.3", "10.0.0.9", 502, 3082, 0, 2055906582u, 0x12, 255},
    {"modbus/suricata_modbus.pcap", 99, "10.0.0.8", "10.0.0.57", 502, 4446, 10, 1397535424u, 0x18, 255},
    {"s7comm/iti_s7comm_reading_plc_status.pcap", 1, "192.168.1.40", "192.168.1.10", 49196, 102, 0, 195976u, 0x02, 255},
    {"s7comm/iti_s7comm_reading_plc_status.pcap", 2, "192.168.1.40", "192.168.1.10", 49196, 102, 0, 195976u, 0x02, 255},
    {"s7comm/iti_s7comm_reading_plc_status.pcap", 3, "192.168.1.10", "192.168.1.40", 0, 0, -1, 0u, 0x00, 255},
    {"s7comm/iti_s7comm_reading_plc_status.pcap", 120, "192.168.1.10", "192.168.1.40", 4305, 102, 7, 1336695483u, 0x18, 255},
    {"s7comm/iti_s7comm_reading_plc_status.pcap", 240, "192.168.1.40", "192.168.1.10", 49197, 102, 0, 196008u, 0x02, 255},
    {"opcua/icsnpp_opcua_pending_overflow.pcap", 1, "::1", "::1", 60001, 4840, 476, 1u, 0x18, 255},
    {"opcua/icsnpp_opcua_pending_overflow.pcap", 2, "::1", "::1", 4840, 60001, 141, 1u, 0x18, 255},
    {"opcua/icsnpp_opcua_pending_overflow.pcap", 3, "::1", "::1", 60002, 4840, 476, 1u, 0x18, 255},
    {"opcua/icsnpp_opcua_pending_overflow.pcap", 12, "::1", "::1", 4840, 60006, 141, 1u, 0x18, 255},
    {"opcua/icsnpp_opcua_pending_overflow.pcap", 24, "::1", "::1", 4840, 60012, 141, 1u, 0x18, 255},
    {"dnp3/zeek_dnp3_udp_read.pcap", 1, "192.168.80.12", "192.168.80.160", 20000, 1128, 10, 0u, 0x00, 255},
    {"dnp3/zeek_dnp3_udp_read.pcap", 2, "192.168.80.160", "192.168.80.12", 1128, 20000, 10, 0u, 0x00, 255},
    {"dnp3/zeek_dnp3_udp_read.pcap", 3, "192.168.80.12", "192.168.80.160", 20000, 1128, 10, 0u, 0x00, 255},
    {"dnp3/zeek_dnp3_udp_read.pcap", 11, "192.168.80.12", "192.168.80.160", 20000, 1128, 292, 0u, 0x00, 255},
    {"dnp3/zeek_dnp3_udp_read.pcap", 23, "192.168.80.160", "192.168.80.12", 1128, 20000, 10, 0u, 0x00, 255},
    {"dnp3/opendnp3_conf_6_1_2.pcap", 1, "127.0.0.1", "127.0.0.1", 1548, 20000, 0, 2993785913u, 0x02, 8},
    {"dnp3/opendnp3_conf_6_1_2.pcap", 2, "127.0.0.1", "127.0.0.1", 20000, 1548, 0, 449157992u, 0x12, 8},
    {"dnp3/opendnp3_conf_6_1_2.pcap", 3, "127.0.0.1", "127.0.0.1", 1548, 20000, 0, 2993785914u, 0x10, 255},
    {"dnp3/opendnp3_conf_6_1_2.pcap", 39, "127.0.0.1", "127.0.0.1", 1548, 20000, 0, 2993786050u, 0x10, 255},
    {"dnp3/opendnp3_conf_6_1_2.pcap", 79, "127.0.0.1", "127.0.0.1", 20000, 1548, 0, 449160715u, 0x10, 255},
    {"opcua/icsnpp_opcua_get_endpoints.pcap", 1, "::1", "::1", 63501, 4840, 0, 229900095u, 0x02, 6},
    {"opcua/icsnpp_opcua_get_endpoints.pcap", 2, "::1", "::1", 4840, 63501, 0, 222262545u, 0x12, 6},
    {"opcua/icsnpp_opcua_get_endpoints.pcap", 3, "::1", "::1", 63501, 4840, 0, 229900096u, 0x10, 255},
    {"opcua/icsnpp_opcua_get_endpoints.pcap", 11, "::1", "::1", 4840, 63501, 135, 222262574u, 0x18, 255},
    {"opcua/icsnpp_opcua_get_endpoints.pcap", 22, "::1", "::1", 63501, 4840, 0, 229900672u, 0x10, 255},
    {"opcua/icsnpp_opcua_python_minimal.pcap", 1, "::1", "::1", 63145, 4840, 0, 1242813715u, 0x02, 5},
    {"opcua/icsnpp_opcua_python_minimal.pcap", 2, "::1", "::1", 4840, 63145, 0, 0u, 0x14, 255},
    {"opcua/icsnpp_opcua_python_minimal.pcap", 3, "127.0.0.1", "127.0.0.1", 63146, 4840, 0, 310475380u, 0x02, 5},
    {"opcua/icsnpp_opcua_python_minimal.pcap", 22, "127.0.0.1", "127.0.0.1", 63146, 4840, 0, 310476030u, 0x10, 255},
    {"opcua/icsnpp_opcua_python_minimal.pcap", 44, "127.0.0.1", "127.0.0.1", 63146, 4840, 0, 310476491u, 0x10, 255},
    {"s7comm/icsnpp_s7comm_plus_celr.pcap", 1, "192.168.0.1", "192.168.0.3", 102, 49154, 0, 1378466098u, 0x10, 255},
    {"s7comm/icsnpp_s7comm_plus_celr.pcap", 2, "192.168.0.1", "192.168.0.3", 102, 49154, 113, 1378466098u, 0x18, 255},
    {"s7comm/icsnpp_s7comm_plus_celr.pcap", 3, "192.168.0.3", "192.168.0.1", 49154, 102, 0, 934096608u, 0x10, 255},
    {"s7comm/icsnpp_s7comm_plus_celr.pcap", 131, "192.168.0.3", "192.168.0.1", 49154, 102, 0, 934098756u, 0x10, 255},
    {"s7comm/icsnpp_s7comm_plus_celr.pcap", 262, "192.168.0.3", "192.168.0.1", 49154, 102, 0, 934100272u, 0x10, 255},
    {"dnp3/suricata_dnp3_flood.pcap", 1, "192.168.1.100", "192.168.1.200", 49404, 20000, 0, 1000u, 0x02, 255},
    {"dnp3/suricata_dnp3_flood.pcap", 2, "192.168.1.200", "192.168.1.100", 20000, 49404, 0, 5000u, 0x12, 255},
    {"dnp3/suricata_dnp3_flood.pcap", 3, "192.168.1.100", "192.168.1.200", 49404, 20000, 0, 1001u, 0x10, 255},
    {"dnp3/suricata_dnp3_flood.pcap", 20, "192.168.1.100", "192.168.1.200", 49404, 20000, 35, 1561u, 0x18, 255},
    {"dnp3/suricata_dnp3_flood.pcap", 40, "192.168.1.100", "192.168.1.200", 49404, 20000, 0, 2157u, 0x10, 255},
    {"s7comm/gym_snap7_s300_stop.pcapng", 1, "134.249.62.206", "134.249.61.163", 52446, 102, 33, 2342456244u, 0x18, 255},
    {"s7comm/gym_snap7_s300_stop.pcapng", 2, "134.249.61.163", "134.249.62.206", 102, 52446, 20, 1723864u, 0x18, 255},
};

// The shared captures live next to the repository (../shared/pcaps); meson passes the path.
std::string pcap_dir() {
  const char* env = std::getenv("FG_PCAP_DIR");
  return env ? env : "/work/shared/pcaps";
}

}  // namespace

TEST_CASE("Shared captures of every link type decode on every frame and agree with tshark") {
  // Ethernet, Ethernet + ARP, Ethernet IPv6, UDP, NULL IPv4, NULL IPv6 (pcapng), NULL mixed,
  // Linux cooked, raw IPv4 link type, pcapng Ethernet.
  const char* files[] = {
      "modbus/suricata_modbus.pcap",          "s7comm/iti_s7comm_reading_plc_status.pcap",
      "opcua/icsnpp_opcua_pending_overflow.pcap", "dnp3/zeek_dnp3_udp_read.pcap",
      "dnp3/opendnp3_conf_6_1_2.pcap",        "opcua/icsnpp_opcua_get_endpoints.pcap",
      "opcua/icsnpp_opcua_python_minimal.pcap", "s7comm/icsnpp_s7comm_plus_celr.pcap",
      "dnp3/suricata_dnp3_flood.pcap",        "s7comm/gym_snap7_s300_stop.pcapng",
      "modbus/arkime_modbus_multi.pcap",      "mixed/s4_modicon_modbus_http_ftp.pcap",
  };
  std::size_t checked = 0;
  for (const char* file : files) {
    INFO(file);
    const std::string path = pcap_dir() + "/" + file;
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    REQUIRE(p != nullptr);
    const auto link = link_type_from_pcap(pcap_datalink(p));
    REQUIRE(link.has_value());
    pcap_pkthdr* h = nullptr;
    const std::uint8_t* data = nullptr;
    int frame = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
      ++frame;
      INFO("frame " << frame);
      REQUIRE(h->caplen == h->len);  // these captures are not snapped
      const PacketMeta m = run(Bytes(data, data + h->caplen), *link);
      CHECK(decode_error_name(m.error) == "decode.ok");
      CHECK(m.l3 != L3::Other);
      for (const Expected& e : kExpected) {
        if (std::string_view(e.file) != file || e.frame != frame) continue;
        ++checked;
        CHECK(to_string(m.src) == e.src);
        CHECK(to_string(m.dst) == e.dst);
        CHECK(m.sport == e.sport);
        CHECK(m.dport == e.dport);
        if (e.payload_len >= 0) CHECK(m.payload_len == e.payload_len);
        if (m.l4 == L4::Tcp) {
          CHECK(m.tcp_seq == e.seq);
          CHECK(m.tcp_flags == e.tcp_flags);
          CHECK(m.tcp_wscale == e.wscale);
        }
      }
    }
    pcap_close(p);
  }
  CHECK(checked == std::size(kExpected));
}

// ---- the fast path for the common frame ------------------------------------------------------

namespace {

// decode (with its fast path for untagged Ethernet/IPv4/TCP|UDP) and the general path must
// agree byte for byte: both start from the same reset PacketMeta, so padding agrees too.
bool same_as_general(const std::uint8_t* data, std::uint32_t len, LinkType link) {
  PacketMeta fast, general;
  decode(data, len, link, fast);
  detail::decode_general(data, len, link, general);
  return std::memcmp(&fast, &general, sizeof fast) == 0;
}

bool same_as_general(const Bytes& frame) {
  std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[frame.size()]);
  if (!frame.empty()) std::memcpy(buf.get(), frame.data(), frame.size());
  return same_as_general(buf.get(), std::uint32_t(frame.size()), LinkType::Ethernet);
}

}  // namespace

TEST_CASE("The fast path for the common frame decodes every shared capture as the general path does") {
  std::size_t frames = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(pcap_dir())) {
    const std::string path = entry.path().string();
    if (!path.ends_with(".pcap") && !path.ends_with(".pcapng")) continue;
    INFO(path);
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    REQUIRE(p != nullptr);
    const auto link = link_type_from_pcap(pcap_datalink(p));
    pcap_pkthdr* h = nullptr;
    const std::uint8_t* data = nullptr;
    while (link && pcap_next_ex(p, &h, &data) == 1) {
      ++frames;
      if (!same_as_general(data, h->caplen, *link)) FAIL_CHECK("frame " << frames << " differs");
    }
    pcap_close(p);
  }
  CHECK(frames > 10000);
}

TEST_CASE("The fast path agrees with the general path on every prefix and every bogus header byte") {
  const std::vector<Bytes> frames{
      eth(0x0800, ipv4({}, tcp({.flags = kTcpAck | kTcpPsh}, kModbusRequest))),
      eth(0x0800, ipv4({}, tcp({.flags = kTcpSyn, .options = {2, 4, 5, 0xb4, 1, 3, 3, 7}}))),
      eth(0x0800, ipv4({.proto = 17}, udp(20000, 20000, kModbusRequest))),
      cat(eth(0x0800, ipv4({}, tcp({.flags = kTcpAck}))), Bytes(6, 0)),  // Ethernet padding
  };
  // Each byte of the Ethernet, IPv4 and L4 headers set to values that break some check: zero,
  // all ones, one bit off, and the boundaries of lengths and version/IHL.
  const std::uint8_t values[] = {0x00, 0xff, 0x01, 0x45, 0x46, 0x55, 0x08, 0x11, 0x06, 0x14, 0x50, 0x40, 0x20, 0x3f};
  for (const Bytes& frame : frames) {
    for (std::size_t n = 0; n <= frame.size(); ++n)
      CHECK(same_as_general(Bytes(frame.begin(), frame.begin() + std::ptrdiff_t(n))));
    for (std::size_t at = 0; at < std::min<std::size_t>(frame.size(), 14 + 20 + 24); ++at) {
      for (std::uint8_t v : values) {
        Bytes bad = frame;
        bad[at] = v;
        INFO("byte " << at << " = " << int(v));
        CHECK(same_as_general(bad));
        bad[at] = static_cast<std::uint8_t>(frame[at] ^ 0x01);
        CHECK(same_as_general(bad));
      }
    }
  }
}

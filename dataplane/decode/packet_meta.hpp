// What decode learns about one frame: offsets, addresses, ports, TCP fields and flags.
#pragma once

#include <array>
#include <cstdint>

namespace fg::dp {

// Link types of the frames the pipeline accepts. DPDK ports always give Ethernet; capture
// files give whatever their header says (values are pcap LINKTYPE_* numbers, mapped by the
// pcap backend).
enum class LinkType : std::uint8_t {
  Ethernet,   // LINKTYPE_ETHERNET (1)
  LinuxSll,   // LINKTYPE_LINUX_SLL (113)
  LinuxSll2,  // LINKTYPE_LINUX_SLL2 (276)
  Null,       // LINKTYPE_NULL (0): 4-byte address family in the capturing host's byte order
  Loop,       // LINKTYPE_LOOP (108): 4-byte address family in network byte order
  RawIp,      // LINKTYPE_RAW (101; DLT_RAW 12/14 too): IPv4 or IPv6 by version nibble
  Ipv4,       // LINKTYPE_IPV4 (228)
  Ipv6,       // LINKTYPE_IPV6 (229)
};

enum class L3 : std::uint8_t { None, Ipv4, Ipv6, Arp, Other };
enum class L4 : std::uint8_t { None, Tcp, Udp, Icmp, Icmpv6, Other };

// Why a frame could not be decoded completely. `None` also covers frames that are fine
// but carry a protocol we do not look into (L3::Other, L4::Other).
enum class DecodeError : std::uint8_t {
  None,
  TruncatedL2,     // shorter than its link header / VLAN tags
  TruncatedL3,     // IP header cut short, or total length beyond the frame
  BadIpVersion,    // version nibble disagrees with the ethertype / link type
  BadIpHeader,     // IHL < 5, total length < header length, IPv6 ext header chain broken
  TruncatedL4,     // TCP/UDP/ICMP header cut short
  BadL4Header,     // TCP data offset < 5 or beyond the segment, UDP length inconsistent
  TooManyVlans,    // more than two 802.1Q/802.1ad tags
  UnknownLinkType,
};

// Bits of PacketMeta::flags.
enum : std::uint16_t {
  kMetaFragment = 1u << 0,       // IPv4/IPv6 fragment (any)
  kMetaFirstFragment = 1u << 1,  // offset 0 with more-fragments set: L4 header present
  kMetaIpOptions = 1u << 2,      // IPv4 options or IPv6 extension headers present
  kMetaPadded = 1u << 3,         // frame longer than the IP datagram (Ethernet padding)
};

// TCP flag bits as on the wire.
enum : std::uint8_t {
  kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08, kTcpAck = 0x10, kTcpUrg = 0x20,
  kTcpEce = 0x40, kTcpCwr = 0x80,
};

// An IPv4 or IPv6 address. IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
// so that one 16-byte compare serves both families in the flow key.
struct IpAddr {
  std::array<std::uint8_t, 16> bytes{};
  [[nodiscard]] bool is_v4() const noexcept {
    for (int i = 0; i < 10; ++i)
      if (bytes[i] != 0) return false;
    return bytes[10] == 0xff && bytes[11] == 0xff;
  }
  friend bool operator==(const IpAddr&, const IpAddr&) = default;
};

// Everything later stages need from a frame. Offsets are from the start of the frame
// buffer; `payload_len` excludes link padding (it comes from the IP/UDP lengths).
struct PacketMeta {
  std::uint16_t l3_offset = 0;
  std::uint16_t l4_offset = 0;
  std::uint16_t payload_offset = 0;
  std::uint16_t payload_len = 0;
  std::uint16_t ethertype = 0;    // of the innermost L2 header (after VLAN tags)
  std::uint16_t vlan_outer = 0;   // VLAN ids (12 bits), 0 when untagged
  std::uint16_t vlan_inner = 0;
  std::uint8_t vlan_count = 0;
  L3 l3 = L3::None;
  L4 l4 = L4::None;
  std::uint8_t ip_proto = 0;      // IPv4 protocol / IPv6 final next header
  std::uint8_t ttl = 0;           // TTL / hop limit
  DecodeError error = DecodeError::None;
  std::uint16_t flags = 0;        // kMeta* bits
  IpAddr src{};
  IpAddr dst{};
  std::uint16_t sport = 0;        // TCP/UDP ports; ICMP type/code in sport/dport
  std::uint16_t dport = 0;
  std::uint32_t tcp_seq = 0;
  std::uint32_t tcp_ack = 0;
  std::uint16_t tcp_window = 0;
  std::uint8_t tcp_flags = 0;
  std::uint8_t tcp_wscale = 0xff; // window scale option on SYN, 0xff when absent
  std::array<std::uint8_t, 6> src_mac{};  // zero for link types without Ethernet addresses
  std::array<std::uint8_t, 6> dst_mac{};
};

}  // namespace fg::dp

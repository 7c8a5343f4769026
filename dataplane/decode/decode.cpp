// Link layers (Ethernet, VLAN tags, Linux cooked, BSD loopback, raw IP) and the decode entry.
#include "dataplane/decode/decode.hpp"

#include <cstring>
#include <type_traits>

#include "dataplane/decode/ip_decode.hpp"
#include "protocols/common/bytes.hpp"

namespace fg::dp {
namespace {

using proto::load_be16;
using proto::load_be32;

inline constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEthertypeArp = 0x0806;
inline constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;
inline constexpr std::uint16_t kEthertypeVlan = 0x8100;        // IEEE 802.1Q C-tag
inline constexpr std::uint16_t kEthertypeQinQ = 0x88a8;        // IEEE 802.1ad S-tag
inline constexpr std::uint16_t kEthertypeQinQLegacy = 0x9100;  // pre-802.1ad S-tag, still seen
inline constexpr std::uint16_t kVlanIdMask = 0x0fff;

inline constexpr std::uint32_t kEthHeader = 14;
inline constexpr std::uint32_t kVlanTag = 4;
inline constexpr std::uint32_t kSllHeader = 16;   // pkttype, hatype, halen, addr[8], protocol
inline constexpr std::uint32_t kSll2Header = 20;  // protocol, reserved, ifindex, hatype, pkttype, halen, addr[8]
inline constexpr std::uint32_t kNullHeader = 4;
inline constexpr std::uint32_t kArpFixed = 8;     // RFC 826: hrd, pro, hln, pln, op
inline constexpr std::uint8_t kMacLen = 6;
// Tags beyond outer + inner are not plant traffic and would not fit the flow key.
inline constexpr std::uint8_t kMaxVlanTags = 2;

// BSD address families as NULL/LOOP headers carry them. IPv6 differs per OS (24 NetBSD/OpenBSD,
// 28 FreeBSD, 30 macOS); IPv4 is 2 everywhere.
inline constexpr std::uint32_t kAfInet = 2;
inline constexpr std::uint32_t kAfInet6Bsd = 24;
inline constexpr std::uint32_t kAfInet6FreeBsd = 28;
inline constexpr std::uint32_t kAfInet6Darwin = 30;

inline std::uint32_t load_le32(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

inline bool is_vlan_tpid(std::uint16_t ethertype) noexcept {
  return ethertype == kEthertypeVlan || ethertype == kEthertypeQinQ || ethertype == kEthertypeQinQLegacy;
}

void decode_arp(const std::uint8_t* data, std::uint32_t off, std::uint32_t len, PacketMeta& m) noexcept {
  m.l3 = L3::Arp;
  m.l3_offset = static_cast<std::uint16_t>(off);
  const std::uint32_t avail = len - off;
  if (avail < kArpFixed) {
    m.error = DecodeError::TruncatedL3;
    return;
  }
  const std::uint8_t* p = data + off;
  const std::uint32_t hw_len = p[4];
  const std::uint32_t proto_len = p[5];
  const std::uint32_t arp_len = kArpFixed + 2 * (hw_len + proto_len);
  if (arp_len > avail) {
    m.error = DecodeError::TruncatedL3;
    return;
  }
  if (arp_len < avail) m.flags |= kMetaPadded;
  // The identity stage checks sender MAC/IP bindings, so hand it the addresses and the body.
  if (load_be16(p + 2) == kEthertypeIpv4 && proto_len == 4) {
    detail::set_v4_mapped(m.src, p + kArpFixed + hw_len);
    detail::set_v4_mapped(m.dst, p + kArpFixed + 2 * hw_len + proto_len);
  }
  m.payload_offset = static_cast<std::uint16_t>(off);
  m.payload_len = static_cast<std::uint16_t>(arp_len);
}

// L3 by ethertype; `off` is where the payload of the L2 header that carried it starts.
void decode_l3(const std::uint8_t* data, std::uint32_t off, std::uint32_t len, std::uint16_t ethertype,
               PacketMeta& m) noexcept {
  m.ethertype = ethertype;
  switch (ethertype) {
    case kEthertypeIpv4:
      detail::decode_ipv4(data, off, len, m);
      return;
    case kEthertypeIpv6:
      detail::decode_ipv6(data, off, len, m);
      return;
    case kEthertypeArp:
      decode_arp(data, off, len, m);
      return;
    default:
      m.l3 = L3::Other;
      m.l3_offset = static_cast<std::uint16_t>(off);
      return;
  }
}

// VLAN tags, then L3. Linux cooked captures can carry tags too, so every ethertype goes here.
void decode_ethertype(const std::uint8_t* data, std::uint32_t off, std::uint32_t len, std::uint16_t ethertype,
                      PacketMeta& m) noexcept {
  while (is_vlan_tpid(ethertype)) {
    if (m.vlan_count == kMaxVlanTags) {
      m.error = DecodeError::TooManyVlans;
      return;
    }
    if (len - off < kVlanTag) {
      m.error = DecodeError::TruncatedL2;
      return;
    }
    const std::uint16_t vid = load_be16(data + off) & kVlanIdMask;
    (m.vlan_count == 0 ? m.vlan_outer : m.vlan_inner) = vid;
    ++m.vlan_count;
    ethertype = load_be16(data + off + 2);
    off += kVlanTag;
  }
  decode_l3(data, off, len, ethertype, m);
}

// Raw IP has no header of its own: the version nibble is the only type field.
void decode_raw_ip(const std::uint8_t* data, std::uint32_t len, PacketMeta& m) noexcept {
  if (len == 0) {
    m.error = DecodeError::TruncatedL3;
    return;
  }
  switch (data[0] >> 4) {
    case 4:
      decode_l3(data, 0, len, kEthertypeIpv4, m);
      return;
    case 6:
      decode_l3(data, 0, len, kEthertypeIpv6, m);
      return;
    default:
      m.error = DecodeError::BadIpVersion;
      return;
  }
}

void decode_address_family(const std::uint8_t* data, std::uint32_t len, std::uint32_t family, PacketMeta& m) noexcept {
  switch (family) {
    case kAfInet:
      decode_l3(data, kNullHeader, len, kEthertypeIpv4, m);
      return;
    case kAfInet6Bsd:
    case kAfInet6FreeBsd:
    case kAfInet6Darwin:
      decode_l3(data, kNullHeader, len, kEthertypeIpv6, m);
      return;
    default:
      m.l3 = L3::Other;
      m.l3_offset = kNullHeader;
      return;
  }
}

// The frame nearly every plant link carries: untagged Ethernet, IPv4 without options, not a
// fragment, TCP or UDP with a sound header. One straight run over fixed offsets, about a third
// of the instructions of the general path's dispatch on link type, ethertype, tags and
// protocol. Anything else, or anything the general path would flag, is left to it: this
// returns false before writing m, and decode_general writes the same PacketMeta for every
// frame this accepts (checked over every shared capture and by the decode fuzz target).
bool decode_common_frame(const std::uint8_t* data, std::uint32_t len, PacketMeta& m) noexcept {
  using detail::kIpProtoTcp;
  using detail::kIpProtoUdp;
  constexpr std::uint32_t kIp = kEthHeader, kL4 = kEthHeader + detail::kIpv4MinHeader;
  constexpr std::uint8_t kIpv4NoOptions = 0x45;  // version 4, IHL 5
  constexpr std::uint16_t kFragmentBits = detail::kIpv4MoreFragments | detail::kIpv4FragOffsetMask;
  if (len < kL4 + detail::kUdpHeader) return false;
  const std::uint8_t* ip = data + kIp;
  const std::uint8_t* l4 = data + kL4;
  if (load_be16(data + 12) != kEthertypeIpv4 || ip[0] != kIpv4NoOptions || (load_be16(ip + 6) & kFragmentBits))
    return false;
  const std::uint32_t total = load_be16(ip + 2), avail = len - kIp;
  if (total < detail::kIpv4MinHeader || total > avail) return false;
  const std::uint32_t seg = total - detail::kIpv4MinHeader;
  const std::uint8_t proto = ip[9];
  std::uint32_t header = 0, payload = 0;
  if (proto == kIpProtoTcp) {
    if (seg < detail::kTcpMinHeader) return false;
    header = (l4[12] >> 4) * 4u;
    if (header < detail::kTcpMinHeader || header > seg) return false;
    payload = seg - header;
  } else if (proto == kIpProtoUdp) {
    const std::uint32_t udp_len = load_be16(l4 + 4);
    if (seg < detail::kUdpHeader || udp_len < detail::kUdpHeader || udp_len > seg) return false;
    header = detail::kUdpHeader;
    payload = udp_len - detail::kUdpHeader;
  } else {
    return false;
  }

  std::memcpy(m.dst_mac.data(), data, kMacLen);
  std::memcpy(m.src_mac.data(), data + kMacLen, kMacLen);
  m.ethertype = kEthertypeIpv4;
  m.l3 = L3::Ipv4;
  m.l3_offset = kIp;
  m.ttl = ip[8];
  m.ip_proto = proto;
  detail::set_v4_mapped(m.src, ip + 12);
  detail::set_v4_mapped(m.dst, ip + 16);
  if (total < avail) m.flags = kMetaPadded;
  m.l4_offset = kL4;
  m.sport = load_be16(l4);
  m.dport = load_be16(l4 + 2);
  m.payload_offset = static_cast<std::uint16_t>(kL4 + header);
  m.payload_len = static_cast<std::uint16_t>(payload);
  if (proto == kIpProtoUdp) {
    m.l4 = L4::Udp;
    return true;
  }
  m.l4 = L4::Tcp;
  m.tcp_seq = load_be32(l4 + 4);
  m.tcp_ack = load_be32(l4 + 8);
  m.tcp_flags = l4[13];
  m.tcp_window = load_be16(l4 + 14);
  if ((m.tcp_flags & kTcpSyn) && header > detail::kTcpMinHeader)
    m.tcp_wscale = detail::tcp_window_scale(l4 + detail::kTcpMinHeader, l4 + header);
  return true;
}

// Copying a constant compiles to a few vector stores; `m = PacketMeta{}` became `rep stos`,
// whose start-up cost was most of the time spent in decode (measured with bench/decode_bench).
constexpr PacketMeta kEmptyMeta{};
static_assert(std::is_trivially_copyable_v<PacketMeta>);

// The general path, after m has been reset: dispatch on the link type.
void decode_link(const std::uint8_t* data, std::uint32_t len, LinkType link, PacketMeta& m) noexcept {
  switch (link) {
    case LinkType::Ethernet:
      if (len < kEthHeader) {
        m.error = DecodeError::TruncatedL2;
        return;
      }
      std::memcpy(m.dst_mac.data(), data, kMacLen);
      std::memcpy(m.src_mac.data(), data + kMacLen, kMacLen);
      decode_ethertype(data, kEthHeader, len, load_be16(data + 12), m);
      return;
    case LinkType::LinuxSll:
      if (len < kSllHeader) {
        m.error = DecodeError::TruncatedL2;
        return;
      }
      // The address field is the sender's link address; only an Ethernet one is a MAC.
      if (load_be16(data + 4) == kMacLen) std::memcpy(m.src_mac.data(), data + 6, kMacLen);
      decode_ethertype(data, kSllHeader, len, load_be16(data + 14), m);
      return;
    case LinkType::LinuxSll2:
      if (len < kSll2Header) {
        m.error = DecodeError::TruncatedL2;
        return;
      }
      if (data[11] == kMacLen) std::memcpy(m.src_mac.data(), data + 12, kMacLen);
      decode_ethertype(data, kSll2Header, len, load_be16(data), m);
      return;
    case LinkType::Null: {
      if (len < kNullHeader) {
        m.error = DecodeError::TruncatedL2;
        return;
      }
      // Written in the capturing host's byte order. Families are small numbers, so a value
      // with high bits set came from a host of the other endianness (libpcap does the same).
      std::uint32_t family = load_le32(data);
      if (family > 0xffff) family = __builtin_bswap32(family);
      decode_address_family(data, len, family, m);
      return;
    }
    case LinkType::Loop:
      if (len < kNullHeader) {
        m.error = DecodeError::TruncatedL2;
        return;
      }
      decode_address_family(data, len, load_be32(data), m);
      return;
    case LinkType::RawIp:
      decode_raw_ip(data, len, m);
      return;
    case LinkType::Ipv4:
      decode_l3(data, 0, len, kEthertypeIpv4, m);
      return;
    case LinkType::Ipv6:
      decode_l3(data, 0, len, kEthertypeIpv6, m);
      return;
  }
  m.error = DecodeError::UnknownLinkType;
}

}  // namespace

void decode(const std::uint8_t* data, std::uint32_t len, LinkType link, PacketMeta& m) noexcept {
  std::memcpy(&m, &kEmptyMeta, sizeof m);
  if (link == LinkType::Ethernet && decode_common_frame(data, len, m)) return;
  decode_link(data, len, link, m);
}

void detail::decode_general(const std::uint8_t* data, std::uint32_t len, LinkType link, PacketMeta& m) noexcept {
  std::memcpy(&m, &kEmptyMeta, sizeof m);
  decode_link(data, len, link, m);
}

std::string_view decode_error_name(DecodeError e) noexcept {
  switch (e) {
    case DecodeError::None: return "decode.ok";
    case DecodeError::TruncatedL2: return "decode.truncated_l2";
    case DecodeError::TruncatedL3: return "decode.truncated_l3";
    case DecodeError::BadIpVersion: return "decode.bad_ip_version";
    case DecodeError::BadIpHeader: return "decode.bad_ip_header";
    case DecodeError::TruncatedL4: return "decode.truncated_l4";
    case DecodeError::BadL4Header: return "decode.bad_l4_header";
    case DecodeError::TooManyVlans: return "decode.too_many_vlans";
    case DecodeError::UnknownLinkType: return "decode.unknown_link_type";
  }
  return "decode.unknown_error";
}

}  // namespace fg::dp

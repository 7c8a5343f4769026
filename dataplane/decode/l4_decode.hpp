// TCP, UDP and ICMP header decoding; internal to the decode stage (used by ip_decode.hpp).
#pragma once

#include <algorithm>
#include <cstdint>

#include "dataplane/decode/packet_meta.hpp"
#include "protocols/common/bytes.hpp"

namespace fg::dp::detail {

// IANA protocol numbers ("Assigned Internet Protocol Numbers").
inline constexpr std::uint8_t kIpProtoHopByHop = 0;
inline constexpr std::uint8_t kIpProtoIcmp = 1;
inline constexpr std::uint8_t kIpProtoTcp = 6;
inline constexpr std::uint8_t kIpProtoUdp = 17;
inline constexpr std::uint8_t kIpProtoRouting = 43;
inline constexpr std::uint8_t kIpProtoFragment = 44;
inline constexpr std::uint8_t kIpProtoEsp = 50;
inline constexpr std::uint8_t kIpProtoAh = 51;
inline constexpr std::uint8_t kIpProtoIcmpv6 = 58;
inline constexpr std::uint8_t kIpProtoNoNext = 59;
inline constexpr std::uint8_t kIpProtoDstOpts = 60;

inline constexpr std::uint32_t kTcpMinHeader = 20;   // RFC 9293 3.1: data offset >= 5 words
inline constexpr std::uint32_t kUdpHeader = 8;       // RFC 768
inline constexpr std::uint32_t kIcmpv4Header = 8;    // RFC 792: type, code, checksum, 4 more
inline constexpr std::uint32_t kIcmpv6Header = 4;    // RFC 4443 2.1: type, code, checksum

// TCP option kinds (RFC 9293 3.2, RFC 7323 2.2).
inline constexpr std::uint8_t kTcpOptEnd = 0;
inline constexpr std::uint8_t kTcpOptNop = 1;
inline constexpr std::uint8_t kTcpOptWindowScale = 3;
inline constexpr std::uint8_t kTcpOptWindowScaleLen = 3;
inline constexpr std::uint8_t kNoWindowScale = 0xff;

// Window scale from the options in [p, end), kNoWindowScale if absent. A malformed option list
// ends the scan but is not a decode error: the fixed header is sound, and the receiving stack
// is the one that judges options. The shift is returned as sent (RFC 7323 caps it at 14 when
// used; that policy belongs to the TCP tracker).
inline std::uint8_t tcp_window_scale(const std::uint8_t* p, const std::uint8_t* end) noexcept {
  while (p < end) {
    const std::uint8_t kind = p[0];
    if (kind == kTcpOptEnd) break;
    if (kind == kTcpOptNop) {
      ++p;
      continue;
    }
    if (end - p < 2) break;
    const std::uint8_t opt_len = p[1];
    if (opt_len < 2 || opt_len > end - p) break;
    if (kind == kTcpOptWindowScale && opt_len == kTcpOptWindowScaleLen) return p[2];
    p += opt_len;
  }
  return kNoWindowScale;
}

// Decodes the L4 header in [off, end) of `data`; the caller has checked off <= end <= frame
// length and set the fragment bits of m.flags. Without an L4 header (non-first fragments,
// unknown protocols) the payload is the whole IP payload.
inline void decode_l4(const std::uint8_t* data, std::uint32_t off, std::uint32_t end, std::uint8_t proto,
                      PacketMeta& m) noexcept {
  using proto::load_be16;
  using proto::load_be32;
  const std::uint32_t seg = end - off;
  m.ip_proto = proto;
  m.l4_offset = static_cast<std::uint16_t>(off);
  m.payload_offset = static_cast<std::uint16_t>(off);
  m.payload_len = static_cast<std::uint16_t>(seg);
  const bool fragment = (m.flags & kMetaFragment) != 0;
  if (fragment && !(m.flags & kMetaFirstFragment)) return;  // the L4 header is in the first one

  const std::uint8_t* p = data + off;
  switch (proto) {
    case kIpProtoTcp: {
      m.l4 = L4::Tcp;
      if (seg < kTcpMinHeader) {
        m.error = DecodeError::TruncatedL4;
        return;
      }
      m.sport = load_be16(p);
      m.dport = load_be16(p + 2);
      m.tcp_seq = load_be32(p + 4);
      m.tcp_ack = load_be32(p + 8);
      m.tcp_flags = p[13];
      m.tcp_window = load_be16(p + 14);
      const std::uint32_t data_off = (p[12] >> 4) * 4u;
      if (data_off < kTcpMinHeader || data_off > seg) {
        m.error = DecodeError::BadL4Header;
        return;
      }
      // Window scale only counts on SYN and SYN-ACK (RFC 7323 2.2); skip the walk otherwise.
      if ((m.tcp_flags & kTcpSyn) && data_off > kTcpMinHeader)
        m.tcp_wscale = tcp_window_scale(p + kTcpMinHeader, p + data_off);
      m.payload_offset = static_cast<std::uint16_t>(off + data_off);
      m.payload_len = static_cast<std::uint16_t>(seg - data_off);
      return;
    }
    case kIpProtoUdp: {
      m.l4 = L4::Udp;
      if (seg < kUdpHeader) {
        m.error = DecodeError::TruncatedL4;
        return;
      }
      m.sport = load_be16(p);
      m.dport = load_be16(p + 2);
      const std::uint32_t udp_len = load_be16(p + 4);
      // A first fragment holds only part of the datagram the UDP length describes. A UDP length
      // shorter than the IP payload is legal (RFC 768): the rest is not UDP data.
      if (udp_len < kUdpHeader || (!fragment && udp_len > seg)) {
        m.error = DecodeError::BadL4Header;
        return;
      }
      m.payload_offset = static_cast<std::uint16_t>(off + kUdpHeader);
      m.payload_len = static_cast<std::uint16_t>(std::min(udp_len, seg) - kUdpHeader);
      return;
    }
    case kIpProtoIcmp:
    case kIpProtoIcmpv6: {
      // ICMP inside IPv6 or ICMPv6 inside IPv4 is nobody's protocol: leave it as Other.
      const bool v6 = m.l3 == L3::Ipv6;
      if (v6 != (proto == kIpProtoIcmpv6)) {
        m.l4 = L4::Other;
        return;
      }
      m.l4 = v6 ? L4::Icmpv6 : L4::Icmp;
      if (seg < (v6 ? kIcmpv6Header : kIcmpv4Header)) {
        m.error = DecodeError::TruncatedL4;
        return;
      }
      m.sport = p[0];  // type
      m.dport = p[1];  // code
      return;
    }
    case kIpProtoNoNext:
      return;  // L4::None: nothing follows by definition
    default:
      m.l4 = L4::Other;
      return;
  }
}

}  // namespace fg::dp::detail

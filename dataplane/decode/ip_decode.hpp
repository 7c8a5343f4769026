// IPv4 and IPv6 (with extension headers) decoding; internal to the decode stage.
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/decode/l4_decode.hpp"
#include "dataplane/decode/packet_meta.hpp"
#include "protocols/common/bytes.hpp"

namespace fg::dp::detail {

inline constexpr std::uint32_t kIpv4MinHeader = 20;  // RFC 791: IHL >= 5 words
inline constexpr std::uint32_t kIpv6Header = 40;     // RFC 8200 3
inline constexpr std::uint32_t kIpv6FragmentHeader = 8;
inline constexpr std::uint16_t kIpv4MoreFragments = 0x2000;
inline constexpr std::uint16_t kIpv4FragOffsetMask = 0x1fff;
inline constexpr std::uint16_t kIpv6FragOffsetMask = 0xfff8;
inline constexpr std::uint16_t kIpv6MoreFragments = 0x0001;
// Policy for long chains: past this many extension headers the chain counts as broken.
// RFC 8200 4.1 allows each header once (destination options twice), so real traffic stays
// well below; the bound keeps the per-packet work constant whatever an attacker sends.
// It also keeps every offset well inside PacketMeta's 16-bit fields (8 x 2 KiB at most).
inline constexpr int kMaxIpv6ExtHeaders = 8;

// Stores an IPv4 address as ::ffff:a.b.c.d; the other bytes are already zero (m was reset).
inline void set_v4_mapped(IpAddr& a, const std::uint8_t* p) noexcept {
  a.bytes[10] = 0xff;
  a.bytes[11] = 0xff;
  std::memcpy(&a.bytes[12], p, 4);
}

// Sets the fragment bits from an offset and a more-fragments bit (same meaning in v4 and v6).
inline void set_fragment_flags(PacketMeta& m, bool more, bool offset_zero) noexcept {
  if (more || !offset_zero) {
    m.flags |= kMetaFragment;
    if (offset_zero) m.flags |= kMetaFirstFragment;
  }
}

inline void decode_ipv4(const std::uint8_t* data, std::uint32_t off, std::uint32_t len, PacketMeta& m) noexcept {
  using proto::load_be16;
  m.l3 = L3::Ipv4;
  m.l3_offset = static_cast<std::uint16_t>(off);
  const std::uint32_t avail = len - off;
  if (avail < kIpv4MinHeader) {
    m.error = DecodeError::TruncatedL3;
    return;
  }
  const std::uint8_t* p = data + off;
  if ((p[0] >> 4) != 4) {
    m.error = DecodeError::BadIpVersion;
    return;
  }
  m.ttl = p[8];
  m.ip_proto = p[9];
  set_v4_mapped(m.src, p + 12);
  set_v4_mapped(m.dst, p + 16);
  const std::uint32_t ihl = (p[0] & 0x0fu) * 4u;
  const std::uint32_t total = load_be16(p + 2);
  if (ihl < kIpv4MinHeader || total < ihl) {
    m.error = DecodeError::BadIpHeader;
    return;
  }
  if (total > avail) {
    m.error = DecodeError::TruncatedL3;
    return;
  }
  if (total < avail) m.flags |= kMetaPadded;
  if (ihl > kIpv4MinHeader) m.flags |= kMetaIpOptions;
  const std::uint16_t frag = load_be16(p + 6);
  set_fragment_flags(m, (frag & kIpv4MoreFragments) != 0, (frag & kIpv4FragOffsetMask) == 0);
  decode_l4(data, off + ihl, off + total, p[9], m);
}

inline void decode_ipv6(const std::uint8_t* data, std::uint32_t off, std::uint32_t len, PacketMeta& m) noexcept {
  using proto::load_be16;
  m.l3 = L3::Ipv6;
  m.l3_offset = static_cast<std::uint16_t>(off);
  const std::uint32_t avail = len - off;
  if (avail < kIpv6Header) {
    m.error = DecodeError::TruncatedL3;
    return;
  }
  const std::uint8_t* p = data + off;
  if ((p[0] >> 4) != 6) {
    m.error = DecodeError::BadIpVersion;
    return;
  }
  m.ttl = p[7];
  std::memcpy(m.src.bytes.data(), p + 8, 16);
  std::memcpy(m.dst.bytes.data(), p + 24, 16);
  // A payload length of 0 with a jumbo option (RFC 2675) never fits a frame we accept, so
  // it is simply an empty payload here.
  const std::uint32_t total = kIpv6Header + load_be16(p + 4);
  if (total > avail) {
    m.error = DecodeError::TruncatedL3;
    return;
  }
  if (total < avail) m.flags |= kMetaPadded;

  const std::uint32_t end = off + total;
  std::uint32_t pos = off + kIpv6Header;
  std::uint8_t next = p[6];
  for (int n = 0;; ++n) {
    const bool generic = next == kIpProtoHopByHop || next == kIpProtoRouting || next == kIpProtoDstOpts ||
                         next == kIpProtoAh;
    if (!generic && next != kIpProtoFragment) break;  // L4, ESP, no-next-header or unknown
    m.flags |= kMetaIpOptions;
    m.ip_proto = next;  // so an error names the header that broke the chain
    if (n == kMaxIpv6ExtHeaders || end - pos < 2) {
      m.error = DecodeError::BadIpHeader;
      return;
    }
    const std::uint8_t* h = data + pos;
    if (generic) {
      // Length in 8-octet units not counting the first 8 (RFC 8200 4.3); AH counts 4-octet
      // units not counting the first 8 (RFC 4302 2.2).
      const std::uint32_t hdr_len = next == kIpProtoAh ? (h[1] + 2u) * 4u : (h[1] + 1u) * 8u;
      if (hdr_len > end - pos) {
        m.error = DecodeError::BadIpHeader;
        return;
      }
      next = h[0];
      pos += hdr_len;
      continue;
    }
    if (end - pos < kIpv6FragmentHeader) {
      m.error = DecodeError::BadIpHeader;
      return;
    }
    const std::uint16_t frag = load_be16(h + 2);
    const bool offset_zero = (frag & kIpv6FragOffsetMask) == 0;
    // An atomic fragment (offset 0, M = 0, RFC 6946) is a whole packet: no fragment bits.
    set_fragment_flags(m, (frag & kIpv6MoreFragments) != 0, offset_zero);
    next = h[0];
    pos += kIpv6FragmentHeader;
    if (!offset_zero) break;  // later fragments continue the payload, not the header chain
  }
  decode_l4(data, pos, end, next, m);
}

}  // namespace fg::dp::detail

#include "dataplane/pipeline/tcp_reset.hpp"

#include <cstring>

namespace fg::dp {

namespace {

void put16(std::uint8_t* p, std::uint16_t v) noexcept { p[0] = static_cast<std::uint8_t>(v >> 8); p[1] = static_cast<std::uint8_t>(v); }
void put32(std::uint8_t* p, std::uint32_t v) noexcept { put16(p, static_cast<std::uint16_t>(v >> 16)); put16(p + 2, static_cast<std::uint16_t>(v)); }

std::uint32_t sum16(const std::uint8_t* p, std::uint32_t n, std::uint32_t acc) noexcept {
  for (std::uint32_t i = 0; i + 1 < n; i += 2) acc += (std::uint32_t{p[i]} << 8) | p[i + 1];
  if (n & 1) acc += std::uint32_t{p[n - 1]} << 8;
  return acc;
}

std::uint16_t fold(std::uint32_t acc) noexcept {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(~acc);
}

}  // namespace

std::uint32_t build_tcp_reset(const std::uint8_t* frame, const PacketMeta& m, bool toward_sender,
                              std::uint8_t* out, std::uint32_t cap) noexcept {
  if (m.l4 != L4::Tcp || m.l3_offset < 14 || (m.l3 != L3::Ipv4 && m.l3 != L3::Ipv6)) return 0;
  const bool v4 = m.l3 == L3::Ipv4;
  const std::uint32_t l2 = m.l3_offset;  // Ethernet + VLAN tags, copied as they were
  const std::uint32_t l3 = v4 ? 20 : 40;
  const std::uint32_t total = l2 + l3 + 20;
  if (total > cap) return 0;
  std::memcpy(out, frame, l2);
  if (toward_sender) {
    std::memcpy(out, frame + 6, 6);
    std::memcpy(out + 6, frame, 6);
  }
  const IpAddr& src = toward_sender ? m.dst : m.src;
  const IpAddr& dst = toward_sender ? m.src : m.dst;
  std::uint8_t* ip = out + l2;
  if (v4) {
    std::memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, 40);
    ip[6] = 0x40;  // DF
    ip[8] = 64;
    ip[9] = 6;
    std::memcpy(ip + 12, &src.bytes[12], 4);
    std::memcpy(ip + 16, &dst.bytes[12], 4);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
  } else {
    std::memset(ip, 0, 40);
    ip[0] = 0x60;
    put16(ip + 4, 20);
    ip[6] = 6;
    ip[7] = 64;
    std::memcpy(ip + 8, src.bytes.data(), 16);
    std::memcpy(ip + 24, dst.bytes.data(), 16);
  }
  std::uint8_t* tcp = ip + l3;
  std::memset(tcp, 0, 20);
  put16(tcp, toward_sender ? m.dport : m.sport);
  put16(tcp + 2, toward_sender ? m.sport : m.dport);
  std::uint8_t flags = kTcpRst;
  std::uint32_t seq = m.tcp_seq;
  std::uint32_t ack = 0;
  if (toward_sender) {
    if (m.tcp_flags & kTcpAck) {
      seq = m.tcp_ack;
    } else {
      // Answering a bare SYN (or ACK-less segment): RST+ACK covering what it sent.
      seq = 0;
      ack = m.tcp_seq + m.payload_len + ((m.tcp_flags & kTcpSyn) ? 1 : 0) + ((m.tcp_flags & kTcpFin) ? 1 : 0);
      flags |= kTcpAck;
    }
  }
  put32(tcp + 4, seq);
  put32(tcp + 8, ack);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  // Checksum over the pseudo-header and the 20-byte header.
  std::uint32_t acc = 0;
  if (v4) {
    acc = sum16(ip + 12, 8, acc);
  } else {
    acc = sum16(ip + 8, 32, acc);
  }
  acc += 6 + 20;
  acc = sum16(tcp, 20, acc);
  put16(tcp + 16, fold(acc));
  return total;
}

}  // namespace fg::dp

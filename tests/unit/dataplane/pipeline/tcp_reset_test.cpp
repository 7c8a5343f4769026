// The reset action's RST segments: addresses, ports, sequence numbers and checksums.
#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <vector>

#include "dataplane/decode/decode.hpp"
#include "dataplane/pipeline/tcp_reset.hpp"

using namespace fg::dp;

namespace {

std::uint16_t checksum(const std::uint8_t* p, std::size_t n, std::uint32_t acc = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2) acc += (p[i] << 8) | p[i + 1];
  if (n & 1) acc += p[n - 1] << 8;
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(~acc);
}

// An Ethernet/IPv4/TCP frame from 192.0.2.1:40000 to 192.0.2.2:502.
std::vector<std::uint8_t> frame(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, std::size_t payload) {
  static constexpr std::uint8_t kHeader[] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
                                 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
                                 0x9c, 0x40, 0x01, 0xf6, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0, 0xff, 0xff, 0, 0, 0, 0};
  // Sized once, then filled: GCC 12 warns falsely (-Warray-bounds) on growing a vector here.
  std::vector<std::uint8_t> f(sizeof kHeader + payload, 0xab);
  std::copy(std::begin(kHeader), std::end(kHeader), f.begin());
  const std::uint16_t total = static_cast<std::uint16_t>(40 + payload);
  f[16] = static_cast<std::uint8_t>(total >> 8);
  f[17] = static_cast<std::uint8_t>(total);
  for (int i = 0; i < 4; ++i) {
    f[38 + i] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
    f[42 + i] = static_cast<std::uint8_t>(ack >> (24 - 8 * i));
  }
  f[47] = flags;
  return f;
}

// Decodes `f`, builds the reset for it into `out` and decodes that; returns the reset's length.
struct Reset {
  PacketMeta orig;
  PacketMeta rst;
  std::uint8_t out[kMaxResetFrame];
  std::uint32_t len = 0;
  Reset(const std::vector<std::uint8_t>& f, bool toward_sender) {
    decode(f.data(), static_cast<std::uint32_t>(f.size()), LinkType::Ethernet, orig);
    len = build_tcp_reset(f.data(), orig, toward_sender, out, sizeof out);
    decode(out, len, LinkType::Ethernet, rst);
  }
};

}  // namespace

TEST_CASE("a reset toward the receiver takes the dropped segment's place") {
  const auto f = frame(kTcpAck | kTcpPsh, 1000, 5000, 12);
  PacketMeta m;
  decode(f.data(), static_cast<std::uint32_t>(f.size()), LinkType::Ethernet, m);
  REQUIRE(m.error == DecodeError::None);
  std::uint8_t out[kMaxResetFrame];
  const auto n = build_tcp_reset(f.data(), m, false, out, sizeof out);
  REQUIRE(n == 54);
  PacketMeta r;
  decode(out, n, LinkType::Ethernet, r);
  REQUIRE(r.error == DecodeError::None);
  CHECK(r.src == m.src);
  CHECK(r.dport == 502);
  CHECK(r.tcp_flags == kTcpRst);
  CHECK(r.tcp_seq == 1000);
  CHECK(checksum(out + 14, 20) == 0);
}

TEST_CASE("a reset toward the sender uses its acknowledgement number and swaps addresses") {
  const Reset x(frame(kTcpAck | kTcpPsh, 1000, 5000, 12), true);
  const PacketMeta& m = x.orig;
  const PacketMeta& r = x.rst;
  const std::uint8_t* out = x.out;
  REQUIRE(r.error == DecodeError::None);
  CHECK(r.src == m.dst);
  CHECK(r.dst == m.src);
  CHECK(r.sport == 502);
  CHECK(r.dport == 40000);
  CHECK(r.tcp_seq == 5000);
  CHECK(out[0] == 0x02);
  CHECK(out[5] == 1);  // destination MAC is the sender's
  // TCP checksum over pseudo-header + header must verify.
  std::uint32_t acc = 0;
  for (int i = 26; i < 34; i += 2) acc += (out[i] << 8) | out[i + 1];
  acc += 6 + 20;
  CHECK(checksum(out + 34, 20, acc) == 0);
}

TEST_CASE("a refused SYN is answered RST+ACK like a closed port") {
  const Reset x(frame(kTcpSyn, 777, 0, 0), true);
  CHECK(x.rst.tcp_flags == (kTcpRst | kTcpAck));
  CHECK(x.rst.tcp_ack == 778);
  CHECK(x.rst.tcp_seq == 0);
}

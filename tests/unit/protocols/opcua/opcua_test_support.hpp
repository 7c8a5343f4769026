// Test helpers for the OPC UA parser: a collecting sink, hex decoding and chunk builders.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/opcua/opcua.hpp"

namespace fg::opcua::test {

struct CollectSink final : proto::Sink<Record> {
  std::vector<Record> records;
  std::vector<proto::Anomaly> anomalies;
  void on_record(const Record& r) noexcept override { records.push_back(r); }
  void on_anomaly(const proto::Anomaly& a) noexcept override { anomalies.push_back(a); }
  [[nodiscard]] bool has(const proto::AnomalyKind& k) const {
    for (const auto& a : anomalies)
      if (a.kind == &k) return true;
    return false;
  }
};

inline std::vector<std::uint8_t> hex(std::string_view h) {
  std::vector<std::uint8_t> out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(nib(h[i]) << 4 | nib(h[i + 1])));
  return out;
}

// Little-endian builder for hand-made chunks; `finish` patches the size field.
struct Builder {
  std::vector<std::uint8_t> b;
  explicit Builder(std::string_view type, char chunk = 'F') {
    for (char c : type) b.push_back(static_cast<std::uint8_t>(c));
    b.push_back(static_cast<std::uint8_t>(chunk));
    u32(0);
  }
  Builder& u8(std::uint8_t v) { b.push_back(v); return *this; }
  Builder& u16(std::uint16_t v) { u8(v & 0xFF); return u8(v >> 8); }
  Builder& u32(std::uint32_t v) { u16(v & 0xFFFF); return u16(v >> 16); }
  Builder& str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    for (char c : s) u8(static_cast<std::uint8_t>(c));
    return *this;
  }
  Builder& null_str() { return u32(0xFFFFFFFF); }
  Builder& fill(std::size_t n, std::uint8_t v = 0xAB) { b.insert(b.end(), n, v); return *this; }
  Builder& service(std::uint16_t id) { u8(0x01); u8(0); return u16(id); }
  std::vector<std::uint8_t> finish() {
    std::uint32_t n = static_cast<std::uint32_t>(b.size());
    for (int i = 0; i < 4; ++i) b[4 + i] = static_cast<std::uint8_t>(n >> (8 * i));
    return b;
  }
};

inline std::vector<std::uint8_t> hello(std::uint32_t rbs = 65535, std::uint32_t sbs = 65535,
                                       std::uint32_t mms = 0, std::uint32_t mcc = 0,
                                       std::string_view url = "opc.tcp://plc:4840") {
  return Builder("HEL").u32(0).u32(rbs).u32(sbs).u32(mms).u32(mcc).str(url).finish();
}
inline std::vector<std::uint8_t> ack(std::uint32_t rbs = 65535, std::uint32_t sbs = 65535,
                                     std::uint32_t mms = 0, std::uint32_t mcc = 0) {
  return Builder("ACK").u32(0).u32(rbs).u32(sbs).u32(mms).u32(mcc).finish();
}
// A symmetric chunk (MSG/CLO) with a plaintext sequence header and optional service id.
inline Builder symmetric(std::string_view type, char chunk, std::uint32_t scid, std::uint32_t token,
                         std::uint32_t seq, std::uint32_t rqid) {
  Builder b(type, chunk);
  b.u32(scid).u32(token).u32(seq).u32(rqid);
  return b;
}

// Runs the parse loop as the pipeline does over a whole buffer of one direction.
inline void feed(std::vector<std::uint8_t> bytes, proto::Direction dir, FlowState& st, CollectSink& sink) {
  proto::Bytes in(bytes);
  while (!in.empty()) {
    proto::ParseResult r = parse(in, dir, st, sink);
    if (r.status() == proto::Status::NeedMore || r.consumed() == 0) break;
    in = in.subspan(r.consumed());
  }
}

// Captured from opcua/icsnpp_opcua_get_endpoints.pcap (open62541, policy None).
inline constexpr std::string_view kCapturedHel =
    "48454c463800000000000000ffff0000ffff00000000000000000000180000006f70632e7463703a2f2f6c6f63616c686f73743a34383430";
inline constexpr std::string_view kCapturedAck = "41434b461c00000000000000ffff0000ffff00000000000000000000";
inline constexpr std::string_view kCapturedOpnRequest =
    "4f504e4684000000000000002f000000687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572697479506f6c696379234e6f6e65ffffffffffffffff01000000010000000100be01000060acd99b5595d7010000000000000000ffffffff00000000000000000000000000000001000000ffffffffc0270900";
inline constexpr std::string_view kCapturedOpnResponse =
    "4f504e4687000000080000002f000000687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572697479506f6c696379234e6f6e65ffffffffffffffff01000000010000000100c101f2b0d99b5595d701000000000000000000ffffffff000000000000000800000008000000e8b0d99b5595d701c0270900ffffffff";
inline constexpr std::string_view kCapturedGetEndpointsResponse =
    "4d53474638000000080000000800000002000000020000000100af01eebed99b5595d701010000000000000000ffffffff000000ffffffff";
inline constexpr std::string_view kCapturedClo =
    "434c4f4639000000080000000800000003000000030000000100c4010000eec3d99b5595d7010100000000000000ffffffff10270000000000";
// From opcua/iti_opcua_method_port12001.pcap frame 43: ERR 0x80020000, null reason.
inline constexpr std::string_view kCapturedErr = "455252461000000000000280ffffffff";

}  // namespace fg::opcua::test

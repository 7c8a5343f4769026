// Test helpers for the DNP3 parser: a recording sink and a link-frame builder that adds CRCs.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocols/dnp3/crc.hpp"
#include "protocols/dnp3/dnp3.hpp"

namespace fg::dnp3::test {

using ByteVec = std::vector<std::uint8_t>;

struct RecordingSink final : proto::Sink<Record> {
  std::vector<Record> records;
  std::vector<proto::Anomaly> anomalies;
  void on_record(const Record& r) noexcept override { records.push_back(r); }
  void on_anomaly(const proto::Anomaly& a) noexcept override { anomalies.push_back(a); }
  [[nodiscard]] bool saw(const proto::AnomalyKind& k) const {
    for (const auto& a : anomalies) {
      if (a.kind == &k) return true;
    }
    return false;
  }
};

inline ByteVec from_hex(std::string_view hex) {
  ByteVec out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<std::uint8_t>(nib(hex[i]) * 16 + nib(hex[i + 1])));
  return out;
}

inline void append_crc(ByteVec& v, std::size_t from) {
  const std::uint16_t c = crc16(proto::Bytes(v.data() + from, v.size() - from));
  v.push_back(static_cast<std::uint8_t>(c & 0xff));
  v.push_back(static_cast<std::uint8_t>(c >> 8));
}

// A link frame with good CRCs carrying `user` (transport octet included) as user data.
inline ByteVec build_frame(std::uint8_t control, std::uint16_t dst, std::uint16_t src, const ByteVec& user) {
  ByteVec v{0x05, 0x64, static_cast<std::uint8_t>(5 + user.size()), control,
            static_cast<std::uint8_t>(dst & 0xff), static_cast<std::uint8_t>(dst >> 8),
            static_cast<std::uint8_t>(src & 0xff), static_cast<std::uint8_t>(src >> 8)};
  append_crc(v, 0);
  for (std::size_t i = 0; i < user.size(); i += 16) {
    const std::size_t start = v.size();
    for (std::size_t j = i; j < user.size() && j < i + 16; ++j) v.push_back(user[j]);
    append_crc(v, start);
  }
  return v;
}

// Master (1) to outstation (10), unconfirmed user data, DIR and PRM set.
inline ByteVec request_frame(const ByteVec& user) { return build_frame(0xc4, 10, 1, user); }
// Outstation to master, unconfirmed user data, PRM set.
inline ByteVec response_frame(const ByteVec& user) { return build_frame(0x44, 1, 10, user); }

inline proto::ParseResult parse_all(const ByteVec& in, proto::Direction dir, FlowState& st, RecordingSink& sink) {
  std::size_t pos = 0;
  proto::ParseResult r{};
  while (pos < in.size()) {
    r = parse(proto::Bytes(in.data() + pos, in.size() - pos), dir, st, sink);
    if (r.status() == proto::Status::NeedMore || r.consumed() == 0) break;
    pos += r.consumed();
  }
  return r;
}

}  // namespace fg::dnp3::test

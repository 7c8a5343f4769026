// Test helpers for the Modbus parser: hex input, a collecting sink, the pipeline's parse loop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/modbus/modbus.hpp"

namespace fg::modbus::test {

inline std::vector<std::uint8_t> hex(std::string_view s) {
  std::vector<std::uint8_t> out;
  int hi = -1;
  for (char c : s) {
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

struct CollectSink final : proto::Sink<Record> {
  std::vector<Record> records;
  std::vector<proto::Anomaly> anomalies;
  void on_record(const Record& r) noexcept override { records.push_back(r); }
  void on_anomaly(const proto::Anomaly& a) noexcept override { anomalies.push_back(a); }
  [[nodiscard]] int count(const proto::AnomalyKind& k) const {
    int n = 0;
    for (const auto& a : anomalies) n += a.kind == &k;
    return n;
  }
};

// Runs parse (or parse_rtu) over `bytes` as the pipeline does; returns bytes left unconsumed.
inline std::size_t feed(std::vector<std::uint8_t> bytes, proto::Direction dir, FlowState& st, CollectSink& sink,
                        bool rtu = false) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    proto::Bytes in(bytes.data() + off, bytes.size() - off);
    const auto r = rtu ? parse_rtu(in, dir, st, sink) : parse(in, dir, st, sink);
    if (r.status() == proto::Status::NeedMore || r.consumed() == 0) break;
    off += r.consumed();
  }
  return bytes.size() - off;
}

inline std::string json(const Record& r) {
  std::string s;
  proto::JsonWriter w(s);
  w.begin_object();
  write_json(r, w);
  w.end_object();
  return s;
}

inline constexpr auto kToServer = proto::Direction::ToServer;
inline constexpr auto kToClient = proto::Direction::ToClient;

}  // namespace fg::modbus::test

// Test helpers for the S7 parser: hex decoding, a collecting sink, a parse-everything loop.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/s7comm/s7comm.hpp"

namespace fg::s7comm::test {

inline std::vector<std::uint8_t> hex(std::string_view s) {
  std::vector<std::uint8_t> out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    if (s[i] == ' ') { --i; continue; }
    out.push_back(static_cast<std::uint8_t>(nib(s[i]) * 16 + nib(s[i + 1])));
  }
  return out;
}

// Wraps an S7 payload (hex) in TPKT + COTP DT with EOT, lengths computed.
inline std::string dt(std::string_view payload_hex) {
  std::string p;
  for (char c : payload_hex) if (c != ' ') p += c;
  char head[32];
  std::snprintf(head, sizeof head, "0300%04zx02f080", p.size() / 2 + 7);
  return head + p;
}

struct CollectSink final : proto::Sink<Record> {
  std::vector<Record> records;
  std::vector<proto::Anomaly> anomalies;
  void on_record(const Record& r) noexcept override { records.push_back(r); }
  void on_anomaly(const proto::Anomaly& a) noexcept override { anomalies.push_back(a); }
  bool has(const proto::AnomalyKind& k) const {
    for (const auto& a : anomalies) if (a.kind == &k) return true;
    return false;
  }
};

// Runs the parse loop as the pipeline does over a whole buffer; returns the bytes left over.
inline std::size_t parse_all(const std::vector<std::uint8_t>& bytes, FlowState& st, CollectSink& sink,
                             proto::Direction dir = proto::Direction::ToServer) {
  proto::Bytes in(bytes.data(), bytes.size());
  while (!in.empty()) {
    proto::ParseResult r = parse(in, dir, st, sink);
    if (r.status() == proto::Status::NeedMore || r.consumed() == 0) break;
    in = in.subspan(r.consumed());
  }
  return in.size();
}

inline std::string to_json(const Record& r) {
  std::string s;
  proto::JsonWriter w(s);
  w.begin_object();
  write_json(r, w);
  w.end_object();
  return s;
}

}  // namespace fg::s7comm::test

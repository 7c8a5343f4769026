// Modbus/TCP: MBAP framing, detection, resynchronisation and request/response pairing.
#include <algorithm>

#include "protocols/modbus/modbus.hpp"
#include "protocols/modbus/pairing.hpp"
#include "protocols/modbus/pdu_decoder.hpp"

namespace fg::modbus {
namespace {

using proto::Bytes;
using proto::Detect;
using proto::Direction;
using proto::ParseResult;
using proto::Status;

bool length_ok(std::uint16_t len) noexcept { return len >= kMinMbapLength && len <= kMaxMbapLength; }

// Function codes a peer may plausibly send: requests 1..127, responses anything but 0 / 0x80
// (exception replies set the top bit).
bool function_plausible(std::uint8_t fc, Direction dir) noexcept {
  if (dir == Direction::ToServer) return fc >= 1 && fc <= 0x7F;
  return (fc & 0x7Fu) != 0;
}

// Full MBAP header plus function code at `p` looks like Modbus (needs 8 bytes).
bool header_plausible(Bytes in, std::size_t p, Direction dir) noexcept {
  if (in.size() < p + kMbapHeader + 1) return false;
  const std::uint8_t* h = in.data() + p;
  return proto::load_be16(h + 2) == 0 && length_ok(proto::load_be16(h + 4)) && function_plausible(h[7], dir);
}

// Framing lost: report once per episode, then skip to the next plausible header (or all but
// the last 7 bytes, which may hold the start of one). Work is linear in the bytes skipped.
ParseResult resync(Bytes in, Direction dir, FlowState& st, proto::Sink<Record>& sink,
                   const AnomalyKind& kind, std::int64_t arg) noexcept {
  bool& lost = st.out_of_sync[static_cast<std::size_t>(dir)];
  if (!lost) sink.on_anomaly(proto::Anomaly{&kind, arg, 0});
  lost = true;
  std::size_t p = 1;
  for (; p + kMbapHeader + 1 <= in.size(); ++p)
    if (header_plausible(in, p, dir)) break;
  if (p + kMbapHeader + 1 > in.size()) p = std::max<std::size_t>(1, in.size() > kMbapHeader ? in.size() - kMbapHeader : 1);
  return ParseResult{Status::Malformed, static_cast<std::uint32_t>(p), 0};
}

}  // namespace

Detect detect(Bytes first, Direction dir) noexcept {
  if (first.size() < 4) return Detect::Maybe;
  if (proto::load_be16(first.data() + 2) != 0) return Detect::No;
  if (first.size() < 6) return Detect::Maybe;
  const std::uint16_t len = proto::load_be16(first.data() + 4);
  if (!length_ok(len)) return Detect::No;
  if (first.size() < kMbapHeader + 1) return Detect::Maybe;
  // When a second ADU header is visible it must frame too (rules out chance zeros).
  const std::size_t next = kMbapHeader - 1 + len;
  if (first.size() >= next + 4 && proto::load_be16(first.data() + next + 2) != 0) return Detect::No;
  if (function_plausible(first[7], dir)) return Detect::Yes;
  // An implausible function code (0, or a request with the exception bit) is what scanners
  // send; it still counts as Modbus when the ADU exactly fills what has arrived.
  if (first.size() == next) return Detect::Yes;
  return first.size() < next ? Detect::Maybe : Detect::No;
}

ParseResult parse(Bytes in, Direction dir, FlowState& st, proto::Sink<Record>& sink) noexcept {
  proto::Reader rd(in);
  const std::uint16_t tid = rd.be16();
  const std::uint16_t protocol_id = rd.be16();
  if (rd.ok() && protocol_id != 0) return resync(in, dir, st, sink, kBadProtocolId, protocol_id);
  const std::uint16_t len = rd.be16();
  if (rd.ok() && !length_ok(len)) return resync(in, dir, st, sink, kBadLength, len);
  const std::uint8_t unit = rd.u8();
  if (!rd.ok()) return ParseResult{Status::NeedMore, 0, static_cast<std::uint32_t>(in.size() >= 6 ? kMbapHeader - 1u + len : 0u)};
  const std::size_t total = kMbapHeader - 1 + len;
  if (in.size() < total) return ParseResult{Status::NeedMore, 0, static_cast<std::uint32_t>(total)};

  st.out_of_sync[static_cast<std::size_t>(dir)] = false;
  Record r;
  r.protocol = proto::Protocol::Modbus;
  r.transaction_id = tid;
  r.unit_id = unit;
  r.length = len;
  r.set(kHasTransactionId);
  r.is_response = dir == Direction::ToClient;
  const Bytes pdu = in.subspan(kMbapHeader, len - 1u);
  if (r.is_response) match_response(st, pdu[0], r, sink);
  decode_pdu(pdu, r, sink);
  if (!r.is_response) remember_request(st, r, sink);
  sink.on_record(r);
  return ParseResult{Status::Ok, static_cast<std::uint32_t>(total), 0};
}

}  // namespace fg::modbus

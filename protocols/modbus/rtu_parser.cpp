// Modbus RTU carried over TCP: frame length from function code and byte counts, CRC check.
#include "protocols/modbus/crc16.hpp"
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

inline constexpr std::uint8_t kMaxRtuAddress = 247;  // Serial Line V1.02 2.2: 248..255 reserved
inline constexpr std::size_t kRtuOverhead = 4;      // address, function, CRC (2)

// Frame length of the RTU frame at the front of `in`: 0 if more bytes would tell, or
// kUnframeable.
std::uint32_t frame_length(Bytes in, Direction dir) noexcept {
  if (in.size() < 2) return 0;
  const std::uint32_t data = pdu_data_length(in[1], dir == Direction::ToClient, in.subspan(2));
  if (data == kNeedMoreBytes) return in.size() >= kMaxRtuFrame ? kUnframeable : 0;
  if (data == kUnframeable || data + kRtuOverhead > kMaxRtuFrame) return kUnframeable;
  return data + static_cast<std::uint32_t>(kRtuOverhead);
}

bool crc_ok(Bytes frame, std::uint16_t& wire, std::uint16_t& computed) noexcept {
  const std::size_t n = frame.size() - 2;
  computed = crc16_modbus(frame.first(n));
  wire = static_cast<std::uint16_t>(frame[n] | (frame[n + 1] << 8));
  return wire == computed;
}

// No length field, so after a bad frame the only way forward is to slide one byte and try to
// frame again; anomalies are reported once until a good frame restores sync.
ParseResult lose_sync(Direction dir, FlowState& st, proto::Sink<Record>& sink, const AnomalyKind& kind,
                      std::int64_t a0, std::int64_t a1) noexcept {
  bool& lost = st.out_of_sync[static_cast<std::size_t>(dir)];
  if (!lost) sink.on_anomaly(proto::Anomaly{&kind, a0, a1});
  lost = true;
  return ParseResult{Status::Malformed, 1, 0};
}

}  // namespace

Detect detect_rtu(Bytes first, Direction dir) noexcept {
  if (first.empty()) return Detect::Maybe;
  if (first[0] > kMaxRtuAddress) return Detect::No;
  const std::uint32_t total = frame_length(first, dir);
  if (total == kUnframeable) return Detect::No;
  if (total == 0 || first.size() < total) return Detect::Maybe;
  std::uint16_t wire = 0;
  std::uint16_t computed = 0;
  return crc_ok(first.first(total), wire, computed) ? Detect::Yes : Detect::No;
}

ParseResult parse_rtu(Bytes in, Direction dir, FlowState& st, proto::Sink<Record>& sink) noexcept {
  const std::uint32_t total = frame_length(in, dir);
  if (total == kUnframeable) return lose_sync(dir, st, sink, kRtuUnframeable, in[1], in[0]);
  if (total == 0 || in.size() < total) return ParseResult{Status::NeedMore, 0, total};
  const Bytes frame = in.first(total);
  std::uint16_t wire = 0;
  std::uint16_t computed = 0;
  if (!crc_ok(frame, wire, computed)) return lose_sync(dir, st, sink, kBadRtuCrc, wire, computed);

  st.out_of_sync[static_cast<std::size_t>(dir)] = false;
  Record r;
  r.protocol = proto::Protocol::ModbusRtu;
  r.unit_id = frame[0];
  r.length = static_cast<std::uint16_t>(total - 2);  // address + PDU, as MBAP's unit id + PDU
  r.is_response = dir == Direction::ToClient;
  if (r.unit_id > kMaxRtuAddress) sink.on_anomaly(proto::Anomaly{&kBadRtuAddress, r.unit_id, 0});
  const Bytes pdu = frame.subspan(1, total - 3);
  if (r.is_response) match_response(st, pdu[0], r, sink);  // one outstanding request: key tid 0
  decode_pdu(pdu, r, sink);
  if (!r.is_response) remember_request(st, r, sink);
  sink.on_record(r);
  return ParseResult{Status::Ok, total, 0};
}

}  // namespace fg::modbus

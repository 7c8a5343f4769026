// Request and data item decoding shared by read/write var and the userdata functions.
#include "protocols/s7comm/items.hpp"

#include "protocols/s7comm/anomalies.hpp"
#include "protocols/s7comm/codes.hpp"

namespace fg::s7comm {

void add_return_code(Record& r, std::uint8_t rc) noexcept {
  if (r.return_codes_len < kMaxReturnCodes) {
    r.return_codes[r.return_codes_len++] = rc;
  } else {
    r.truncated = true;
  }
}

void decode_param_items(proto::Reader& rd, unsigned count, Record& r, proto::Sink<Record>& sink) noexcept {
  for (unsigned i = 0; i < count; ++i) {
    std::uint8_t spec = rd.u8();
    std::uint8_t spec_len = rd.u8();
    proto::Bytes body = rd.take(spec_len);
    if (!rd.ok() || spec != kVarSpec || spec_len < 1) {
      sink.on_anomaly(proto::Anomaly{&kItemOutOfSpec, i, spec});
      return;
    }
    proto::Reader ir(body);
    VarItem it;
    it.syntax_id = ir.u8();
    if (it.syntax_id == kSyntaxS7Any) {
      it.transport_size = ir.u8();
      it.length = ir.be16();
      it.db = ir.be16();
      it.area = ir.u8();
      it.address = ir.be24();
      if (!ir.ok() || spec_len != kS7AnySpecLength) sink.on_anomaly(proto::Anomaly{&kItemOutOfSpec, i, it.syntax_id});
    }
    if (r.items_len < kMaxItems) {
      r.items[r.items_len++] = it;
    } else if (!r.truncated) {
      r.truncated = true;
      sink.on_anomaly(proto::Anomaly{&kTooManyItems, count, kMaxItems});
    }
  }
}

void decode_data_items(proto::Reader& rd, unsigned count, Record& r, proto::Sink<Record>& sink) noexcept {
  const bool until_end = count == kUntilEnd;
  for (unsigned i = 0; until_end ? rd.has(4) : i < count; ++i) {
    std::uint8_t rc = rd.u8();
    std::uint8_t ts = rd.u8();
    std::uint16_t len = rd.be16();
    if (!rd.ok()) {
      sink.on_anomaly(proto::Anomaly{&kItemOutOfSpec, i, -1});
      return;
    }
    add_return_code(r, rc);
    std::size_t bytes = length_in_bits(ts) ? (std::size_t{len} + 7) / 8 : len;
    if (!rd.has(bytes)) {
      sink.on_anomaly(proto::Anomaly{&kItemOutOfSpec, i, ts});
      return;
    }
    rd.skip(bytes);
    // Values are padded to even length except after the last item.
    const bool last = until_end ? rd.remaining() <= 1 : i + 1 == count;
    if ((bytes & 1u) && !last) rd.skip(1);
    if (!rd.ok()) return;
  }
}

}  // namespace fg::s7comm

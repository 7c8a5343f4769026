// Userdata decoding. The parameter is 00 01 12, length (4 or 8), method, type|group,
// subfunction, sequence number [, data unit reference, last data unit, error code]. The data
// part opens with return code, transport size and length; what follows depends on group and
// subfunction. Only the layouts listed in dev_notes.md are decoded further.
#include "protocols/s7comm/userdata.hpp"

#include "protocols/s7comm/anomalies.hpp"
#include "protocols/s7comm/codes.hpp"
#include "protocols/s7comm/items.hpp"

namespace fg::s7comm {
namespace {

// Type nibble of the type|group octet.
constexpr std::uint8_t kTypePush = 0x0;
constexpr std::uint8_t kTypeRequest = 0x4;
constexpr std::uint8_t kTypeResponse = 0x8;

// Function groups and the subfunctions with decoded data parts.
constexpr std::uint8_t kGroupProgrammer = 0x1;
constexpr std::uint8_t kGroupCyclic = 0x2;
constexpr std::uint8_t kGroupCpu = 0x4;
constexpr std::uint8_t kProgVarTab = 0x02;
constexpr std::uint8_t kProgModify = 0x08;  // modify/force values of a variable table
constexpr std::uint8_t kCyclicUnsubscribe = 0x04;
constexpr std::uint8_t kCpuAlarm8Ind = 0x05;
constexpr std::uint8_t kCpuNotifyInd = 0x06;
constexpr std::uint8_t kCpuAlarmQuery = 0x13;

// Item count (2 bytes) then data items: cyclic data and alarm query responses. Only the cyclic
// data count is an item count in the read-var sense (`show_count`); the alarm query's counts
// result sets and is kept out of `item_count`.
void counted_data_items(proto::Reader& rd, Record& r, proto::Sink<Record>& sink, bool show_count) noexcept {
  std::uint16_t count = rd.be16();
  if (!rd.ok()) return;
  r.has_item_count = show_count;
  if (show_count) r.item_count = count;
  decode_data_items(rd, count, r, sink);
}

// Cyclic read subscription request: item count (2), time base (1), interval (1), items.
void cyclic_request(proto::Reader& rd, Record& r, proto::Sink<Record>& sink) noexcept {
  std::uint16_t count = rd.be16();
  rd.skip(2);
  if (!rd.ok()) return;
  r.has_item_count = true;
  r.item_count = count;
  decode_param_items(rd, count, r, sink);
}

// Alarm / notify indication: timestamp (8), function id (1), object count (1), then per
// object an 0x12 spec (syntax id, number of associated values, event data) followed by the
// associated values as data items.
void alarm_indication(proto::Reader& rd, Record& r, proto::Sink<Record>& sink) noexcept {
  rd.skip(9);
  std::uint8_t objects = rd.u8();
  for (unsigned i = 0; i < objects && rd.ok(); ++i) {
    std::uint8_t spec = rd.u8();
    std::uint8_t len = rd.u8();
    proto::Bytes body = rd.take(len);
    if (!rd.ok() || spec != kVarSpec || len < 2) {
      sink.on_anomaly(proto::Anomaly{&kItemOutOfSpec, i, spec});
      return;
    }
    decode_data_items(rd, body[1], r, sink);
  }
}

// Programmer variable tables: a length-prefixed header, then values. Requests to modify carry
// an address part (length in the second word) before the values; responses carry an item
// count and then full data items (variable table read) or one status octet per item (modify).
void programmer(proto::Reader& rd, Record& r, proto::Sink<Record>& sink) noexcept {
  if (r.userdata_type == kTypeRequest && r.userdata_subfunc == kProgModify) {
    rd.skip(2);  // length of the values
    std::uint16_t addr_len = rd.be16();
    rd.skip(addr_len);
    if (rd.ok()) decode_data_items(rd, kUntilEnd, r, sink);
    return;
  }
  // Responses come with type 0 (push) from S7-300 CPUs and 8 from others.
  if (r.userdata_type == kTypeRequest) return;
  rd.skip(8);
  std::uint16_t count = rd.be16();
  if (!rd.ok()) return;
  if (r.userdata_subfunc == kProgVarTab) {
    decode_data_items(rd, count, r, sink);
  } else {
    for (unsigned i = 0; i < count && rd.has(1); ++i) add_return_code(r, rd.u8());
  }
}

}  // namespace

void decode_userdata(proto::Bytes param, proto::Bytes data, Record& r, proto::Sink<Record>& sink) noexcept {
  proto::Reader rd(param);
  std::uint32_t head = rd.be24();
  std::uint8_t len = rd.u8();
  r.userdata_method = rd.u8();
  std::uint8_t tg = rd.u8();
  r.userdata_subfunc = rd.u8();
  r.userdata_seq = rd.u8();
  if (!rd.ok() || head != kUserdataHead) {
    sink.on_anomaly(proto::Anomaly{&kBadUserdata, head, len});
    if (!rd.ok()) return;
  }
  r.has_userdata = true;
  r.userdata_type = tg >> 4;
  r.userdata_group = tg & 0x0f;

  proto::Reader dr(data);
  std::uint8_t rc = dr.u8();
  dr.skip(3);  // transport size, length
  if (!dr.ok()) return;
  add_return_code(r, rc);
  switch (r.userdata_group) {
    case kGroupCyclic:
      if (r.userdata_subfunc == kCyclicUnsubscribe) break;
      if (r.userdata_type == kTypeRequest) {
        cyclic_request(dr, r, sink);
      } else {
        counted_data_items(dr, r, sink, true);
      }
      break;
    case kGroupCpu:
      if (r.userdata_subfunc == kCpuAlarmQuery && r.userdata_type == kTypeResponse) {
        counted_data_items(dr, r, sink, false);
      } else if ((r.userdata_subfunc == kCpuAlarm8Ind || r.userdata_subfunc == kCpuNotifyInd) &&
                 r.userdata_type == kTypePush) {
        alarm_indication(dr, r, sink);
      }
      break;
    case kGroupProgrammer:
      if (r.userdata_subfunc == kProgVarTab || r.userdata_subfunc == kProgModify) programmer(dr, r, sink);
      break;
    default:
      break;
  }
}

}  // namespace fg::s7comm

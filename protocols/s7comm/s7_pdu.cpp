// S7comm PDU decoding. Layout: 10-byte header (12 with error class/code for ROSCTR 2/3), then
// `param_length` bytes of parameters and `data_length` bytes of data.
#include "protocols/s7comm/s7_pdu.hpp"

#include <algorithm>

#include "protocols/s7comm/anomalies.hpp"
#include "protocols/s7comm/codes.hpp"
#include "protocols/s7comm/items.hpp"
#include "protocols/s7comm/userdata.hpp"

namespace fg::s7comm {
namespace {

using proto::Anomaly;
using proto::Bytes;
using proto::Reader;

void report(proto::Sink<Record>& sink, const proto::AnomalyKind& k, std::int64_t a0, std::int64_t a1) noexcept {
  sink.on_anomaly(Anomaly{&k, a0, a1});
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Block id "TTNNNNNF": type as two hex digits, number as five decimals, file system letter.
void decode_block_id(Bytes id, Record& r) noexcept {
  if (id.size() < 8) return;
  int hi = hex_digit(static_cast<char>(id[0]));
  int lo = hex_digit(static_cast<char>(id[1]));
  if (hi < 0 || lo < 0) return;
  std::uint32_t number = 0;
  for (std::size_t i = 2; i < 7; ++i) {
    if (id[i] < '0' || id[i] > '9') return;
    number = number * 10 + (id[i] - '0');
  }
  r.has_block = true;
  r.block_type = static_cast<std::uint8_t>(hi * 16 + lo);
  r.block_number = number;
  r.filesystem = static_cast<char>(id[7]);
}

// Download/upload file name: '_' then the block id.
void decode_file_name(Bytes name, Record& r) noexcept {
  if (name.size() >= 9 && name[0] == '_') decode_block_id(name.subspan(1), r);
}

// PI services that act on blocks (_INSE insert, _DELE delete) carry a block list in their
// parameter block: count, reserved, then 8-character block ids; the first one is recorded.
void decode_pi_blocks(Bytes block, Record& r) noexcept {
  if (block.size() >= 10 && block[0] >= 1) decode_block_id(block.subspan(2, 8), r);
}

void set_pi_service(Bytes name, Record& r) noexcept {
  std::size_t n = std::min(name.size(), kMaxPiService);
  if (n < name.size()) r.truncated = true;
  for (std::size_t i = 0; i < n; ++i) r.pi_service[i] = static_cast<char>(name[i]);
  r.pi_service_len = static_cast<std::uint8_t>(n);
}

void decode_job_or_ack_data(Bytes param, Bytes data, Record& r, proto::Sink<Record>& sink) noexcept {
  Reader rd(param);
  r.function = rd.u8();
  if (!rd.ok()) return;
  r.has_function = true;
  const bool job = r.rosctr == kRosctrJob;
  switch (r.function) {
    case kFuncSetupCommunication:
      rd.skip(1);
      r.max_amq_calling = rd.be16();
      r.max_amq_called = rd.be16();
      r.pdu_size = rd.be16();
      r.has_setup = rd.ok();
      break;
    case kFuncReadVar:
    case kFuncWriteVar: {
      r.item_count = rd.u8();
      if (!rd.ok()) break;
      r.has_item_count = true;
      Reader dr(data);
      if (job) {
        decode_param_items(rd, r.item_count, r, sink);
        if (r.function == kFuncWriteVar) decode_data_items(dr, r.item_count, r, sink);
      } else if (r.function == kFuncReadVar) {
        decode_data_items(dr, r.item_count, r, sink);
      } else {
        // Write var response: one return code per item.
        for (unsigned i = 0; i < r.item_count && dr.has(1); ++i) add_return_code(r, dr.u8());
      }
      break;
    }
    case kFuncRequestDownload:
    case kFuncDownloadBlock:
    case kFuncDownloadEnded:
    case kFuncStartUpload:
      if (job) {
        rd.skip(7);  // status, error code, session id
        std::uint8_t len = rd.u8();
        Bytes name = rd.take(len);
        if (rd.ok()) decode_file_name(name, r);
      }
      break;
    case kFuncPiService:
      if (job) {
        rd.skip(7);  // reserved/unknown
        std::uint16_t block_len = rd.be16();
        Bytes block = rd.take(block_len);
        std::uint8_t len = rd.u8();
        Bytes name = rd.take(len);
        if (rd.ok()) {
          set_pi_service(name, r);
          decode_pi_blocks(block, r);
        }
      }
      break;
    case kFuncPlcStop:
      if (job) {
        rd.skip(5);
        std::uint8_t len = rd.u8();
        Bytes name = rd.take(len);
        if (rd.ok()) set_pi_service(name, r);
      }
      break;
    default:
      if (!is_function(r.function)) report(sink, kUnknownFunction, r.function, r.rosctr);
      break;
  }
}

}  // namespace

void decode_s7(Bytes pdu, Record& r, proto::Sink<Record>& sink) noexcept {
  Reader rd(pdu);
  (void)rd.u8();  // protocol id 0x32
  r.rosctr = rd.u8();
  (void)rd.be16();  // redundancy identification
  r.pdu_ref = rd.be16();
  r.param_length = rd.be16();
  r.data_length = rd.be16();
  const bool with_error = r.rosctr == kRosctrAck || r.rosctr == kRosctrAckData;
  if (with_error) {
    r.error_class = rd.u8();
    r.error_code = rd.u8();
  }
  if (!rd.ok()) {
    report(sink, kBadLength, with_error ? 12 : 10, static_cast<std::int64_t>(pdu.size()));
    return;
  }
  r.has_s7 = true;
  r.has_error = with_error;
  if (!is_rosctr(r.rosctr)) {
    report(sink, kUnknownRosctr, r.rosctr, 0);
    return;
  }
  std::size_t declared = rd.pos() + std::size_t{r.param_length} + r.data_length;
  if (declared != pdu.size()) report(sink, kBadLength, static_cast<std::int64_t>(declared),
                                     static_cast<std::int64_t>(pdu.size()));
  Bytes param = rd.take(std::min<std::size_t>(r.param_length, rd.remaining()));
  Bytes data = rd.take(std::min<std::size_t>(r.data_length, rd.remaining()));
  switch (r.rosctr) {
    case kRosctrJob:
    case kRosctrAckData:
      decode_job_or_ack_data(param, data, r, sink);
      break;
    case kRosctrUserdata:
      decode_userdata(param, data, r, sink);
      break;
    default:
      break;  // Ack: header only
  }
}

}  // namespace fg::s7comm

// Audit-line member "modbus" (issue 3 contract; tshark field names noted where they map).
#include "protocols/modbus/function_codes.hpp"
#include "protocols/modbus/modbus.hpp"

namespace fg::modbus {
namespace {

void write_values(const Record& r, proto::JsonWriter& w) {
  if (r.value_kind == ValueKind::None) return;
  w.key("values").begin_array();
  for (std::size_t i = 0; i < r.value_count; ++i) w.value(static_cast<unsigned>(value_at(r, i)));
  w.end_array();
}

}  // namespace

void write_json(const Record& r, proto::JsonWriter& w) {
  w.key("modbus").begin_object();
  if (r.protocol == proto::Protocol::ModbusRtu) w.field("rtu", true);
  if (r.has(kHasTransactionId)) w.field("transaction_id", static_cast<unsigned>(r.transaction_id));  // mbtcp.trans_id
  w.field("unit_id", static_cast<unsigned>(r.unit_id));                                               // mbtcp.unit_id
  w.field("function", static_cast<unsigned>(r.function));                                             // modbus.func_code
  if (auto name = function_name(r.function); !name.empty()) w.field("function_name", name);
  w.field("is_response", r.is_response);
  w.field("length", static_cast<unsigned>(r.length));  // mbtcp.len
  if (r.has(kHasException)) w.field("exception", static_cast<unsigned>(r.exception));  // modbus.exception_code
  if (r.has(kHasAddress)) w.field("address", static_cast<unsigned>(r.address));        // modbus.reference_num
  if (r.has(kHasBitCount) || r.has(kHasWordCount)) w.field("quantity", static_cast<unsigned>(r.quantity));
  if (r.has(kHasBitCount)) w.field("quantity_unit", "bits");                          // modbus.bit_cnt
  if (r.has(kHasWordCount)) w.field("quantity_unit", "registers");                    // modbus.word_cnt
  if (r.has(kHasByteCount)) w.field("byte_count", static_cast<unsigned>(r.byte_count));  // modbus.byte_cnt
  if (r.has(kHasSubfunction)) w.field("subfunction", static_cast<unsigned>(r.subfunction));
  if (r.has(kHasMeiType)) w.field("mei_type", static_cast<unsigned>(r.mei_type));
  if (r.has(kHasDeviceIdCode)) {
    w.field("read_device_id_code", static_cast<unsigned>(r.device_id_code));
    if (!r.is_response) w.field("object_id", static_cast<unsigned>(r.object_id));
  }
  if (r.has(kHasObjectCount)) w.field("object_count", static_cast<unsigned>(r.object_count));
  if (r.has(kHasMasks)) {
    w.field("and_mask", static_cast<unsigned>(r.and_mask));
    w.field("or_mask", static_cast<unsigned>(r.or_mask));
  }
  if (r.has(kHasReadWrite)) {
    w.field("read_address", static_cast<unsigned>(r.read_address));
    w.field("read_quantity", static_cast<unsigned>(r.read_quantity));
    w.field("write_address", static_cast<unsigned>(r.write_address));
    w.field("write_quantity", static_cast<unsigned>(r.write_quantity));
  }
  if (r.has(kHasFileRecord)) {
    w.field("file_subrequests", static_cast<unsigned>(r.file_subrequests));
    w.field("file_reference_type", static_cast<unsigned>(r.file_reference_type));
    if (!(r.is_response && r.function == kReadFileRecord)) {
      w.field("file_number", static_cast<unsigned>(r.file_number));
      w.field("record_number", static_cast<unsigned>(r.record_number));
      w.field("record_length", static_cast<unsigned>(r.record_length));
    }
  }
  if (r.has(kHasFifoCount)) w.field("fifo_count", static_cast<unsigned>(r.quantity));
  if (r.has(kHasRequest)) {
    w.field("request_address", static_cast<unsigned>(r.request_address));
    w.field("request_quantity", static_cast<unsigned>(r.request_quantity));
  }
  write_values(r, w);
  w.end_object();
}

}  // namespace fg::modbus

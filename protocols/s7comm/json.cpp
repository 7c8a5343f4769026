// Audit-line JSON for S7 records (cold path). Codes are JSON numbers; absent fields are omitted.
#include <string>
#include <string_view>

#include "protocols/s7comm/s7comm.hpp"

namespace fg::s7comm {
namespace {

// Byte strings from the wire are shown as text when every byte is printable ASCII and there
// are more than `min_text` of them ("SIMATIC-ROOT-HMI", "P_PROGRAM"), else as 0x-hex ("0x0100"),
// the way Wireshark shows TSAPs; this also keeps raw non-UTF-8 bytes out of the audit line.
std::string text_or_hex(const void* data, std::size_t n, std::size_t min_text) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  bool printable = n > min_text;
  for (std::size_t i = 0; i < n && printable; ++i) printable = p[i] >= 0x20 && p[i] < 0x7f;
  if (printable) return std::string(reinterpret_cast<const char*>(p), n);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "0x";
  for (std::size_t i = 0; i < n; ++i) {
    s += kHex[p[i] >> 4];
    s += kHex[p[i] & 0xf];
  }
  return s;
}

void write_cotp(const Record& r, proto::JsonWriter& w) {
  w.field("tpkt_length", unsigned{r.tpkt_length});
  if (!r.has_cotp) return;
  w.field("cotp_type", unsigned{r.cotp_type});
  if (r.cotp_type == 0x0f && !r.cotp_eot) w.field("cotp_eot", false);
  if (r.has_refs) {
    w.field("dst_ref", unsigned{r.dst_ref}).field("src_ref", unsigned{r.src_ref});
  }
  if (r.src_tsap_len) w.field("src_tsap", std::string_view(text_or_hex(r.src_tsap, r.src_tsap_len, 2)));
  if (r.dst_tsap_len) w.field("dst_tsap", std::string_view(text_or_hex(r.dst_tsap, r.dst_tsap_len, 2)));
  if (r.tpdu_size) w.field("tpdu_size", 1u << (r.tpdu_size & 0x1f));
  if (r.reassembled) w.field("reassembled", true);
  if (r.reassembly_overflow) w.field("reassembly_overflow", true);
}

void write_items(const Record& r, proto::JsonWriter& w) {
  w.key("items").begin_array();
  for (unsigned i = 0; i < r.items_len; ++i) {
    const VarItem& it = r.items[i];
    w.begin_object();
    w.field("syntax_id", unsigned{it.syntax_id});
    if (it.syntax_id == 0x10) {
      w.field("area", unsigned{it.area}).field("db", unsigned{it.db}).field("address", unsigned{it.address});
      w.field("transport_size", unsigned{it.transport_size}).field("length", unsigned{it.length});
    }
    w.end_object();
  }
  w.end_array();
}

void write_s7(const Record& r, proto::JsonWriter& w) {
  w.key("s7comm").begin_object();
  write_cotp(r, w);
  if (r.has_s7) {
    w.field("rosctr", unsigned{r.rosctr}).field("pdu_ref", unsigned{r.pdu_ref});
    if (r.has_error) w.field("error_class", unsigned{r.error_class}).field("error_code", unsigned{r.error_code});
    if (r.has_function) w.field("function", unsigned{r.function});
    if (r.has_userdata) {
      w.field("userdata_type", unsigned{r.userdata_type})
          .field("userdata_group", unsigned{r.userdata_group})
          .field("userdata_subfunc", unsigned{r.userdata_subfunc})
          .field("userdata_seq", unsigned{r.userdata_seq});
    }
    if (r.has_setup) {
      w.field("max_amq_calling", unsigned{r.max_amq_calling})
          .field("max_amq_called", unsigned{r.max_amq_called})
          .field("pdu_size", unsigned{r.pdu_size});
    }
    if (r.has_item_count) w.field("item_count", unsigned{r.item_count});
    if (r.items_len) write_items(r, w);
    if (r.return_codes_len) {
      w.key("return_codes").begin_array();
      for (unsigned i = 0; i < r.return_codes_len; ++i) w.value(unsigned{r.return_codes[i]});
      w.end_array();
    }
    if (r.has_block) {
      w.field("block_type", unsigned{r.block_type}).field("block_number", unsigned{r.block_number});
      w.field("filesystem", std::string_view(text_or_hex(&r.filesystem, 1, 0)));
    }
    if (r.pi_service_len) w.field("pi_service", std::string_view(text_or_hex(r.pi_service, r.pi_service_len, 0)));
  }
  if (r.truncated) w.field("truncated", true);
  w.end_object();
}

void write_plus(const Record& r, proto::JsonWriter& w) {
  w.key("s7comm_plus").begin_object();
  write_cotp(r, w);
  w.field("version", unsigned{r.plus_version}).field("data_length", unsigned{r.plus_data_length});
  if (r.plus_integrity) w.field("integrity", true);
  if (r.has_plus_opcode) w.field("opcode", unsigned{r.plus_opcode});
  if (r.has_plus_function) w.field("function", unsigned{r.plus_function}).field("seq", unsigned{r.plus_seq});
  w.end_object();
}

}  // namespace

void write_json(const Record& r, proto::JsonWriter& w) {
  if (r.protocol == proto::Protocol::S7commPlus) {
    write_plus(r, w);
  } else {
    write_s7(r, w);
  }
}

}  // namespace fg::s7comm

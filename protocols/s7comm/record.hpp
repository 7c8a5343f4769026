// One TPKT's worth of COTP / S7comm / S7comm-plus fields for the audit log (fixed size, copyable).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "protocols/common/stream.hpp"

namespace fg::s7comm {

// Capacities cover every shared capture (at most 19 items and 19 return codes per PDU seen);
// beyond them the lists are cut, `truncated` is set and s7comm.too_many_items is raised.
inline constexpr std::size_t kMaxItems = 32;
inline constexpr std::size_t kMaxReturnCodes = 32;
// TSAPs seen are 2 bytes (0x0100) or names such as "SIMATIC-ROOT-HMI"; longer ones are cut.
inline constexpr std::size_t kMaxTsap = 24;
// PI service names ("P_PROGRAM", "_INSE", "_MODU", ...) are short; longer ones are cut.
inline constexpr std::size_t kMaxPiService = 16;

// One request item of read/write var. Only S7ANY (syntax id 0x10) items carry area/db/address;
// other addressing modes (DBREAD 0xb0, NCK 0x82, DriveES 0xa2 ...) are recognised by syntax id.
struct VarItem {
  std::uint8_t syntax_id = 0;
  std::uint8_t transport_size = 0;
  std::uint8_t area = 0;
  std::uint16_t length = 0;
  std::uint16_t db = 0;
  std::uint32_t address = 0;  // raw 24-bit value: byte * 8 + bit
};

struct Record {
  proto::Protocol protocol = proto::Protocol::S7comm;  // S7commPlus when the payload is 0x72

  // TPKT (RFC 1006) and COTP (ISO 8073 class 0).
  std::uint16_t tpkt_length = 0;
  bool has_cotp = false;
  std::uint8_t cotp_type = 0;  // TPDU code >> 4, as tshark's cotp.type: 0x0e CR, 0x0d CC, 0x0f DT ...
  bool cotp_eot = false;       // DT only: last TPDU of the user message
  std::uint8_t tpdu_number = 0;
  bool has_refs = false;       // CR/CC/DR/DC: references and class
  std::uint16_t dst_ref = 0;
  std::uint16_t src_ref = 0;
  std::uint8_t class_option = 0;
  std::uint8_t tpdu_size = 0;  // parameter 0xc0: 2^n bytes (0 = absent)
  std::uint8_t src_tsap_len = 0;
  std::uint8_t dst_tsap_len = 0;
  std::uint8_t src_tsap[kMaxTsap] = {};
  std::uint8_t dst_tsap[kMaxTsap] = {};
  bool reassembled = false;          // the S7 PDU was put together from several DT TPDUs
  bool reassembly_overflow = false;  // ... and did not fit the buffer: only its front was parsed
  std::uint32_t payload_length = 0;  // COTP user data (after reassembly)

  // S7comm (protocol id 0x32).
  bool has_s7 = false;
  std::uint8_t rosctr = 0;
  std::uint16_t pdu_ref = 0;
  std::uint16_t param_length = 0;
  std::uint16_t data_length = 0;
  bool has_error = false;  // ROSCTR 2/3
  std::uint8_t error_class = 0;
  std::uint8_t error_code = 0;
  bool has_function = false;
  std::uint8_t function = 0;
  bool has_userdata = false;  // ROSCTR 7
  std::uint8_t userdata_method = 0;
  std::uint8_t userdata_type = 0;
  std::uint8_t userdata_group = 0;
  std::uint8_t userdata_subfunc = 0;
  std::uint8_t userdata_seq = 0;
  bool has_item_count = false;
  std::uint16_t item_count = 0;  // 1 byte in read/write var, 2 in userdata data parts
  std::uint8_t items_len = 0;
  std::uint8_t return_codes_len = 0;
  bool truncated = false;  // items or return codes beyond capacity were dropped
  VarItem items[kMaxItems] = {};
  std::uint8_t return_codes[kMaxReturnCodes] = {};
  bool has_setup = false;  // function 0xf0
  std::uint16_t max_amq_calling = 0;
  std::uint16_t max_amq_called = 0;
  std::uint16_t pdu_size = 0;
  bool has_block = false;  // functions 0x1a-0x1d: file name "_" type(2 hex) number(5) fs
  std::uint8_t block_type = 0;  // 0x08 OB, 0x0a DB, 0x0b SDB, 0x0c FC, 0x0d SFC, 0x0e FB, 0x0f SFB
  std::uint32_t block_number = 0;
  char filesystem = 0;          // 'P' passive, 'A' active, 'B' both
  std::uint8_t pi_service_len = 0;  // functions 0x28/0x29
  char pi_service[kMaxPiService] = {};

  // S7comm-plus (protocol id 0x72): recognised and classified only.
  std::uint8_t plus_version = 0;
  std::uint16_t plus_data_length = 0;
  bool plus_integrity = false;  // V3: digest between header and opcode
  bool has_plus_opcode = false;
  std::uint8_t plus_opcode = 0;  // 0x31 request, 0x32 response, 0x33 notification ...
  bool has_plus_function = false;
  std::uint16_t plus_function = 0;
  std::uint16_t plus_seq = 0;
};

static_assert(std::is_trivially_copyable_v<Record>);
static_assert(sizeof(Record) <= 640, "records travel through rings by value");

}  // namespace fg::s7comm

// One Modbus ADU's audit fields (TCP or RTU): fixed size, trivially copyable, no pointers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "protocols/common/stream.hpp"

namespace fg::modbus {

// Which optional members of a Record hold a value. A field is present exactly where Wireshark
// shows its counterpart (issue 3 contract), so absent fields can be omitted from the audit line.
enum Field : std::uint32_t {
  kHasTransactionId = 1u << 0,   // Modbus/TCP only
  kHasException = 1u << 1,
  kHasAddress = 1u << 2,         // modbus.reference_num
  kHasBitCount = 1u << 3,        // quantity is modbus.bit_cnt
  kHasWordCount = 1u << 4,       // quantity is modbus.word_cnt
  kHasByteCount = 1u << 5,
  kHasSubfunction = 1u << 6,     // FC 8
  kHasMeiType = 1u << 7,         // FC 43
  kHasDeviceIdCode = 1u << 8,    // FC 43/14: read device id code + object id
  kHasMasks = 1u << 9,           // FC 22
  kHasReadWrite = 1u << 10,      // FC 23 read/write address+quantity
  kHasFileRecord = 1u << 11,     // FC 20/21 first sub-request
  kHasRequest = 1u << 12,        // response paired with a known request (request_* valid)
  kHasObjectCount = 1u << 13,    // FC 43/14 response: number of objects
  kHasFifoCount = 1u << 14,      // FC 24 response
};

// How `data` is to be read as a list of values.
enum class ValueKind : std::uint8_t {
  None,
  Registers,  // big-endian 16-bit words
  Bits,       // LSB-first bit field (coils / discrete inputs), `value_count` bits
};

// Largest Modbus PDU data part: PDU 253 bytes minus the function code (Application Protocol 4.1).
inline constexpr std::size_t kMaxData = 252;

struct Record {
  proto::Protocol protocol = proto::Protocol::Modbus;  // Modbus or ModbusRtu
  bool is_response = false;
  std::uint8_t unit_id = 0;        // MBAP unit id, or RTU slave address
  std::uint8_t function = 0;       // without the exception bit 0x80 (as tshark shows it)
  std::uint8_t exception = 0;
  std::uint8_t mei_type = 0;
  std::uint8_t device_id_code = 0; // FC 43/14 request: read device id code; response: echo
  std::uint8_t object_id = 0;      // FC 43/14 request: object id
  std::uint8_t object_count = 0;   // FC 43/14 response: number of objects
  std::uint8_t file_reference_type = 0;
  std::uint8_t file_subrequests = 0;  // FC 20/21: number of sub-requests in the PDU
  ValueKind value_kind = ValueKind::None;
  std::uint8_t data_len = 0;          // bytes of `data` in use
  std::uint16_t transaction_id = 0;
  std::uint16_t length = 0;           // MBAP length field (RTU: frame length without CRC)
  std::uint32_t fields = 0;           // Field bits
  std::uint16_t address = 0;
  std::uint16_t quantity = 0;
  std::uint16_t byte_count = 0;
  std::uint16_t subfunction = 0;
  std::uint16_t and_mask = 0;
  std::uint16_t or_mask = 0;
  std::uint16_t read_address = 0;     // FC 23
  std::uint16_t read_quantity = 0;
  std::uint16_t write_address = 0;
  std::uint16_t write_quantity = 0;
  std::uint16_t file_number = 0;      // FC 20/21 first sub-request
  std::uint16_t record_number = 0;
  std::uint16_t record_length = 0;
  std::uint16_t request_function = 0;  // with kHasRequest: what the paired request asked for
  std::uint16_t request_address = 0;
  std::uint16_t request_quantity = 0;
  std::uint16_t value_count = 0;      // number of values encoded in `data`
  std::array<std::uint8_t, kMaxData> data{};  // written/read values, exactly as on the wire

  [[nodiscard]] constexpr bool has(Field f) const noexcept { return (fields & f) != 0; }
  constexpr void set(Field f) noexcept { fields |= f; }
};

static_assert(std::is_trivially_copyable_v<Record>);
static_assert(sizeof(Record) <= 320, "Record is copied per PDU; keep it small");

// The i-th value of `r.data` (register, or 0/1 for a bit); 0 past `value_count`.
constexpr std::uint16_t value_at(const Record& r, std::size_t i) noexcept {
  if (i >= r.value_count) return 0;
  if (r.value_kind == ValueKind::Registers) {
    if (2 * i + 1 >= r.data_len) return 0;
    return static_cast<std::uint16_t>((r.data[2 * i] << 8) | r.data[2 * i + 1]);
  }
  if (r.value_kind == ValueKind::Bits) {
    if (i / 8 >= r.data_len) return 0;
    return static_cast<std::uint16_t>((r.data[i / 8] >> (i % 8)) & 1u);
  }
  return 0;
}

}  // namespace fg::modbus

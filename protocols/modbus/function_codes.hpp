// Modbus function, exception, diagnostics and MEI code tables (Modbus Application Protocol V1.1b3).
#pragma once

#include <cstdint>
#include <string_view>

namespace fg::modbus {

// Function codes by number (section 5.1 "Public Function Code Definition", section 6.x per code).
enum Function : std::uint8_t {
  kReadCoils = 1,                  // 6.1
  kReadDiscreteInputs = 2,         // 6.2
  kReadHoldingRegisters = 3,       // 6.3
  kReadInputRegisters = 4,         // 6.4
  kWriteSingleCoil = 5,            // 6.5
  kWriteSingleRegister = 6,        // 6.6
  kReadExceptionStatus = 7,        // 6.7 (serial line only)
  kDiagnostics = 8,                // 6.8 (serial line only)
  kGetCommEventCounter = 11,       // 6.9
  kGetCommEventLog = 12,           // 6.10
  kWriteMultipleCoils = 15,        // 6.11
  kWriteMultipleRegisters = 16,    // 6.12
  kReportServerId = 17,            // 6.13
  kReadFileRecord = 20,            // 6.14
  kWriteFileRecord = 21,           // 6.15
  kMaskWriteRegister = 22,         // 6.16
  kReadWriteMultipleRegisters = 23,// 6.17
  kReadFifoQueue = 24,             // 6.18
  kEncapsulatedInterface = 43,     // 6.19-6.21 (MEI)
};

enum class FunctionClass : std::uint8_t { Public, UserDefined, Reserved };

struct FunctionInfo {
  std::uint8_t code;
  std::string_view name;
};

// Names used by rules and logs; also the list of public codes.
inline constexpr FunctionInfo kPublicFunctions[] = {
    {1, "read_coils"},
    {2, "read_discrete_inputs"},
    {3, "read_holding_registers"},
    {4, "read_input_registers"},
    {5, "write_single_coil"},
    {6, "write_single_register"},
    {7, "read_exception_status"},
    {8, "diagnostics"},
    {11, "get_comm_event_counter"},
    {12, "get_comm_event_log"},
    {15, "write_multiple_coils"},
    {16, "write_multiple_registers"},
    {17, "report_server_id"},
    {20, "read_file_record"},
    {21, "write_file_record"},
    {22, "mask_write_register"},
    {23, "read_write_multiple_registers"},
    {24, "read_fifo_queue"},
    {43, "encapsulated_interface_transport"},
};

constexpr std::string_view function_name(std::uint8_t code) noexcept {
  for (const auto& f : kPublicFunctions)
    if (f.code == code) return f.name;
  return {};
}

// Section 5 figure 10: user-defined ranges are 65-72 and 100-110; everything else that is not
// public is reserved (including 0 and the exception bit 0x80 when seen in a request).
constexpr FunctionClass function_class(std::uint8_t code) noexcept {
  if (!function_name(code).empty()) return FunctionClass::Public;
  if ((code >= 65 && code <= 72) || (code >= 100 && code <= 110)) return FunctionClass::UserDefined;
  return FunctionClass::Reserved;
}

// Section 7 "MODBUS Exception Codes".
constexpr bool exception_code_defined(std::uint8_t code) noexcept {
  switch (code) {
    case 1: case 2: case 3: case 4: case 5: case 6: case 8: case 10: case 11: return true;
    default: return false;
  }
}

// Section 6.8.1: sub-functions 0-4, 10-18 and 20 are defined; the rest are reserved.
constexpr bool diagnostic_subfunction_defined(std::uint16_t sub) noexcept {
  return sub <= 4 || (sub >= 10 && sub <= 18) || sub == 20;
}

// Section 6.19: MEI type 13 = CANopen general reference, 14 = read device identification.
inline constexpr std::uint8_t kMeiCanopen = 13;
inline constexpr std::uint8_t kMeiReadDeviceId = 14;

// Spec quantity limits (sections 6.1-6.4, 6.11, 6.12, 6.17, 6.18).
inline constexpr std::uint16_t kMaxReadBits = 2000;            // 0x07D0
inline constexpr std::uint16_t kMaxReadRegisters = 125;        // 0x007D
inline constexpr std::uint16_t kMaxWriteCoils = 1968;          // 0x07B0
inline constexpr std::uint16_t kMaxWriteRegisters = 123;       // 0x007B
inline constexpr std::uint16_t kMaxReadWriteWriteRegisters = 121;  // 0x0079
inline constexpr std::uint16_t kMaxFifoCount = 31;
inline constexpr std::uint8_t kFileReferenceType = 6;          // 6.14/6.15

}  // namespace fg::modbus

// Constant tables of TPKT/COTP and S7comm codes (RFC 1006, ISO 8073, S7 protocol as documented publicly).
#pragma once

#include <cstdint>

namespace fg::s7comm {

inline constexpr std::uint8_t kTpktVersion = 3;      // RFC 1006 section 6
inline constexpr std::uint16_t kTpktMinLength = 7;   // 4-byte TPKT + smallest COTP DT (3 bytes)

// COTP TPDU codes (ISO 8073 section 13.1, high nibble of the second header octet).
inline constexpr std::uint8_t kCotpCr = 0xe0;
inline constexpr std::uint8_t kCotpCc = 0xd0;
inline constexpr std::uint8_t kCotpDr = 0x80;
inline constexpr std::uint8_t kCotpDc = 0xc0;
inline constexpr std::uint8_t kCotpDt = 0xf0;
inline constexpr std::uint8_t kCotpEd = 0x10;
inline constexpr std::uint8_t kCotpAk = 0x60;
inline constexpr std::uint8_t kCotpEa = 0x20;
inline constexpr std::uint8_t kCotpRj = 0x50;
inline constexpr std::uint8_t kCotpEr = 0x70;

constexpr bool is_cotp_code(std::uint8_t code) noexcept {
  switch (code) {
    case kCotpCr: case kCotpCc: case kCotpDr: case kCotpDc: case kCotpDt:
    case kCotpEd: case kCotpAk: case kCotpEa: case kCotpRj: case kCotpEr:
      return true;
    default:
      return false;
  }
}

// COTP parameter codes (ISO 8073 section 13.3.4).
inline constexpr std::uint8_t kParamTpduSize = 0xc0;
inline constexpr std::uint8_t kParamSrcTsap = 0xc1;
inline constexpr std::uint8_t kParamDstTsap = 0xc2;

inline constexpr std::uint8_t kS7ProtocolId = 0x32;
inline constexpr std::uint8_t kS7PlusProtocolId = 0x72;

// ROSCTR (remote operating service control).
inline constexpr std::uint8_t kRosctrJob = 1;
inline constexpr std::uint8_t kRosctrAck = 2;
inline constexpr std::uint8_t kRosctrAckData = 3;
inline constexpr std::uint8_t kRosctrUserdata = 7;

constexpr bool is_rosctr(std::uint8_t r) noexcept {
  return r == kRosctrJob || r == kRosctrAck || r == kRosctrAckData || r == kRosctrUserdata;
}

// Job / Ack_Data function codes.
inline constexpr std::uint8_t kFuncCpuServices = 0x00;
inline constexpr std::uint8_t kFuncReadVar = 0x04;
inline constexpr std::uint8_t kFuncWriteVar = 0x05;
inline constexpr std::uint8_t kFuncRequestDownload = 0x1a;
inline constexpr std::uint8_t kFuncDownloadBlock = 0x1b;
inline constexpr std::uint8_t kFuncDownloadEnded = 0x1c;
inline constexpr std::uint8_t kFuncStartUpload = 0x1d;
inline constexpr std::uint8_t kFuncUpload = 0x1e;
inline constexpr std::uint8_t kFuncEndUpload = 0x1f;
inline constexpr std::uint8_t kFuncPiService = 0x28;
inline constexpr std::uint8_t kFuncPlcStop = 0x29;
inline constexpr std::uint8_t kFuncSetupCommunication = 0xf0;

constexpr bool is_function(std::uint8_t f) noexcept {
  switch (f) {
    case kFuncCpuServices: case kFuncReadVar: case kFuncWriteVar: case kFuncRequestDownload:
    case kFuncDownloadBlock: case kFuncDownloadEnded: case kFuncStartUpload: case kFuncUpload:
    case kFuncEndUpload: case kFuncPiService: case kFuncPlcStop: case kFuncSetupCommunication:
      return true;
    default:
      return false;
  }
}

// Variable specification (request item) and its addressing syntax ids.
inline constexpr std::uint8_t kVarSpec = 0x12;
inline constexpr std::uint8_t kSyntaxS7Any = 0x10;
inline constexpr std::uint8_t kS7AnySpecLength = 10;  // syntax id .. address

// Data item transport sizes whose length counts bits rather than bytes.
constexpr bool length_in_bits(std::uint8_t transport_size) noexcept {
  return transport_size == 0x03 || transport_size == 0x04 || transport_size == 0x05;
}

// Userdata parameter head.
inline constexpr std::uint32_t kUserdataHead = 0x000112;

// S7comm-plus opcodes.
inline constexpr std::uint8_t kPlusRequest = 0x31;
inline constexpr std::uint8_t kPlusResponse = 0x32;
inline constexpr std::uint8_t kPlusNotification = 0x33;
inline constexpr std::uint8_t kPlusDigestLength = 32;

}  // namespace fg::s7comm

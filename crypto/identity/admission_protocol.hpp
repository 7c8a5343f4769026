// The admission exchange inside the mutual-TLS connection (docs/IDENTITY.md): the device
// sends one request line, the gateway answers one line and closes.
//   device  → "FGID/1 ADMIT\n" | "FGID/1 RENEW\n"
//   gateway → "FGID/1 OK <device-id> <lease-seconds>\n" | "FGID/1 REFUSED <reason>\n"
// Lines are at most kMaxLine bytes; anything else is a bad request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fg::crypto {

inline constexpr std::size_t kMaxAdmissionLine = 128;

enum class AdmissionOp : std::uint8_t { Admit, Renew };

// False when `line` (without or with its trailing newline) is not a request.
bool parse_admission_request(std::string_view line, AdmissionOp& op) noexcept;
std::string format_admission_ok(const std::string& device, std::uint32_t lease_s);
std::string format_admission_refused(std::string_view reason);

struct AdmissionAnswerLine {
  bool ok = false;
  std::string device;      // OK
  std::uint32_t lease_s = 0;
  std::string reason;      // REFUSED
};
bool parse_admission_answer(std::string_view line, AdmissionAnswerLine& out);

}  // namespace fg::crypto

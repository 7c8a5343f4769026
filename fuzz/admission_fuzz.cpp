// libFuzzer target for the admission exchange's lines, as the gateway reads requests and the
// device SDK (C, mbedTLS) and the gateway's own parser read answers. Both answer parsers must
// agree on what they accept.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "crypto/device-sdk/fieldguard_device_internal.h"
#include "crypto/identity/admission_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 512) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  fg::crypto::AdmissionOp op;
  (void)fg::crypto::parse_admission_request(text, op);

  // The SDK gets the line without its newline, NUL-terminated (as exchange() hands it).
  const std::string line = text.substr(0, text.find_first_of(std::string("\n\0", 2)));
  fgd_lease lease;
  std::memset(&lease, 0x5a, sizeof lease);
  const int rc = fgd_parse_answer(line.c_str(), &lease);
  if (rc == FGD_OK && (std::memchr(lease.device, 0, sizeof lease.device) == nullptr)) __builtin_trap();
  if (rc == FGD_ERR_REFUSED && (std::memchr(lease.reason, 0, sizeof lease.reason) == nullptr)) __builtin_trap();

  fg::crypto::AdmissionAnswerLine a;
  if (line.size() == text.size() - (text.size() > line.size() ? 1 : 0) &&
      fg::crypto::parse_admission_answer(line + "\n", a)) {
    // What the gateway's parser accepts, the SDK reads the same way.
    if (a.ok && (rc != FGD_OK || a.device != lease.device || a.lease_s != lease.lease_s)) __builtin_trap();
    if (!a.ok && (rc != FGD_ERR_REFUSED || a.reason != lease.reason)) __builtin_trap();
  }
  return 0;
}

#include "crypto/identity/admission_protocol.hpp"

#include <charconv>

namespace fg::crypto {

namespace {
constexpr std::string_view kPrefix = "FGID/1 ";

std::string_view chomp(std::string_view s) noexcept {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

bool printable_token(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (c <= ' ' || c > '~') return false;
  return true;
}
}  // namespace

bool parse_admission_request(std::string_view line, AdmissionOp& op) noexcept {
  if (line.size() > kMaxAdmissionLine) return false;
  line = chomp(line);
  if (line.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string_view verb = line.substr(kPrefix.size());
  if (verb == "ADMIT") op = AdmissionOp::Admit;
  else if (verb == "RENEW") op = AdmissionOp::Renew;
  else return false;
  return true;
}

std::string format_admission_ok(const std::string& device, std::uint32_t lease_s) {
  return std::string(kPrefix) + "OK " + device + " " + std::to_string(lease_s) + "\n";
}

std::string format_admission_refused(std::string_view reason) {
  return std::string(kPrefix) + "REFUSED " + std::string(reason) + "\n";
}

bool parse_admission_answer(std::string_view line, AdmissionAnswerLine& out) {
  if (line.size() > kMaxAdmissionLine) return false;
  line = chomp(line);
  if (line.substr(0, kPrefix.size()) != kPrefix) return false;
  line.remove_prefix(kPrefix.size());
  out = AdmissionAnswerLine{};
  if (line.substr(0, 3) == "OK ") {
    line.remove_prefix(3);
    const std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos || !printable_token(line.substr(0, sp))) return false;
    const std::string_view num = line.substr(sp + 1);
    if (num.empty() || num.size() > 10) return false;  // at most 10 digits, as the device SDK reads them
    auto r = std::from_chars(num.data(), num.data() + num.size(), out.lease_s);
    if (r.ec != std::errc{} || r.ptr != num.data() + num.size()) return false;
    out.ok = true;
    out.device = std::string(line.substr(0, sp));
    return true;
  }
  if (line.substr(0, 8) == "REFUSED ") {
    line.remove_prefix(8);
    if (!printable_token(line)) return false;
    out.reason = std::string(line);
    return true;
  }
  return false;
}

}  // namespace fg::crypto

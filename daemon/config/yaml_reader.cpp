#include "daemon/config/yaml_reader.hpp"

namespace fg::daemon {

bool parse_duration_ns(const std::string& text, std::uint64_t& ns) {
  std::uint64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc{} || r.ptr == text.data()) return false;
  const std::string unit(r.ptr, text.data() + text.size());
  std::uint64_t mul = 0;
  if (unit == "ms") mul = 1'000'000ull;
  else if (unit == "s") mul = 1'000'000'000ull;
  else if (unit == "m") mul = 60'000'000'000ull;
  else if (unit == "h") mul = 3'600'000'000'000ull;
  else return false;
  ns = v * mul;
  return true;
}

}  // namespace fg::daemon

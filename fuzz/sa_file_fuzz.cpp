// libFuzzer target for the SA key file reader (tunnel_config): any text either yields SAs or
// diagnostics, never a crash, and no diagnostic repeats a key.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/config/tunnel_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fg::daemon;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<fg::esp::SaSpec> sas;
  Diagnostics d;
  const bool ok = read_sa_text(text, "fuzz-sas.yaml", sas, d);
  if (ok != d.empty()) __builtin_trap();
  if (!ok && !sas.empty()) __builtin_trap();
  for (auto& s : sas) fg::esp::wipe(s);
  return 0;
}

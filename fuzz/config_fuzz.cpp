// libFuzzer target for the YAML configuration loader and the control-socket request handler:
// any text either loads or yields diagnostics, and every request line gets a JSON answer.
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/config/config_loader.hpp"
#include "daemon/control/control_api.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fg::daemon;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Config c;
  Diagnostics d;
  const bool ok = load_config_text(text, "fuzz.yaml", c, d);
  if (ok != d.empty()) __builtin_trap();
  ControlState state;
  state.status = [] { return StatusInfo{}; };
  state.stats = [] { return RunSummary{}; };
  const std::string reply = handle_control_request(text, state);
  if (reply.empty() || reply.front() != '{' || reply.back() != '}') __builtin_trap();
  return 0;
}

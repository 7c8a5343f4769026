// libFuzzer target for the record files fieldguardctl audit verify reads and the syslog
// queue the exporter reads back: any bytes yield a report or a frame count, never a crash,
// and a report's problems always name a line of the input.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "daemon/export/chain_verify.hpp"
#include "daemon/export/hash_chain.hpp"
#include "daemon/export/syslog_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fg::daemon;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const long whole = complete_frames(text);
  if (whole > static_cast<long>(size)) __builtin_trap();
  std::size_t lines = 1;
  for (std::size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
    (void)parse_chain_fields(std::string_view(text).substr(at, nl - at));
    ++lines;
  }
  // One scratch file per fuzzing process, removed at exit.
  static const struct Scratch {
    std::string path = "/tmp/fg-records-fuzz-" + std::to_string(::getpid());
    ~Scratch() { std::remove(path.c_str()); }
  } scratch;
  const std::string& path = scratch.path;
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  const ChainReport r = verify_chain({path}, nullptr);
  for (const auto& p : r.problems)
    if (p.line == 0 || p.line > lines) __builtin_trap();
  return 0;
}

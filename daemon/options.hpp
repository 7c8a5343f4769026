// fieldguardd's command line.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fg::daemon {

struct Options {
  std::string config;        // -c
  std::string read;          // -r: offline replay of a capture
  std::string write;         // -w: forwarded packets (offline)
  std::string event_log;
  std::string audit_log;
  std::string summary_json;  // machine-readable summary at exit
  std::string control_socket;
  std::optional<std::uint32_t> idle_exit_ms;
  bool no_control = false;
  bool check_config = false;
  bool quiet = false;
  std::vector<std::string> eal_args;  // everything after "--"
};

enum class ParseOutcome { Run, ExitOk, ExitError };

// Parses argv; prints help, version or errors itself.
ParseOutcome parse_options(int argc, char** argv, Options& out);

}  // namespace fg::daemon

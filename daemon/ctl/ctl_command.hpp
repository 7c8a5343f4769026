// What every fieldguardctl command gets and returns. A command lives in its own cmd_*.cpp
// and has one line in the table in commands.cpp.
#pragma once

#include <string>
#include <vector>

namespace fg::ctl {

// Exit codes scripts can rely on (documented in --help and docs/CONTROL.md).
inline constexpr int kOk = 0;
inline constexpr int kCommandFailed = 1;  // the daemon refused, or a check found problems
inline constexpr int kUsage = 2;
inline constexpr int kNoDaemon = 3;

struct CtlContext {
  std::string socket_path;        // --socket
  bool json = false;              // --json: machine-readable output
  std::vector<std::string> args;  // words and options after the command name
};

struct CommandEntry {
  const char* name;
  const char* summary;  // one line for --help
  int (*run)(const CtlContext&);
  // Words bash completion offers after the command name (subcommands and options), e.g.
  // "tail verify -n -f --key". Optional: commands without it complete file names.
  const char* words = "";
};

const std::vector<CommandEntry>& commands();

}  // namespace fg::ctl

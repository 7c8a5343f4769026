// fieldguardctl's side of the control protocol (docs/CONTROL.md): one request line, one answer.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "daemon/ctl/ctl_command.hpp"

namespace fg::ctl {

// Sends `line` and reads one answer line. False with `error` set when the daemon cannot be
// reached or closes without answering.
bool request(const std::string& socket_path, const std::string& line, std::string& reply, std::string& error);

// Sends {"v":1,"cmd":cmd[,"args":args_json]}. On success `data` holds the answer's data and
// the result is kOk; otherwise the error is printed and kCommandFailed or kNoDaemon returned.
// With ctx.json the raw answer line is printed as well.
int call(const CtlContext& ctx, const std::string& cmd, const std::string& args_json, YAML::Node& data);

}  // namespace fg::ctl

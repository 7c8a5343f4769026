#include "daemon/control/tail_command.hpp"

#include "protocols/common/json_writer.hpp"

namespace fg::daemon {

void register_tail_command(ControlState& state, const std::string& name, const JsonlFile* file) {
  state.commands[name] = [name, file](const YAML::Node& request) -> ControlReply {
    if (file == nullptr || !file->is_open())
      return ControlReply::fail("no " + name + " log is configured (logging." + (name == "audit" ? "audit_log" : "event_log") + ")");
    std::uint64_t after = 0;
    std::size_t n = 10;
    if (const YAML::Node args = request["args"]) {
      if (args["after"]) after = args["after"].as<std::uint64_t>();
      if (args["n"]) n = args["n"].as<std::size_t>();
      if (n > 1000) return ControlReply::fail(name + ": n must be at most 1000 (the daemon keeps the last 1000 records)");
    }
    std::string out;
    proto::JsonWriter w(out);
    w.begin_object().field("next", file->tail().last_seq()).field("file", file->path()).key("records");
    // Each record is a JSON object already: spliced as it is.
    out += '[';
    bool first = true;
    for (const auto& [seq, line] : file->tail().since(after, n)) {
      if (!first) out += ',';
      out += line;
      first = false;
    }
    out += "]}";
    return {true, out, {}};
  };
}

}  // namespace fg::daemon

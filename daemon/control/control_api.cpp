#include "daemon/control/control_api.hpp"

#include <yaml-cpp/yaml.h>

#include "protocols/common/json_writer.hpp"

namespace fg::daemon {

namespace {

std::string error_reply(const std::string& msg) {
  std::string out;
  proto::JsonWriter w(out);
  w.begin_object().field("v", 1).field("ok", false).field("error", msg).end_object();
  return out;
}

}  // namespace

std::string handle_control_request(const std::string& line, const ControlState& state) {
  std::string cmd;
  YAML::Node req;
  try {
    // JSON is YAML: one parser serves the config and the control protocol.
    req = YAML::Load(line);
    if (!req.IsMap() || !req["cmd"] || !req["cmd"].IsScalar()) return error_reply("expected {\"v\":1,\"cmd\":\"...\"}");
    if (req["v"] && req["v"].as<int>(1) != 1) return error_reply("unsupported protocol version (this daemon speaks 1)");
    cmd = req["cmd"].Scalar();
  } catch (const YAML::Exception& e) {
    return error_reply(std::string("malformed request: ") + e.what());
  }

  std::string out;
  proto::JsonWriter w(out);
  if (cmd == "status") {
    const StatusInfo s = state.status();
    w.begin_object().field("v", 1).field("ok", true).key("data").begin_object();
    w.field("version", s.version).field("mode", s.mode).field("config", s.config).field("uptime_s", s.uptime_s);
    w.field("workers", s.workers).field("workers_alive", s.workers_alive).field("acl_rules", s.acl_rules);
    w.field("rules_version", s.rules_version).field("rules", s.rules).field("rules_hash", s.rules_hash);
    w.end_object().end_object();
    return out;
  }
  if (cmd == "stats") {
    const RunSummary s = state.stats();
    std::string data = summary_json(s);
    if (!data.empty() && data.back() == '\n') data.pop_back();
    return "{\"v\":1,\"ok\":true,\"data\":" + data + "}";
  }
  if (auto it = state.commands.find(cmd); it != state.commands.end()) {
    ControlReply r;
    try {
      r = it->second(req);
    } catch (const YAML::Exception& e) {
      r = ControlReply::fail("bad arguments for \"" + cmd + "\": " + e.what());
    }
    if (!r.ok) return error_reply(r.error);
    return "{\"v\":1,\"ok\":true,\"data\":" + r.data + "}";
  }
  std::string known = "status, stats";
  for (const auto& kv : state.commands) known += ", " + kv.first;
  return error_reply("unknown command \"" + cmd + "\" (this daemon knows: " + known + ")");
}

}  // namespace fg::daemon

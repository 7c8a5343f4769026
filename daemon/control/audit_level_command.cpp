#include "daemon/control/audit_level_command.hpp"

#include "protocols/common/json_writer.hpp"

namespace fg::daemon {

void register_audit_level_command(ControlState& state, RecordWriter& writer) {
  state.commands["audit.level"] = [&writer](const YAML::Node& request) -> ControlReply {
    const AuditLevel previous = writer.audit_level();
    const YAML::Node args = request["args"];
    if (args && args.IsMap() && args["level"]) {
      const YAML::Node v = args["level"];
      AuditLevel next = previous;
      if (!v.IsScalar() || !parse_audit_level(v.Scalar(), next))
        return ControlReply::fail("audit level: expected all, changes or flagged");
      if (next != previous) {
        writer.set_audit_level(next);
        std::string fields;
        proto::JsonWriter f(fields);
        f.begin_object().field("level", audit_level_name(next)).field("previous", audit_level_name(previous)).end_object();
        writer.control_event({"audit", "audit.level_changed", "medium",
                              std::string("logging.audit ") + audit_level_name(previous) + " -> " +
                                  audit_level_name(next) + " (control socket; until restart)",
                              proto::json_members(fields)});
      }
    }
    std::string out;
    proto::JsonWriter w(out);
    w.begin_object().field("level", audit_level_name(writer.audit_level())).field("previous", audit_level_name(previous));
    w.end_object();
    return {true, out, {}};
  };
}

}  // namespace fg::daemon

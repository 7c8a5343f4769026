// RFC 5424 syslog messages for records, in RFC 5425 octet-counted framing ("LEN SP MSG").
#pragma once

#include <string>
#include <string_view>

namespace fg::daemon {

struct SyslogIdentity {
  std::string hostname;  // HOSTNAME field
  std::string procid;    // PROCID field
};

// One framed message for a record line: PRI from the stream (audit: facility 13 "log audit",
// severity info; events: facility 4 "security", severity from the record's "severity"),
// TIMESTAMP from its "ts", APP-NAME fieldguardd, MSGID "audit" or "event", no structured data,
// the JSON line as MSG.
std::string frame_syslog(const SyslogIdentity& id, bool audit, std::string_view json_line);

// Splits complete frames off the front of `buf`: the byte count of whole frames (0 when the
// first is incomplete); -1 when the data is not octet-counted framing.
long complete_frames(std::string_view buf);

}  // namespace fg::daemon

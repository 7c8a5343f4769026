#include "daemon/export/syslog_message.hpp"

#include <chrono>
#include <ctime>

namespace fg::daemon {

namespace {

int severity_of(std::string_view line) {
  const std::size_t at = line.find("\"severity\":\"");
  if (at == std::string_view::npos) return 6;
  const std::string_view s = line.substr(at + 12, 8);
  if (s.rfind("critical", 0) == 0) return 2;
  if (s.rfind("high", 0) == 0) return 3;
  if (s.rfind("medium", 0) == 0) return 4;
  if (s.rfind("low", 0) == 0) return 5;
  return 6;
}

std::string timestamp_of(std::string_view line) {
  const std::size_t at = line.find("\"ts\":\"");
  if (at != std::string_view::npos && at < 64) {
    const std::size_t end = line.find('"', at + 6);
    if (end != std::string_view::npos && end - at - 6 <= 32) return std::string(line.substr(at + 6, end - at - 6));
  }
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::string frame_syslog(const SyslogIdentity& id, bool audit, std::string_view json_line) {
  const int pri = audit ? 13 * 8 + 6 : 4 * 8 + severity_of(json_line);
  std::string msg = "<" + std::to_string(pri) + ">1 " + timestamp_of(json_line) + " " +
                    (id.hostname.empty() ? "-" : id.hostname) + " fieldguardd " + (id.procid.empty() ? "-" : id.procid) +
                    (audit ? " audit - " : " event - ");
  msg.append(json_line);
  return std::to_string(msg.size()) + " " + msg;
}

long complete_frames(std::string_view buf) {
  std::size_t at = 0;
  while (at < buf.size()) {
    std::size_t sp = at;
    std::size_t len = 0;
    while (sp < buf.size() && buf[sp] >= '0' && buf[sp] <= '9' && sp - at < 9) len = len * 10 + static_cast<std::size_t>(buf[sp++] - '0');
    if (sp == buf.size()) break;  // length still arriving
    if (sp == at || buf[sp] != ' ') return -1;
    if (sp + 1 + len > buf.size()) break;
    at = sp + 1 + len;
  }
  return static_cast<long>(at);
}

}  // namespace fg::daemon

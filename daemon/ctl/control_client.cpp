#include "daemon/ctl/control_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

namespace fg::ctl {

bool request(const std::string& socket_path, const std::string& line, std::string& reply, std::string& error) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || socket_path.size() >= sizeof addr.sun_path) {
    error = "bad socket path";
    if (fd >= 0) ::close(fd);
    return false;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = "cannot reach fieldguardd at " + socket_path + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  const std::string msg = line + "\n";
  if (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(msg.size())) {
    error = std::string("send: ") + std::strerror(errno);
    ::close(fd);
    return false;
  }
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
    if (reply.find('\n') != std::string::npos) break;
  }
  ::close(fd);
  if (reply.empty()) {
    error = "fieldguardd closed the connection without answering";
    return false;
  }
  if (reply.back() == '\n') reply.pop_back();
  return true;
}

int call(const CtlContext& ctx, const std::string& cmd, const std::string& args_json, YAML::Node& data) {
  std::string line = "{\"v\":1,\"cmd\":\"" + cmd + "\"";
  if (!args_json.empty()) line += ",\"args\":" + args_json;
  line += "}";
  std::string reply, error;
  if (!request(ctx.socket_path, line, reply, error)) {
    std::cerr << "fieldguardctl: " << error << "\n";
    return kNoDaemon;
  }
  if (ctx.json) std::cout << reply << "\n";
  try {
    const YAML::Node r = YAML::Load(reply);
    if (!r["ok"] || !r["ok"].as<bool>()) {
      if (!ctx.json) std::cerr << "fieldguardctl: " << (r["error"] ? r["error"].as<std::string>() : reply) << "\n";
      return kCommandFailed;
    }
    data = r["data"];
  } catch (const YAML::Exception& e) {
    std::cerr << "fieldguardctl: unreadable answer from fieldguardd: " << e.what() << "\n";
    return kCommandFailed;
  }
  return kOk;
}

}  // namespace fg::ctl

// The control socket: JSON lines over a Unix stream socket, served from the control thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace fg::daemon {

// Answers one request line with one response line (without the newline).
using ControlHandler = std::function<std::string(const std::string& request)>;

class ControlServer {
 public:
  ControlServer() = default;
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer() { close(); }

  // Creates the socket (mode 0660, group `group` when that group exists; the directory is
  // created 0750). False with `error` set on failure.
  bool open(const std::string& path, const std::string& group, std::string& error);
  // Accepts and serves for up to `timeout_ms`.
  void poll(int timeout_ms, const ControlHandler& handler);
  void close();
  [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }

 private:
  struct Client {
    int fd;
    std::string in;
  };
  void serve(Client& c, const ControlHandler& handler);

  int fd_ = -1;
  std::string path_;
  std::vector<Client> clients_;
};

}  // namespace fg::daemon

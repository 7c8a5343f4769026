// Prometheus scrape endpoint: GET /metrics on a local TCP address, served from the control
// loop without blocking it (non-blocking sockets, bounded request size, few clients).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace fg::daemon {

class MetricsServer {
 public:
  MetricsServer() = default;
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  ~MetricsServer() { close(); }

  // ADDRESS:PORT ("127.0.0.1:9310", "[::1]:9310"). False with `error` set.
  bool open(const std::string& listen, std::string& error);
  // Accepts and answers what is ready; `body` builds the exposition text when asked.
  void poll(const std::function<std::string()>& body);
  void close();
  [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
  // The port listened on (useful with port 0: the kernel picks one).
  [[nodiscard]] int port() const noexcept { return port_; }

 private:
  struct Client {
    int fd;
    std::string in;
    std::chrono::steady_clock::time_point since;
  };
  int fd_ = -1;
  int port_ = 0;
  std::vector<Client> clients_;
};

}  // namespace fg::daemon

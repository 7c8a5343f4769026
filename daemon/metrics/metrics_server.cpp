#include "daemon/metrics/metrics_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fg::daemon {

namespace {
constexpr std::size_t kMaxRequest = 8192;
constexpr std::size_t kMaxClients = 8;
constexpr auto kClientTimeout = std::chrono::seconds(5);

void send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n > 0) { off += static_cast<std::size_t>(n); continue; }
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 200) > 0) continue;
    }
    return;  // a scraper that does not read is dropped
  }
}
}  // namespace

bool MetricsServer::open(const std::string& listen, std::string& error) {
  close();
  const std::size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  const int port = std::atoi(listen.c_str() + colon + 1);
  if (port < 0 || port > 65535 || listen.substr(colon + 1).empty()) {
    error = "metrics.listen: bad port in " + listen;
    return false;
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof *v6;
  } else {
    error = "metrics.listen: \"" + host + "\" is not an IP address";
    return false;
  }
  fd_ = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd_, 8) != 0) {
    error = "metrics: cannot listen on " + listen + ": " + std::strerror(errno);
    close();
    return false;
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &blen);
  port_ = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                           : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  return true;
}

void MetricsServer::close() {
  for (auto& c : clients_) ::close(c.fd);
  clients_.clear();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void MetricsServer::poll(const std::function<std::string()>& body) {
  if (fd_ < 0) return;
  for (;;) {
    const int c = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) break;
    if (clients_.size() >= kMaxClients) { ::close(c); continue; }
    clients_.push_back({c, {}, std::chrono::steady_clock::now()});
  }
  const auto now = std::chrono::steady_clock::now();
  std::vector<Client> keep;
  for (auto& c : clients_) {
    char buf[2048];
    ssize_t n;
    while ((n = ::recv(c.fd, buf, sizeof buf, 0)) > 0) c.in.append(buf, static_cast<std::size_t>(n));
    const bool closed = n == 0 || (n < 0 && errno != EAGAIN);
    const std::size_t end = c.in.find("\r\n\r\n");
    if (end != std::string::npos) {
      // Only the request line matters: GET /metrics (HEAD and other paths are refused).
      const bool metrics = c.in.rfind("GET /metrics ", 0) == 0 || c.in.rfind("GET /metrics?", 0) == 0;
      std::string reply;
      if (metrics) {
        const std::string text = body();
        reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
                std::to_string(text.size()) + "\r\nConnection: close\r\n\r\n" + text;
      } else {
        reply = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 21\r\nConnection: close\r\n\r\ntry GET /metrics ...\n";
      }
      send_all(c.fd, reply);
      ::close(c.fd);
    } else if (closed || c.in.size() > kMaxRequest || now - c.since > kClientTimeout) {
      ::close(c.fd);
    } else {
      keep.push_back(std::move(c));
    }
  }
  clients_ = std::move(keep);
}

}  // namespace fg::daemon

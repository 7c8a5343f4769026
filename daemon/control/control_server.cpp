#include "daemon/control/control_server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fg::daemon {

namespace {
constexpr std::size_t kMaxRequest = 1 << 16;  // a request line longer than this closes the connection
constexpr std::size_t kMaxClients = 32;
}  // namespace

bool ControlServer::open(const std::string& path, const std::string& group_name, std::string& error) {
  close();
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) {
    error = "control socket path too long: " + path;
    return false;
  }
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    ::chmod(dir.c_str(), 0750);
  }
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());  // a stale socket from a previous run
  // Create it with no access for others from the first moment, then open it to the group.
  const mode_t old = ::umask(0117);
  const int rc = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (rc != 0 || ::listen(fd_, 16) != 0) {
    error = "cannot listen on " + path + ": " + std::strerror(errno);
    close();
    return false;
  }
  path_ = path;
  if (const struct group* g = ::getgrnam(group_name.c_str()); g != nullptr) {
    if (::chown(path.c_str(), static_cast<uid_t>(-1), g->gr_gid) == 0 && !dir.empty())
      (void)::chown(dir.c_str(), static_cast<uid_t>(-1), g->gr_gid);
  }
  ::chmod(path.c_str(), 0660);
  return true;
}

void ControlServer::close() {
  for (auto& c : clients_) ::close(c.fd);
  clients_.clear();
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
    ::unlink(path_.c_str());
  }
}

void ControlServer::poll(int timeout_ms, const ControlHandler& handler) {
  if (fd_ < 0) {
    ::poll(nullptr, 0, timeout_ms);
    return;
  }
  std::vector<pollfd> fds;
  fds.push_back({fd_, POLLIN, 0});
  for (const auto& c : clients_) fds.push_back({c.fd, POLLIN, 0});
  if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return;

  std::vector<Client> keep;
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    Client& c = clients_[i];
    bool alive = true;
    if (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[4096];
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n <= 0) {
        alive = n < 0 && (errno == EAGAIN || errno == EINTR);
      } else {
        c.in.append(buf, static_cast<std::size_t>(n));
        serve(c, handler);
        alive = c.in.size() <= kMaxRequest;
      }
    }
    if (alive) keep.push_back(c);
    else ::close(c.fd);
  }
  clients_ = std::move(keep);

  if (fds[0].revents & POLLIN) {
    for (;;) {
      const int cfd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (cfd < 0) break;
      if (clients_.size() >= kMaxClients) {
        ::close(cfd);
        continue;
      }
      clients_.push_back({cfd, {}});
    }
  }
}

void ControlServer::serve(Client& c, const ControlHandler& handler) {
  for (std::size_t nl; (nl = c.in.find('\n')) != std::string::npos;) {
    const std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    std::string reply = handler(line);
    reply += '\n';
    // Replies are small; a client that does not read them is dropped rather than waited for.
    std::size_t off = 0;
    while (off < reply.size()) {
      const ssize_t n = ::send(c.fd, reply.data() + off, reply.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        if (n < 0 && errno == EAGAIN) {
          pollfd p{c.fd, POLLOUT, 0};
          if (::poll(&p, 1, 100) > 0) continue;
        }
        c.in.assign(kMaxRequest + 1, '\0');  // mark for closing
        return;
      }
      off += static_cast<std::size_t>(n);
    }
  }
}

}  // namespace fg::daemon

#include "daemon/export/syslog_exporter.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "crypto/identity/openssl_error.hpp"

namespace fg::daemon {

namespace {

constexpr auto kConfirmAfter = std::chrono::seconds(1);
constexpr int kIoTimeoutMs = 5000;

}  // namespace

struct SyslogExporter::Tls {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  int fd = -1;
  ~Tls() {
    if (ssl != nullptr) SSL_free(ssl);
    if (fd >= 0) ::close(fd);
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
};

SyslogExporter::SyslogExporter() : tls_(std::make_unique<Tls>()) {}
SyslogExporter::~SyslogExporter() { stop(); }

bool SyslogExporter::start(const SyslogConfig& cfg, std::string& error) {
  cfg_ = cfg;
  if (cfg_.server_name.empty()) cfg_.server_name = cfg_.server.substr(0, cfg_.server.rfind(':'));
  char host[256] = {0};
  id_.hostname = !cfg_.hostname.empty() ? cfg_.hostname : (::gethostname(host, sizeof host - 1) == 0 ? host : "-");
  id_.procid = std::to_string(::getpid());

  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  tls_->ctx = ctx;
  if (ctx == nullptr || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    error = crypto::openssl_error("cannot create a TLS context");
    return false;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx, cfg_.ca.c_str(), nullptr) != 1) {
    error = crypto::openssl_error("cannot load CA " + cfg_.ca);
    return false;
  }
  if (!cfg_.cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg_.cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, cfg_.key.c_str(), SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
      error = crypto::openssl_error("cannot use client certificate " + cfg_.cert);
      return false;
    }
  }

  std::error_code ec;
  std::filesystem::create_directories(cfg_.queue_dir, ec);
  ::chmod(cfg_.queue_dir.c_str(), 0700);
  const std::string spool = cfg_.queue_dir + "/queue";
  spool_fd_ = ::open(spool.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (spool_fd_ < 0) {
    error = "cannot open the queue " + spool + ": " + std::strerror(errno);
    return false;
  }
  struct stat st{};
  ::fstat(spool_fd_, &st);
  spool_size_ = static_cast<std::uint64_t>(st.st_size);
  std::ifstream off(cfg_.queue_dir + "/offset");
  std::uint64_t c = 0;
  if (off >> c && c <= spool_size_) committed_ = c;
  send_from_ = committed_;
  stats_.queued_bytes = spool_size_ - committed_;
  thread_ = std::thread([this] { run(); });
  return true;
}

void SyslogExporter::enqueue(bool audit, const std::string& json_line) {
  std::string framed = frame_syslog(id_, audit, json_line);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.enqueued;
    if (stats_.queued_bytes + framed.size() > cfg_.queue_max) {
      ++stats_.dropped;  // the bound: newest refused, the JSON-lines files still hold it
      return;
    }
    stats_.queued_bytes += framed.size();
    pending_ += framed;
  }
  cv_.notify_one();
}

SyslogStats SyslogExporter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void SyslogExporter::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
  if (spool_fd_ >= 0) ::close(spool_fd_);
  spool_fd_ = -1;
}

bool SyslogExporter::connect_tls() {
  const std::size_t colon = cfg_.server.rfind(':');
  std::string host = cfg_.server.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = cfg_.server.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string err;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
    err = "cannot resolve " + host;
  } else {
    for (addrinfo* a = res; a != nullptr && tls_->fd < 0; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
      if (fd < 0) continue;
      int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        int so = 0;
        socklen_t len = sizeof so;
        rc = ::poll(&p, 1, kIoTimeoutMs) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) == 0 && so == 0 ? 0 : -1;
        if (so != 0) errno = so;
      }
      if (rc != 0) {
        err = "cannot connect to " + cfg_.server + ": " + std::strerror(errno);
        ::close(fd);
        continue;
      }
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      timeval tv{kIoTimeoutMs / 1000, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      tls_->fd = fd;
    }
    ::freeaddrinfo(res);
  }
  if (tls_->fd >= 0) {
    tls_->ssl = SSL_new(tls_->ctx);
    SSL_set_fd(tls_->ssl, tls_->fd);
    // The certificate must name the collector: a valid certificate for another host fails.
    // An IP address is checked against the certificate's IP SANs and is never sent as SNI.
    in6_addr ip{};
    const bool is_ip = ::inet_pton(AF_INET, cfg_.server_name.c_str(), &ip) == 1 ||
                       ::inet_pton(AF_INET6, cfg_.server_name.c_str(), &ip) == 1;
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls_->ssl), cfg_.server_name.c_str());
    } else {
      SSL_set_tlsext_host_name(tls_->ssl, cfg_.server_name.c_str());
      SSL_set1_host(tls_->ssl, cfg_.server_name.c_str());
    }
    if (SSL_connect(tls_->ssl) != 1) {
      const long v = SSL_get_verify_result(tls_->ssl);
      const std::string what = "TLS handshake with " + cfg_.server + " failed";
      err = v != X509_V_OK ? what + ": " + X509_verify_cert_error_string(v) : crypto::openssl_error(what);
      disconnect();
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (tls_->ssl == nullptr) {
    ++stats_.connect_failures;
    stats_.last_error = err;
    return false;
  }
  ++stats_.connects;
  stats_.connected = true;
  return true;
}

void SyslogExporter::disconnect() {
  if (tls_->ssl != nullptr) SSL_free(tls_->ssl);
  if (tls_->fd >= 0) ::close(tls_->fd);
  tls_->ssl = nullptr;
  tls_->fd = -1;
  in_flight_.clear();
  send_from_ = committed_;  // what was not confirmed goes again (in order)
  std::lock_guard<std::mutex> lock(mu_);
  stats_.connected = false;
}

bool SyslogExporter::peer_closed() {
  // The collector sends no data. FIN, reset or error means it is gone; plain readability is
  // usually TLS 1.3 post-handshake messages (session tickets), which a non-blocking read
  // consumes without ending the connection.
  pollfd p{tls_->fd, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
  const int flags = ::fcntl(tls_->fd, F_GETFL);
  ::fcntl(tls_->fd, F_SETFL, flags | O_NONBLOCK);
  char buf[512];
  bool closed = false;
  for (;;) {
    const int n = SSL_read(tls_->ssl, buf, sizeof buf);
    if (n > 0) continue;  // unexpected data from the collector: ignored
    const int err = SSL_get_error(tls_->ssl, n);
    closed = err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE;
    break;
  }
  ERR_clear_error();
  ::fcntl(tls_->fd, F_SETFL, flags);
  return closed;
}

void SyslogExporter::move_pending_to_disk() {
  std::string chunk;
  {
    std::lock_guard<std::mutex> lock(mu_);
    chunk.swap(pending_);
  }
  if (chunk.empty()) return;
  const ssize_t n = ::pwrite(spool_fd_, chunk.data(), chunk.size(), static_cast<off_t>(spool_size_));
  if (n > 0) spool_size_ += static_cast<std::uint64_t>(n);
  if (n != static_cast<ssize_t>(chunk.size())) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.last_error = std::string("queue write failed: ") + std::strerror(errno);
    // Never a partial frame: keep the file at whole frames; the chunk's messages are lost
    // to the export (the JSON-lines files keep them) and counted.
    if (n > 0) spool_size_ -= static_cast<std::uint64_t>(n);
    (void)::ftruncate(spool_fd_, static_cast<off_t>(spool_size_));
    std::uint64_t frames = 0;
    for (std::size_t at = 0; at < chunk.size(); ++frames) {
      const std::size_t sp = chunk.find(' ', at);
      if (sp == std::string::npos) break;
      at = sp + 1 + std::stoul(chunk.substr(at, sp - at));
    }
    stats_.dropped += frames;
    stats_.queued_bytes -= std::min<std::uint64_t>(stats_.queued_bytes, chunk.size());
  }
}

void SyslogExporter::commit(std::uint64_t offset) {
  if (offset <= committed_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.queued_bytes -= std::min(stats_.queued_bytes, offset - committed_);
  }
  committed_ = offset;
  if (committed_ == spool_size_) {
    // All delivered: start the queue over so it does not grow forever.
    (void)::ftruncate(spool_fd_, 0);
    spool_size_ = committed_ = send_from_ = 0;
    for (auto& f : in_flight_) f.first = 0;
  }
  const std::string tmp = cfg_.queue_dir + "/offset.tmp";
  { std::ofstream(tmp) << committed_ << "\n"; }
  std::filesystem::rename(tmp, cfg_.queue_dir + "/offset");
}

void SyslogExporter::send_from_disk() {
  while (send_from_ < spool_size_) {
    std::string buf(std::min<std::uint64_t>(spool_size_ - send_from_, 1 << 16), '\0');
    const ssize_t n = ::pread(spool_fd_, buf.data(), buf.size(), static_cast<off_t>(send_from_));
    if (n <= 0) return;
    buf.resize(static_cast<std::size_t>(n));
    long whole = complete_frames(buf);
    if (whole <= 0) {
      if (whole < 0 || buf.size() == (1u << 16)) {
        // A damaged queue cannot be resynchronised: skip to its end (the files keep all).
        std::lock_guard<std::mutex> lock(mu_);
        stats_.last_error = "damaged queue skipped";
        send_from_ = spool_size_;
      }
      return;
    }
    std::size_t frames = 0;
    for (long at = 0; at < whole;) {
      const long sp = static_cast<long>(buf.find(' ', static_cast<std::size_t>(at)));
      at = sp + 1 + std::stol(buf.substr(static_cast<std::size_t>(at), static_cast<std::size_t>(sp - at)));
      ++frames;
    }
    if (SSL_write(tls_->ssl, buf.data(), static_cast<int>(whole)) != whole) {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.last_error = crypto::openssl_error("write to " + cfg_.server + " failed");
      disconnect_later_ = true;  // run() disconnects; what was not confirmed goes again
      return;
    }
    send_from_ += static_cast<std::uint64_t>(whole);
    in_flight_.emplace_back(send_from_, std::chrono::steady_clock::now());
    std::lock_guard<std::mutex> lock(mu_);
    stats_.sent += frames;
  }
}

void SyslogExporter::run() {
  auto backoff = std::chrono::milliseconds(200);
  auto next_try = std::chrono::steady_clock::now();
  for (;;) {
    bool stopping;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_ || !pending_.empty(); });
      stopping = stop_;
    }
    move_pending_to_disk();
    const auto now = std::chrono::steady_clock::now();
    if (tls_->ssl != nullptr && peer_closed()) disconnect();
    if (tls_->ssl == nullptr && (now >= next_try || stopping) && send_from_ < spool_size_) {
      if (connect_tls()) {
        backoff = std::chrono::milliseconds(200);
      } else {
        next_try = now + backoff;
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      }
    }
    if (tls_->ssl != nullptr) {
      send_from_disk();
      if (disconnect_later_) {
        disconnect_later_ = false;
        disconnect();
      }
    }
    // Confirm what is a second old on a connection that is still up.
    while (tls_->ssl != nullptr && !in_flight_.empty() && now - in_flight_.front().second >= kConfirmAfter) {
      commit(in_flight_.front().first);
      in_flight_.erase(in_flight_.begin());
    }
    if (stopping) break;
  }
  // Closing: a clean TLS shutdown that the collector answers means it read everything.
  if (tls_->ssl != nullptr) {
    if (SSL_shutdown(tls_->ssl) == 0) {
      pollfd p{tls_->fd, POLLIN, 0};
      if (::poll(&p, 1, 2000) == 1) {
        char c;
        if (SSL_read(tls_->ssl, &c, 1) <= 0 && SSL_get_error(tls_->ssl, 0) == SSL_ERROR_ZERO_RETURN) commit(send_from_);
      }
    }
    disconnect();
  }
}

}  // namespace fg::daemon

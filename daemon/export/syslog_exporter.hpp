// Exports records to the console's collector as RFC 5424 syslog over TLS (RFC 5425; OpenSSL,
// server certificate verified against the configured CA and name, optional client
// certificate). Messages go through a bounded on-disk queue first, so that nothing is lost
// while the collector is down, and leave it in order when it is back.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/export/syslog_message.hpp"

namespace fg::daemon {

struct SyslogStats {
  std::uint64_t enqueued = 0;
  std::uint64_t sent = 0;          // messages written to a TLS connection
  std::uint64_t dropped = 0;       // queue full (the files still have them)
  std::uint64_t connects = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t queued_bytes = 0;  // on disk or in memory, not yet confirmed delivered
  bool connected = false;
  std::string last_error;
};

class SyslogExporter {
 public:
  SyslogExporter();
  ~SyslogExporter();
  SyslogExporter(const SyslogExporter&) = delete;
  SyslogExporter& operator=(const SyslogExporter&) = delete;

  // Checks the TLS settings, opens the queue and starts the sender thread (which connects
  // on its own, and again whenever the connection is lost).
  bool start(const SyslogConfig& cfg, std::string& error);
  // Queues one record line (called on the thread that writes the records).
  void enqueue(bool audit, const std::string& json_line);
  // Stops the sender after a last attempt (up to 2 s) to deliver what is queued.
  void stop();
  [[nodiscard]] SyslogStats stats() const;

 private:
  struct Tls;
  void run();
  bool connect_tls();
  void disconnect();
  bool peer_closed();
  void move_pending_to_disk();
  void send_from_disk();
  void commit(std::uint64_t offset);

  SyslogConfig cfg_;
  SyslogIdentity id_;
  std::unique_ptr<Tls> tls_;
  int spool_fd_ = -1;
  std::uint64_t spool_size_ = 0;
  std::uint64_t committed_ = 0;  // everything before this offset was delivered
  std::uint64_t send_from_ = 0;  // next byte to send on this connection
  bool disconnect_later_ = false;
  // (sent up to offset, at) pairs: an offset counts as delivered once the connection was
  // still up a second after it was sent (a TLS write succeeds even if the peer just died).
  std::vector<std::pair<std::uint64_t, std::chrono::steady_clock::time_point>> in_flight_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_;  // framed messages not yet on disk (guarded by mu_)
  SyslogStats stats_;    // guarded by mu_
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace fg::daemon

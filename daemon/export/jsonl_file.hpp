// Append-only JSON-lines file (events, audit records), buffered and flushed in batches; with
// StreamOptions also hash-chained and sealed, rotated by size, kept for `tail`, and handed
// to a forwarder (syslog) in order.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "daemon/export/hash_chain.hpp"
#include "daemon/export/record_tail.hpp"

namespace fg::daemon {

class SealKey;

struct StreamOptions {
  std::string name = "events";          // "events" or "audit": names seal records
  bool chain = false;                   // add "seq" and "prev" (SHA-256 chain) to every line
  const SealKey* seal_key = nullptr;    // seal the chain with it (needs chain)
  std::uint64_t seal_interval_ns = 60'000'000'000ull;
  std::uint64_t max_size = 0;           // rotate when the file would grow past this; 0 = never
  std::uint32_t keep = 5;               // rotated files kept (FILE.1 newest ... FILE.keep)
  // Newest lines kept in memory for `events|audit tail`; 0 where no control socket can ask
  // (offline replay), which saves a copy of every line.
  std::size_t tail_lines = 1000;
  // Each finished line (stamped, without newline), in order: the syslog queue.
  std::function<void(const std::string& line)> forward;
};

class JsonlFile {
 public:
  JsonlFile() = default;
  JsonlFile(const JsonlFile&) = delete;
  JsonlFile& operator=(const JsonlFile&) = delete;
  ~JsonlFile() { close(); }

  // Opens for appending ("-" is standard output). False with errno set on failure.
  bool open(const std::string& path) { return open(path, StreamOptions{}); }
  // With a chain, continues the chain of the file (or of its newest rotated file).
  bool open(const std::string& path, const StreamOptions& opt);
  [[nodiscard]] bool is_open() const noexcept { return f_ != nullptr; }
  // Writes whole lines (each ends with '\n').
  void write(const std::string& lines);
  // Flushes to the file; seals when a seal is due.
  void flush();
  // Seals (when sealing) and closes.
  void close();
  // Writes a seal line now (no-op without a key or when nothing is unsealed).
  void seal();

  [[nodiscard]] const RecordTail& tail() const noexcept { return tail_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::uint64_t rotations() const noexcept { return rotations_; }

 private:
  void write_line(std::string_view text);
  void rotate();

  std::FILE* f_ = nullptr;
  bool owned_ = false;
  std::string path_;
  StreamOptions opt_;
  HashChain chain_;
  RecordTail tail_;
  std::string line_;  // the line being stamped and written; its buffer is reused
  std::uint64_t size_ = 0;
  std::uint64_t unsealed_ = 0;
  std::uint64_t last_seal_ns_ = 0;
  std::uint64_t rotations_ = 0;
  std::uint64_t plain_seq_ = 0;  // tail numbering without a chain
};

// The last line that carries chain members (skips a torn last line); empty if none.
std::string last_chained_line_of(const std::string& path);

}  // namespace fg::daemon

// Append-only JSON-lines file (events, audit records), buffered and flushed in batches.
#pragma once

#include <cstdio>
#include <string>

namespace fg::daemon {

class JsonlFile {
 public:
  JsonlFile() = default;
  JsonlFile(const JsonlFile&) = delete;
  JsonlFile& operator=(const JsonlFile&) = delete;
  ~JsonlFile() { close(); }

  // Opens for appending ("-" is standard output). False with errno set on failure.
  bool open(const std::string& path);
  [[nodiscard]] bool is_open() const noexcept { return f_ != nullptr; }
  // Writes whole lines (each ends with '\n').
  void write(const std::string& lines);
  void flush();
  void close();

 private:
  std::FILE* f_ = nullptr;
  bool owned_ = false;
};

}  // namespace fg::daemon

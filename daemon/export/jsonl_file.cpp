#include "daemon/export/jsonl_file.hpp"

#include <cstdint>

namespace fg::daemon {

bool JsonlFile::open(const std::string& path) {
  close();
  if (path == "-") {
    f_ = stdout;
    owned_ = false;
    return true;
  }
  f_ = std::fopen(path.c_str(), "ae");
  owned_ = f_ != nullptr;
  return f_ != nullptr;
}

void JsonlFile::write(const std::string& lines) {
  if (f_ == nullptr || lines.empty()) return;
  std::fwrite(lines.data(), 1, lines.size(), f_);
}

void JsonlFile::flush() {
  if (f_ != nullptr) std::fflush(f_);
}

void JsonlFile::close() {
  if (f_ != nullptr) {
    std::fflush(f_);
    if (owned_) std::fclose(f_);
  }
  f_ = nullptr;
  owned_ = false;
}

}  // namespace fg::daemon

// Collected configuration errors, printed compiler-style: FILE:LINE:COL: error: what.
#pragma once

#include <string>
#include <vector>

namespace fg::daemon {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
  std::string message;
  [[nodiscard]] std::string str() const;
};

class Diagnostics {
 public:
  void error(std::string file, int line, int column, std::string message) {
    items_.push_back({std::move(file), line, column, std::move(message)});
  }
  [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
  [[nodiscard]] const std::vector<Diagnostic>& items() const noexcept { return items_; }
  [[nodiscard]] std::string str() const;

 private:
  std::vector<Diagnostic> items_;
};

// The closest of `candidates` to `word` (edit distance ≤ 2), or "" — for "did you mean".
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace fg::daemon

// The most recent lines of a record stream, kept in memory for `fieldguardctl events|audit
// tail [-f]`: a client asks for what came after the last sequence number it saw.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace fg::daemon {

class RecordTail {
 public:
  explicit RecordTail(std::size_t max_lines = 1000) : max_(max_lines) {}
  void add(std::uint64_t seq, std::string line) {
    lines_.emplace_back(seq, std::move(line));
    if (lines_.size() > max_) lines_.pop_front();
  }
  // Up to `n` of the newest lines with a sequence number above `after`, oldest first.
  [[nodiscard]] std::vector<std::pair<std::uint64_t, std::string>> since(std::uint64_t after, std::size_t n) const {
    std::vector<std::pair<std::uint64_t, std::string>> out;
    std::size_t first = lines_.size();
    while (first > 0 && lines_[first - 1].first > after && lines_.size() - first < n) --first;
    for (std::size_t i = first; i < lines_.size(); ++i) out.push_back(lines_[i]);
    return out;
  }
  [[nodiscard]] std::uint64_t last_seq() const noexcept { return lines_.empty() ? 0 : lines_.back().first; }

 private:
  std::size_t max_;
  std::deque<std::pair<std::uint64_t, std::string>> lines_;
};

}  // namespace fg::daemon

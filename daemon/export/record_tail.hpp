// The most recent lines of a record stream, kept in memory for `fieldguardctl events|audit
// tail [-f]`: a client asks for what came after the last sequence number it saw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fg::daemon {

class RecordTail {
 public:
  explicit RecordTail(std::size_t max_lines = 1000) : max_(max_lines) {}
  void add(std::uint64_t seq, std::string_view line) {
    if (max_ == 0) return;
    if (lines_.size() < max_) {
      lines_.emplace_back(seq, std::string(line));
      return;
    }
    // Full: overwrite the oldest in place, reusing its buffer (this runs for every record).
    auto& oldest = lines_[head_];
    oldest.first = seq;
    oldest.second.assign(line);
    head_ = (head_ + 1) % max_;
  }
  // Up to `n` of the newest lines with a sequence number above `after`, oldest first.
  [[nodiscard]] std::vector<std::pair<std::uint64_t, std::string>> since(std::uint64_t after, std::size_t n) const {
    std::vector<std::pair<std::uint64_t, std::string>> out;
    std::size_t first = lines_.size();
    while (first > 0 && at(first - 1).first > after && lines_.size() - first < n) --first;
    for (std::size_t i = first; i < lines_.size(); ++i) out.push_back(at(i));
    return out;
  }
  [[nodiscard]] std::uint64_t last_seq() const noexcept { return lines_.empty() ? 0 : at(lines_.size() - 1).first; }

 private:
  // The i-th oldest line.
  [[nodiscard]] const std::pair<std::uint64_t, std::string>& at(std::size_t i) const noexcept {
    return lines_[(head_ + i) % lines_.size()];
  }

  std::size_t max_;
  std::size_t head_ = 0;  // the oldest line once the ring is full; 0 until then
  std::vector<std::pair<std::uint64_t, std::string>> lines_;
};

}  // namespace fg::daemon

// Outstanding requests of one flow, for telling a response that answers nothing: a fixed table,
// no allocation, work proportional to the requests actually outstanding.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace fg::proto {

// `Entry` is the protocol's key (plus whatever it wants back when the response comes); the
// table adds the bookkeeping. Slots in use are the bits of `used_`, so an empty table costs
// one test and a lookup visits only occupied slots. Full: the oldest entry gives way (the
// caller learns which, to report it or stay silent, as its protocol's policy says).
//
// `seen_request()` is the mid-stream guard every caller needs: until the flow has shown a
// request, a response may answer one sent before the capture (or the flow entry) began, so it
// is not judged.
template <class Entry, std::size_t N>
class PendingRequests {
  static_assert(N > 0 && N <= 64, "slots are the bits of one 64-bit word");
  static_assert(std::is_trivially_copyable_v<Entry>);

 public:
  // Remembers `e`. Returns true when the table was full and the oldest entry was evicted to
  // make room (copied to `*evicted` when given).
  bool add(const Entry& e, Entry* evicted = nullptr) noexcept {
    seen_request_ = true;
    std::size_t slot;
    bool full = used_ == kAll;
    if (full) {
      slot = oldest_slot();
      if (evicted != nullptr) *evicted = entries_[slot];
    } else {
      slot = static_cast<std::size_t>(std::countr_one(used_));
    }
    entries_[slot] = e;
    stamp_[slot] = next_stamp_++;
    used_ |= bit(slot);
    return full;
  }

  // The oldest outstanding entry for which `match(entry)` holds, or nullptr. The pointer stays
  // valid until the next add() or retire().
  template <class Match>
  [[nodiscard]] Entry* find(Match&& match) noexcept {
    Entry* best = nullptr;
    std::uint32_t best_stamp = 0;
    for (std::uint64_t m = used_; m != 0; m &= m - 1) {
      const auto i = static_cast<std::size_t>(std::countr_zero(m));
      if (!match(static_cast<const Entry&>(entries_[i]))) continue;
      if (best == nullptr || older(stamp_[i], best_stamp)) {
        best = &entries_[i];
        best_stamp = stamp_[i];
      }
    }
    return best;
  }

  // Any outstanding entry for which `match(entry)` holds (the first slot found), or nullptr:
  // for keys that are unique while outstanding, it stops at the match.
  template <class Match>
  [[nodiscard]] Entry* find_any(Match&& match) noexcept {
    for (std::uint64_t m = used_; m != 0; m &= m - 1) {
      const auto i = static_cast<std::size_t>(std::countr_zero(m));
      if (match(static_cast<const Entry&>(entries_[i]))) return &entries_[i];
    }
    return nullptr;
  }

  // Forgets an entry returned by find() or find_any() (its request was answered or abandoned).
  void retire(const Entry* e) noexcept {
    used_ &= ~bit(static_cast<std::size_t>(e - entries_.data()));
  }

  // Forgets every outstanding entry (a protocol where a new request supersedes them, as a
  // Modbus RTU master's does); the flow has still shown a request.
  void clear() noexcept { used_ = 0; }

  [[nodiscard]] bool seen_request() const noexcept { return seen_request_; }
  [[nodiscard]] std::size_t size() const noexcept { return static_cast<std::size_t>(std::popcount(used_)); }
  static constexpr std::size_t capacity() noexcept { return N; }

 private:
  static constexpr std::uint64_t kAll = N == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << N) - 1;
  static constexpr std::uint64_t bit(std::size_t i) noexcept { return std::uint64_t{1} << i; }
  // Insertion stamps compared modulo 2^32: live stamps span at most N adds, far from a wrap.
  static constexpr bool older(std::uint32_t a, std::uint32_t b) noexcept {
    return static_cast<std::int32_t>(a - b) < 0;
  }
  std::size_t oldest_slot() const noexcept {
    std::size_t oldest = 0;
    for (std::size_t i = 1; i < N; ++i)
      if (older(stamp_[i], stamp_[oldest])) oldest = i;
    return oldest;
  }

  std::array<Entry, N> entries_{};
  std::array<std::uint32_t, N> stamp_{};
  std::uint64_t used_ = 0;
  std::uint32_t next_stamp_ = 0;
  bool seen_request_ = false;
};

}  // namespace fg::proto

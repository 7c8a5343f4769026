// One dimension of the L3/L4 index (protocol, an address, a port, an interface): maps a value
// to the rules whose condition on that dimension accepts it, as a bitset over rule numbers.
// Unconstrained rules are one dense bitset; constrained ones are listed per elementary
// interval, so memory grows with what the rules say, not with rules x intervals. An interval
// that many rules cover (a popular port, "tcp") gets a dense bitset instead of a list, so
// reading any value costs at most one pass over the bitset words.
#pragma once

#include <cstdint>
#include <vector>

namespace fg::rules {

using IndexKey = unsigned __int128;  // wide enough for an IPv6 (or IPv4-mapped) address

class IntervalIndex {
 public:
  // Reads the bitset of one value word by word, in increasing word order (words may be skipped).
  class Cursor {
   public:
    Cursor() = default;
    Cursor(const std::uint64_t* base, const std::uint64_t* dense, const std::uint32_t* m, const std::uint32_t* end)
        : base_(base), dense_(dense), m_(m), end_(end) {}
    [[nodiscard]] std::uint64_t word(std::uint32_t w) noexcept {
      std::uint64_t v = base_[w];
      if (dense_ != nullptr) return v | dense_[w];
      while (m_ != end_ && (*m_ >> 6) < w) ++m_;  // members of words the caller skipped
      while (m_ != end_ && (*m_ >> 6) == w) v |= 1ull << (*m_++ & 63);
      return v;
    }

   private:
    const std::uint64_t* base_ = nullptr;
    const std::uint64_t* dense_ = nullptr;
    const std::uint32_t* m_ = nullptr;
    const std::uint32_t* end_ = nullptr;
  };

  // Building (control plane).
  void reset(std::uint32_t rule_count);
  void any(std::uint32_t rule);  // the rule does not constrain this dimension
  void add(std::uint32_t rule, IndexKey lo, IndexKey hi);
  void build();

  // Lookup (hot path at flow creation): a binary search, no allocation.
  [[nodiscard]] Cursor lookup(IndexKey v) const noexcept;
  [[nodiscard]] std::size_t intervals() const noexcept { return starts_.size(); }
  [[nodiscard]] std::size_t bytes() const noexcept {
    return (base_.size() + dense_.size()) * 8 + starts_.size() * sizeof(IndexKey) + offsets_.size() * 4 +
           members_.size() * 4 + dense_of_.size() * 4;
  }

 private:
  struct Pending {
    std::uint32_t rule;
    IndexKey lo, hi;
  };
  std::vector<Pending> pending_;
  std::vector<std::uint64_t> base_;
  std::vector<IndexKey> starts_;        // elementary interval starts, sorted, starts_[0] == 0
  std::vector<std::uint32_t> offsets_;  // interval i's members: members_[offsets_[i] .. offsets_[i+1])
  std::vector<std::uint32_t> members_;  // rule numbers, sorted within an interval
  std::vector<std::uint32_t> dense_of_;  // per interval: offset into dense_, or kSparse
  std::vector<std::uint64_t> dense_;     // bitsets of the intervals with many members
  std::size_t words_ = 0;
  static constexpr std::uint32_t kSparse = 0xffffffffu;
};

}  // namespace fg::rules

#include "rules/compiled/interval_index.hpp"

#include <algorithm>

namespace fg::rules {

void IntervalIndex::reset(std::uint32_t rule_count) {
  pending_.clear();
  words_ = (rule_count + 63) / 64 + 1;  // +1: never an empty array to point into
  base_.assign(words_, 0);
  dense_.clear();
  dense_of_.clear();
  starts_.clear();
  offsets_.clear();
  members_.clear();
}

void IntervalIndex::any(std::uint32_t rule) { base_[rule >> 6] |= 1ull << (rule & 63); }

void IntervalIndex::add(std::uint32_t rule, IndexKey lo, IndexKey hi) { pending_.push_back({rule, lo, hi}); }

void IntervalIndex::build() {
  const IndexKey kMax = ~IndexKey{0};
  starts_.push_back(0);
  for (const Pending& p : pending_) {
    starts_.push_back(p.lo);
    if (p.hi != kMax) starts_.push_back(p.hi + 1);
  }
  std::sort(starts_.begin(), starts_.end());
  starts_.erase(std::unique(starts_.begin(), starts_.end()), starts_.end());
  std::vector<std::vector<std::uint32_t>> lists(starts_.size());
  for (const Pending& p : pending_) {
    auto first = std::lower_bound(starts_.begin(), starts_.end(), p.lo) - starts_.begin();
    auto last = p.hi == kMax ? static_cast<std::ptrdiff_t>(starts_.size())
                             : std::lower_bound(starts_.begin(), starts_.end(), p.hi + 1) - starts_.begin();
    for (auto k = first; k < last; ++k) lists[static_cast<std::size_t>(k)].push_back(p.rule);
  }
  offsets_.reserve(starts_.size() + 1);
  dense_of_.reserve(starts_.size());
  for (auto& l : lists) {
    std::sort(l.begin(), l.end());
    l.erase(std::unique(l.begin(), l.end()), l.end());
    offsets_.push_back(static_cast<std::uint32_t>(members_.size()));
    if (l.size() > words_) {
      // Walking this list would cost more than reading a bitset: store the bitset.
      dense_of_.push_back(static_cast<std::uint32_t>(dense_.size()));
      dense_.resize(dense_.size() + words_, 0);
      std::uint64_t* bits = dense_.data() + dense_of_.back();
      for (std::uint32_t r : l) bits[r >> 6] |= 1ull << (r & 63);
    } else {
      dense_of_.push_back(kSparse);
      members_.insert(members_.end(), l.begin(), l.end());
    }
  }
  offsets_.push_back(static_cast<std::uint32_t>(members_.size()));
  pending_.clear();
  pending_.shrink_to_fit();
}

IntervalIndex::Cursor IntervalIndex::lookup(IndexKey v) const noexcept {
  const auto it = std::upper_bound(starts_.begin(), starts_.end(), v);
  const std::size_t k = static_cast<std::size_t>(it - starts_.begin()) - 1;  // starts_[0] == 0 <= v
  const std::uint64_t* dense = dense_of_[k] == kSparse ? nullptr : dense_.data() + dense_of_[k];
  return {base_.data(), dense, members_.data() + offsets_[k], members_.data() + offsets_[k + 1]};
}

}  // namespace fg::rules

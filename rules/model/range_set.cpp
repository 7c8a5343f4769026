#include "rules/model/range_set.hpp"

#include <algorithm>

namespace fg::rules {

void RangeSet::add(std::uint32_t lo, std::uint32_t hi) {
  auto it = std::lower_bound(items_.begin(), items_.end(), lo,
                             [](const Interval& i, std::uint32_t v) { return i.hi < v && i.hi + 1 < v; });
  // `it` is the first interval that overlaps or touches [lo, hi] or lies after it.
  Interval merged{lo, hi};
  auto end = it;
  while (end != items_.end() && (merged.hi == UINT32_MAX || end->lo <= merged.hi + 1)) {
    merged.lo = std::min(merged.lo, end->lo);
    merged.hi = std::max(merged.hi, end->hi);
    ++end;
  }
  it = items_.erase(it, end);
  items_.insert(it, merged);
}

bool RangeSet::contains(std::uint32_t v) const noexcept {
  return contains_all(v, v);
}

bool RangeSet::contains_all(std::uint32_t lo, std::uint32_t hi) const noexcept {
  // Sets are short (a handful of ranges): a linear walk beats a binary search here.
  for (const Interval& i : items_) {
    if (lo < i.lo) return false;
    if (lo <= i.hi) return hi <= i.hi;
  }
  return false;
}

bool RangeSet::covers(const RangeSet& other) const noexcept {
  for (const Interval& i : other.items_)
    if (!contains_all(i.lo, i.hi)) return false;
  return true;
}

}  // namespace fg::rules

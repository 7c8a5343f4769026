// A set of whole numbers written as ranges ("0-999", [1, 2], "10-20"): sorted, disjoint, merged.
// Every numeric rule condition (function codes, unit ids, addresses, values, ports) is one.
#pragma once

#include <cstdint>
#include <vector>

namespace fg::rules {

struct Interval {
  std::uint32_t lo = 0;
  std::uint32_t hi = 0;
  friend bool operator==(const Interval&, const Interval&) = default;
};

class RangeSet {
 public:
  // Adds [lo, hi]; the caller has checked lo <= hi. Adjacent and overlapping ranges merge.
  void add(std::uint32_t lo, std::uint32_t hi);
  [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
  [[nodiscard]] const std::vector<Interval>& items() const noexcept { return items_; }
  [[nodiscard]] bool contains(std::uint32_t v) const noexcept;
  // True when every number of [lo, hi] is in the set (a span of addresses a PDU touches).
  [[nodiscard]] bool contains_all(std::uint32_t lo, std::uint32_t hi) const noexcept;
  // True when every number of `other` is in this set.
  [[nodiscard]] bool covers(const RangeSet& other) const noexcept;
  friend bool operator==(const RangeSet&, const RangeSet&) = default;

 private:
  std::vector<Interval> items_;
};

// A condition on one field: unset means "any value".
struct FieldCondition {
  bool set = false;
  RangeSet values;
  [[nodiscard]] bool holds(std::uint32_t v) const noexcept { return !set || values.contains(v); }
  // Whether this condition accepts everything `narrower` accepts (used to find shadowed rules).
  [[nodiscard]] bool covers(const FieldCondition& narrower) const noexcept {
    return !set || (narrower.set && values.covers(narrower.values));
  }
};

}  // namespace fg::rules

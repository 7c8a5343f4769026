#include "rules/anomaly/baseline_model.hpp"

#include <algorithm>

#include "rules/anomaly/anomaly_events.hpp"

namespace fg::anomaly {

PairKey pair_of(const Observation& o) noexcept {
  return {o.client, o.server, o.server_port, o.proto};
}

void RangeSet::add(std::uint32_t lo, std::uint32_t hi) {
  if (hi < lo) std::swap(lo, hi);
  // Join every range overlapping or adjacent to [lo, hi].
  auto it = std::lower_bound(r_.begin(), r_.end(), lo, [](const auto& r, std::uint32_t v) {
    return r.second < v && v - r.second > 1;
  });
  while (it != r_.end() && (it->first <= hi || it->first - hi == 1)) {
    lo = std::min(lo, it->first);
    hi = std::max(hi, it->second);
    it = r_.erase(it);
  }
  r_.insert(it, {lo, hi});
  if (r_.size() <= kMaxRanges) return;
  std::size_t best = 0;
  std::uint32_t gap = 0xffffffffu;
  for (std::size_t i = 0; i + 1 < r_.size(); ++i) {
    const std::uint32_t g = r_[i + 1].first - r_[i].second;
    if (g < gap) { gap = g; best = i; }
  }
  r_[best].second = r_[best + 1].second;
  r_.erase(r_.begin() + static_cast<std::ptrdiff_t>(best) + 1);
}

bool RangeSet::covers(std::uint32_t lo, std::uint32_t hi) const noexcept {
  auto it = std::upper_bound(r_.begin(), r_.end(), lo, [](std::uint32_t v, const auto& r) { return v < r.first; });
  if (it == r_.begin()) return false;
  --it;
  return it->first <= lo && hi <= it->second;
}

bool BaselineModel::learn(const Observation& o) {
  if (!o.request) return true;
  const PairKey key = pair_of(o);
  auto it = pairs_.find(key);
  if (it == pairs_.end()) {
    if (pairs_.size() >= kMaxPairs) return false;
    it = pairs_.emplace(key, PairProfile{}).first;
    it->second.first_ns = o.ts_ns;
    it->second.rate_start_ns = o.ts_ns;
  }
  PairProfile& p = it->second;
  ++p.requests;
  p.last_ns = std::max(p.last_ns, o.ts_ns);
  p.ip_proto = o.ip_proto;
  if (o.has_unit) p.units.insert(o.unit);
  for (int i = 0; i < o.tag_count; ++i) p.tags.insert(o.tags[i]);
  if (o.has_function) {
    FunctionProfile& f = p.functions[o.function];
    ++f.count;
    for (int i = 0; i < o.span_count; ++i) f.addresses.add(o.spans[i].lo, o.spans[i].hi);
    if (o.has_values) {
      f.has_values = true;
      f.value_min = std::min(f.value_min, o.value_min);
      f.value_max = std::max(f.value_max, o.value_max);
    }
  }
  if (o.ts_ns >= p.rate_start_ns + 1'000'000'000ull) {
    p.rate_start_ns = o.ts_ns;
    p.rate_count = 0;
  }
  p.max_rate = std::max(p.max_rate, ++p.rate_count);
  return true;
}

void BaselineModel::check(const Observation& o, std::vector<Violation>& out) const {
  if (!o.request) return;
  const auto it = pairs_.find(pair_of(o));
  if (it == pairs_.end()) {
    out.push_back({&events::kNewPair, static_cast<std::int64_t>(o.proto), o.server_port});
    return;
  }
  const PairProfile& p = it->second;
  if (o.has_unit && !p.units.count(o.unit))
    out.push_back({&events::kNewUnit, o.unit, static_cast<std::int64_t>(p.units.size())});
  for (int i = 0; i < o.tag_count; ++i) {
    if (p.tags.count(o.tags[i])) continue;
    if (o.proto == proto::Protocol::S7comm) out.push_back({&events::kNewArea, o.tags[i] >> 16, o.tags[i] & 0xffff});
    else out.push_back({&events::kNewObject, o.tags[i] >> 8, o.tags[i] & 0xff});
    break;
  }
  if (!o.has_function) return;
  const auto f = p.functions.find(o.function);
  if (f == p.functions.end()) {
    out.push_back({&events::kNewFunction, o.function, static_cast<std::int64_t>(p.functions.size())});
    return;
  }
  for (int i = 0; i < o.span_count; ++i) {
    if (f->second.addresses.covers(o.spans[i].lo, o.spans[i].hi)) continue;
    out.push_back({&events::kAddressOutsideBaseline, o.spans[i].lo, o.spans[i].hi});
    break;
  }
  if (o.has_values && f->second.has_values) {
    const auto [lo, hi] = f->second.allowed_values();
    if (o.value_min < lo) out.push_back({&events::kValueOutsideBaseline, o.value_min, lo});
    else if (o.value_max > hi) out.push_back({&events::kValueOutsideBaseline, o.value_max, hi});
  }
}

std::uint64_t BaselineModel::requests() const noexcept {
  std::uint64_t n = 0;
  for (const auto& [k, p] : pairs_) n += p.requests;
  return n;
}

const PairProfile* BaselineModel::find(const PairKey& k) const {
  const auto it = pairs_.find(k);
  return it == pairs_.end() ? nullptr : &it->second;
}

}  // namespace fg::anomaly

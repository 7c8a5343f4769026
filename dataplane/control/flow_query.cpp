#include "dataplane/control/flow_query.hpp"

#include <algorithm>

namespace fg::dp {

namespace {

std::uint64_t metric(const FlowInfo& f, FlowOrder o) noexcept {
  return o == FlowOrder::Packets ? std::uint64_t{f.pkts[0]} + f.pkts[1] : f.bytes[0] + f.bytes[1];
}

std::uint64_t metric(const Flow& f, FlowOrder o) noexcept {
  return o == FlowOrder::Packets ? std::uint64_t{f.pkts[0]} + f.pkts[1] : f.bytes[0] + f.bytes[1];
}

FlowInfo info_of(const Flow& f) noexcept {
  FlowInfo i;
  i.key = f.key;
  i.first_seen_ns = f.first_seen_ns;
  i.last_seen_ns = f.last_seen_ns;
  i.bytes[0] = f.bytes[0];
  i.bytes[1] = f.bytes[1];
  i.pkts[0] = f.pkts[0];
  i.pkts[1] = f.pkts[1];
  i.rule = f.rule;
  i.tcp = f.tcp;
  i.client_is_lo = f.client_is_lo;
  i.app_proto = f.app_proto;
  i.action = f.action;
  i.blocked = f.verdict == FlowVerdict::Block;
  return i;
}

}  // namespace

bool flow_matches(const Flow& f, const FlowFilter& filter) noexcept {
  if (filter.ip_proto != 0 && f.key.proto != filter.ip_proto) return false;
  if (filter.app_proto != 0 && f.app_proto != filter.app_proto) return false;
  if (filter.port != 0 && f.key.port_lo != filter.port && f.key.port_hi != filter.port) return false;
  if (filter.has_addr && !(f.key.addr_lo == filter.addr) && !(f.key.addr_hi == filter.addr)) return false;
  return true;
}

void FlowScan::start(const FlowFilter& filter, FlowOrder order, FlowInfo* out, std::uint32_t cap) noexcept {
  filter_ = filter;
  order_ = order;
  out_ = out;
  cap_ = cap;
  n_ = 0;
  matched_ = 0;
  next_slot_ = 0;
}

void FlowScan::visit(const Flow& f) noexcept {
  if (!flow_matches(f, filter_)) return;
  ++matched_;
  if (cap_ == 0) return;
  if (order_ == FlowOrder::Table) {
    if (n_ < cap_) out_[n_++] = info_of(f);
    return;
  }
  // For a top-N, `out_` is a min-heap on the metric: the smallest of the N kept is at the
  // front and is replaced by any larger flow found later.
  const FlowOrder o = order_;
  auto greater = [o](const FlowInfo& a, const FlowInfo& b) { return metric(a, o) > metric(b, o); };
  if (n_ < cap_) {
    out_[n_++] = info_of(f);
    std::push_heap(out_, out_ + n_, greater);
    return;
  }
  if (metric(f, o) <= metric(out_[0], o)) return;
  std::pop_heap(out_, out_ + n_, greater);
  out_[n_ - 1] = info_of(f);
  std::push_heap(out_, out_ + n_, greater);
}

bool FlowScan::step(const FlowTable& table, std::uint32_t slots) noexcept {
  next_slot_ = table.for_each_in_slots(next_slot_, slots, [this](const Flow& f) { visit(f); });
  return next_slot_ == 0;
}

std::uint32_t query_flows(const FlowTable& table, const FlowFilter& filter, FlowOrder order, FlowInfo* out,
                          std::uint32_t cap, std::uint64_t& matched) noexcept {
  FlowScan scan;
  scan.start(filter, order, out, cap);
  while (!scan.step(table, 1u << 16)) {
  }
  matched = scan.matched();
  return scan.count();
}

}  // namespace fg::dp

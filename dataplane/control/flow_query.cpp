#include "dataplane/control/flow_query.hpp"

#include <algorithm>

namespace fg::dp {

namespace {

std::uint64_t metric(const FlowInfo& f, FlowOrder o) noexcept {
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

std::uint32_t query_flows(const FlowTable& table, const FlowFilter& filter, FlowOrder order, FlowInfo* out,
                          std::uint32_t cap, std::uint64_t& matched) noexcept {
  matched = 0;
  std::uint32_t n = 0;
  if (cap == 0) return 0;
  // For a top-N, `out` is a min-heap on the metric: the smallest of the N kept is at the
  // front and is replaced by any larger flow found later.
  auto greater = [order](const FlowInfo& a, const FlowInfo& b) { return metric(a, order) > metric(b, order); };
  table.for_each([&](const Flow& f) {
    if (!flow_matches(f, filter)) return;
    ++matched;
    if (order == FlowOrder::Table) {
      if (n < cap) out[n++] = info_of(f);
      return;
    }
    if (n < cap) {
      out[n++] = info_of(f);
      std::push_heap(out, out + n, greater);
      return;
    }
    const std::uint64_t m = order == FlowOrder::Packets ? std::uint64_t{f.pkts[0]} + f.pkts[1] : f.bytes[0] + f.bytes[1];
    if (m <= metric(out[0], order)) return;
    std::pop_heap(out, out + n, greater);
    out[n - 1] = info_of(f);
    std::push_heap(out, out + n, greater);
  });
  return n;
}

}  // namespace fg::dp

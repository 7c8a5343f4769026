#include "rules/anomaly/dataplane_guard.hpp"

#include <algorithm>
#include <functional>

#include "rules/anomaly/anomaly_events.hpp"
#include "rules/anomaly/event_catalog.hpp"

namespace fg::anomaly {

namespace {

constexpr std::uint64_t kRateWindowNs = 1'000'000'000ull;

std::uint32_t slot_of(const dp::IpAddr& a) noexcept {
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  for (std::uint8_t b : a.bytes) h = (h ^ b) * 0x100000001b3ull;
  return static_cast<std::uint32_t>(h ^ (h >> 29)) % DataplaneGuard::kSlots;
}

RateLimits limits(const RateSettings& r, std::uint32_t fixed, std::uint32_t floor) {
  RateLimits l;
  l.fixed = fixed;
  l.floor = floor;
  l.k_sigma = r.k_sigma;
  l.alpha = r.ewma_alpha;
  l.warmup = r.warmup_windows;
  return l;
}

}  // namespace

GuardConfig make_guard_config(const AnomalySettings& s) {
  GuardConfig g;
  for (const CatalogEntry& e : event_catalog()) {
    if (!e.conformance || g.conformance_count == GuardConfig::kMaxKinds) continue;
    dp::Action a = s.conformance.default_action;
    for (const auto& [name, act] : s.conformance.overrides)
      if (name == e.kind->name) a = act;
    g.conformance[g.conformance_count++] = {e.kind, a};
  }
  std::sort(g.conformance.begin(), g.conformance.begin() + g.conformance_count,
            [](const auto& x, const auto& y) { return std::less<const void*>()(x.kind, y.kind); });
  g.rates = s.rates.enabled;
  g.syn = limits(s.rates, s.rates.syn_per_s, s.rates.syn_floor);
  g.connections = limits(s.rates, s.rates.connections_per_s, s.rates.connection_floor);
  g.rate_action = s.rates.action;
  return g;
}

void DataplaneGuard::adopt(const GuardConfig& next) noexcept {
  cfg_.conformance = next.conformance;
  cfg_.conformance_count = next.conformance_count;
  cfg_.rates = next.rates;
  cfg_.syn = next.syn;
  cfg_.connections = next.connections;
  cfg_.rate_action = next.rate_action;
  cfg_.version = next.version;
}

dp::Action DataplaneGuard::action_for(const proto::AnomalyKind* k, bool& known) const noexcept {
  const auto* begin = cfg_.conformance.data();
  const auto* end = begin + cfg_.conformance_count;
  const auto* it = std::lower_bound(begin, end, k, [](const GuardConfig::KindAction& x, const proto::AnomalyKind* key) {
    return std::less<const void*>()(x.kind, key);
  });
  known = it != end && it->kind == k;
  return known ? it->action : dp::Action::Allow;
}

void DataplaneGuard::event(const dp::EventEntry& e) noexcept {
  bool known = false;
  const dp::Action a = e.kind == dp::EventKind::Anomaly ? action_for(e.anomaly.kind, known) : dp::Action::Allow;
  if (!known) {
    next_.event(e);
    return;
  }
  if (a == dp::Action::Allow) {
    ++stats_.conformance_silenced;
    return;
  }
  ++stats_.conformance_events;
  pending_ = std::max(pending_, a);
  dp::EventEntry out = e;
  out.action = std::max(e.action, a);
  next_.event(out);
}

void DataplaneGuard::audit(const dp::AuditEntry& e) noexcept {
  if (verdict_with_pending(e.verdict) == e.verdict) {
    next_.audit(e);
    return;
  }
  dp::AuditEntry out = e;
  out.verdict = verdict_with_pending(e.verdict);
  next_.audit(out);
}

bool DataplaneGuard::hit(std::array<Slot, kSlots>& table, const dp::IpAddr& addr, std::uint64_t now_ns,
                         const RateLimits& l, std::uint32_t& count, std::uint32_t& limit, bool& first) noexcept {
  Slot& s = table[slot_of(addr)];
  if (!s.used || !(s.addr == addr)) {
    // Direct-mapped: a colliding address takes the slot over and starts learning afresh.
    s = Slot{};
    s.used = true;
    s.addr = addr;
    s.w.start_ns = now_ns;
  }
  s.w.roll(now_ns, kRateWindowNs, l);
  count = ++s.w.count;
  limit = s.w.threshold(l);
  if (count <= limit) return false;
  first = !s.w.alerted;
  s.w.alerted = true;
  return true;
}

void DataplaneGuard::raise(const dp::Packet& p, const proto::AnomalyKind& k, std::uint32_t count,
                           std::uint32_t limit) noexcept {
  dp::EventEntry e;
  const dp::PacketMeta& m = p.meta;
  e.ctx.frame = p.frame;
  e.ctx.ts_ns = p.ts_ns;
  e.ctx.src = m.src;
  e.ctx.dst = m.dst;
  e.ctx.sport = m.sport;
  e.ctx.dport = m.dport;
  e.ctx.vlan = m.vlan_outer;
  e.ctx.ip_proto = m.ip_proto;
  e.ctx.port = static_cast<std::uint8_t>(p.in_port);
  e.kind = dp::EventKind::Anomaly;
  e.action = cfg_.rate_action;
  e.anomaly = {&k, count, limit};
  next_.event(e);
}

void DataplaneGuard::apply_after_packet(dp::Packet& p, dp::Flow& f, int d, bool created, std::uint64_t now_ns) noexcept {
  dp::Action act = pending_;
  const bool conformance = pending_ >= dp::Action::Drop;
  pending_ = dp::Action::Allow;
  if (quarantine_ != nullptr && d == 0 && !quarantine_->pairs.empty() &&
      quarantine_->contains(p.meta.src, p.meta.dst, p.meta.dport)) {
    ++stats_.quarantine_dropped;
    act = std::max(act, quarantine_->action);
  }
  if (cfg_.rates && d == 0) {
    const dp::PacketMeta& m = p.meta;
    std::uint32_t count = 0, limit = 0;
    bool first = false;
    const bool syn = m.l4 == dp::L4::Tcp && (m.tcp_flags & dp::kTcpSyn) && !(m.tcp_flags & dp::kTcpAck);
    if (syn && hit(syn_, m.dst, now_ns, cfg_.syn, count, limit, first)) {
      if (first) {
        ++stats_.syn_floods;
        raise(p, events::kSynFlood, count, limit);
      }
      act = std::max(act, cfg_.rate_action);
    }
    first = false;
    if (created && hit(connections_, m.src, now_ns, cfg_.connections, count, limit, first)) {
      if (first) {
        ++stats_.connection_floods;
        raise(p, events::kConnectionFlood, count, limit);
      }
      act = std::max(act, cfg_.rate_action);
    }
    if (act >= dp::Action::Drop && !conformance) ++stats_.rate_dropped;
  }
  if (act <= p.verdict || act < dp::Action::Drop) return;
  if (conformance) ++stats_.conformance_enforced;
  p.verdict = act;
  p.reason = dp::DropReason::Policy;
  p.send_reset = act == dp::Action::Reset && p.meta.l4 == dp::L4::Tcp;
  if (act == dp::Action::Reset || act == dp::Action::Block) f.verdict = dp::FlowVerdict::Block;
}

}  // namespace fg::anomaly

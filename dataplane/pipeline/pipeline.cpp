#include "dataplane/pipeline/pipeline.hpp"

#include "dataplane/decode/decode.hpp"
#include "dataplane/pipeline/pipeline_events.hpp"
#include "dataplane/tcp/tcp_tracker.hpp"

namespace fg::dp {

Pipeline::Pipeline(const PipelineConfig& cfg, RecordOutput& out)
    : cfg_(cfg),
      out_(out),
      flows_(cfg.max_flows, cfg.timeouts, this),
      buffers_(cfg.stream_buffers),
      guard_(cfg.anomaly, out),
      app_(cfg.app, guard_),
      reasm_(buffers_, app_, cfg.holes) {}

void Pipeline::release(Flow& f) noexcept {
  reasm_.release(f);
  app_.release(f);
}

void Pipeline::process(Packet* const* pkts, std::uint16_t n, std::uint64_t now_ns) noexcept {
  ++stats_.bursts;
  const rules::Acl* acl = acl_.load(std::memory_order_acquire);  // acquire: see the whole ACL
  // Three passes so memory latency overlaps work: decode (after prefetching every frame), then
  // key, hash and a prefetch of each flow's table slot, then the per-packet work, which
  // prefetches the next packet's flow entry.
  for (std::uint16_t i = 0; i < n; ++i) __builtin_prefetch(pkts[i]->data);
  for (std::uint16_t i = 0; i < n; ++i) decode(pkts[i]->data, pkts[i]->len, pkts[i]->link, pkts[i]->meta);
  for (std::uint16_t i = 0; i < n; ++i) {
    const PacketMeta& m = pkts[i]->meta;
    has_key_[i] = m.error == DecodeError::None && (m.l3 == L3::Ipv4 || m.l3 == L3::Ipv6);
    if (!has_key_[i]) continue;
    hashes_[i] = make_flow_key(m, keys_[i], from_lo_[i]);
    flows_.prefetch_slot(hashes_[i]);
  }
  for (std::uint16_t i = 0; i < n; ++i) {
    if (i + 1 < n && has_key_[i + 1]) flows_.prefetch_flow(hashes_[i + 1]);
    process_one(*pkts[i], i, acl, now_ns);
  }
}

void Pipeline::apply(Packet& p, Action a) noexcept {
  p.verdict = a;
  switch (a) {
    case Action::Allow:
    case Action::Alert: p.reason = DropReason::None; break;
    case Action::Reset: p.send_reset = p.meta.l4 == L4::Tcp; [[fallthrough]];
    case Action::Drop:
    case Action::Block: p.reason = DropReason::Policy; break;
  }
}

void Pipeline::process_one(Packet& p, std::uint16_t i, const rules::Acl* acl, std::uint64_t now_ns) noexcept {
  ++stats_.rx_packets;
  stats_.rx_bytes += p.len;
  p.verdict = Action::Allow;
  p.reason = DropReason::None;
  p.send_reset = false;
  const PacketMeta& m = p.meta;

  if (m.error != DecodeError::None) {
    ++stats_.decode_errors[static_cast<int>(m.error)];
    app_.begin_packet(p, cfg_.malformed, 0);
    app_.raise({pipeline_events::decode_error_kind(m.error), p.len, 0});
    apply(p, cfg_.malformed);
    if (!p.forwarded()) p.reason = DropReason::Malformed;
  } else if (m.l3 == L3::Ipv4 || m.l3 == L3::Ipv6) {
    ++(m.l3 == L3::Ipv4 ? stats_.ipv4 : stats_.ipv6);
    process_ip(p, i, acl, now_ns);
  } else if (m.l3 == L3::Arp) {
    ++stats_.arp;
    apply(p, cfg_.arp);
    if (!p.forwarded()) p.reason = DropReason::NonIp;
  } else {
    ++stats_.other_l2;
    apply(p, cfg_.non_ip);
    if (!p.forwarded()) p.reason = DropReason::NonIp;
  }

  if (p.forwarded()) {
    ++stats_.forwarded;
    stats_.forwarded_bytes += p.len;
  } else {
    ++stats_.dropped[static_cast<int>(p.reason)];
  }
}

Flow* Pipeline::flow_for(Packet& p, std::uint16_t i, const rules::Acl* acl, std::uint64_t now_ns,
                         bool& created) noexcept {
  const PacketMeta& m = p.meta;
  const FlowKey& key = keys_[i];
  const std::uint64_t hash = hashes_[i];
  const bool from_lo = from_lo_[i];
  Flow* f = flows_.find(key, hash);
  if (f != nullptr) return f;

  const bool tcp = m.l4 == L4::Tcp;
  f = flows_.insert(key, hash, now_ns, tcp ? FlowClass::Embryonic : FlowClass::Datagram);
  if (f == nullptr) return nullptr;
  created = true;
  if (tcp) {
    tcp_open(*f, m, from_lo);
  } else {
    // First sender of a datagram flow is the client, unless it sends from the lower port
    // (a server's reply seen first, or an unsolicited report).
    f->client_is_lo = m.sport >= m.dport ? from_lo : !from_lo;
  }
  // The ACL judges the flow once, as the client sent it.
  if (acl != nullptr) {
    PacketMeta as_client = m;
    if (from_lo != f->client_is_lo) {
      std::swap(as_client.src, as_client.dst);
      std::swap(as_client.sport, as_client.dport);
    }
    const rules::Acl::Match match = acl->match(as_client);
    f->action = static_cast<std::uint8_t>(match.action);
    f->rule = match.rule;
  } else {
    f->action = static_cast<std::uint8_t>(Action::Allow);
  }
  return f;
}

void Pipeline::process_ip(Packet& p, std::uint16_t i, const rules::Acl* acl, std::uint64_t now_ns) noexcept {
  const PacketMeta& m = p.meta;
  if (m.flags & kMetaFragment) ++stats_.fragments;
  switch (m.l4) {
    case L4::Tcp: ++stats_.tcp; break;
    case L4::Udp: ++stats_.udp; break;
    case L4::Icmp:
    case L4::Icmpv6: ++stats_.icmp; break;
    default: break;
  }

  const bool from_lo = from_lo_[i];
  bool created = false;
  Flow* f = flow_for(p, i, acl, now_ns, created);
  if (f == nullptr) {
    ++stats_.untracked;
    app_.begin_packet(p, cfg_.table_full, 0);
    app_.raise({&pipeline_events::kFlowTableFull, flows_.size(), static_cast<int>(cfg_.table_full)});
    apply(p, cfg_.table_full);
    if (!p.forwarded()) p.reason = DropReason::TableFull;
    return;
  }

  const int d = from_lo == f->client_is_lo ? 0 : 1;
  ++f->pkts[d];
  f->bytes[d] += p.len;
  if (f->verdict == FlowVerdict::Block) {
    p.verdict = Action::Block;
    p.reason = DropReason::Blocked;
    flows_.touch(*f, now_ns, f->cls);
    return;
  }

  const auto action = static_cast<Action>(f->action);
  app_.begin_packet(p, action, f->rule);
  // A rule that does more than allow says so once per flow, when it first decides.
  if (created && action != Action::Allow)
    app_.raise({&pipeline_events::kAclMatch, f->rule, 0}, proto::Protocol::None, EventKind::Alert);
  apply(p, action);
  if (action == Action::Reset || action == Action::Block) f->verdict = FlowVerdict::Block;

  // Fragments after the first carry no ports: they ride on their flow's verdict above
  // but are not inspected (reassembly of IP fragments is not done).
  const bool has_l4 = !(m.flags & kMetaFragment) || (m.flags & kMetaFirstFragment);
  FlowClass cls = f->cls;
  if (m.l4 == L4::Tcp && has_l4) {
    TcpTrackResult t = tcp_track(*f, d, m);
    if (t.restart) {
      // A SYN on a finished connection: the 5-tuple is reused, start afresh.
      release(*f);
      for (TcpDir& s : f->dir) s = TcpDir{};
      tcp_open(*f, m, from_lo);
      t = tcp_track(*f, from_lo == f->client_is_lo ? 0 : 1, m);
    }
    if (t.anomaly.kind != nullptr) app_.raise(t.anomaly);
    const bool inspect = cfg_.inspect && t.reassemble && p.forwarded() &&
                         static_cast<AppStatus>(f->app_status) <= AppStatus::Bound;
    if (inspect && (m.tcp_flags & kTcpAck) && !(m.tcp_flags & kTcpRst))
      reasm_.acknowledged(*f, 1 - d, m.tcp_ack);
    if (inspect && (m.payload_len > 0 || (m.tcp_flags & kTcpFin))) {
      reasm_.segment(*f, d, m.tcp_seq, proto::Bytes(p.data + m.payload_offset, m.payload_len),
                     (m.tcp_flags & kTcpFin) != 0);
    } else if (t.reassemble && m.payload_len > 0) {
      // Not inspected, but keep the sequence moving so inspection could resume correctly.
      const std::uint32_t end = m.tcp_seq + m.payload_len;
      if (static_cast<std::int32_t>(end - f->dir[d].next_seq) > 0) f->dir[d].next_seq = end;
    }
    cls = tcp_flow_class(f->tcp);
  } else if (m.l4 == L4::Udp && has_l4 && cfg_.inspect && p.forwarded() && m.payload_len > 0) {
    app_.on_datagram(*f, d, proto::Bytes(p.data + m.payload_offset, m.payload_len));
  }
  guard_.after_packet(p, *f, d, created, now_ns);
  flows_.touch(*f, now_ns, cls);
}

}  // namespace fg::dp

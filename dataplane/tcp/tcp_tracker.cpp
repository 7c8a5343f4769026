#include "dataplane/tcp/tcp_tracker.hpp"

#include "dataplane/flow/server_port.hpp"
#include "dataplane/tcp/tcp_events.hpp"

namespace fg::dp {

namespace {

constexpr std::int32_t seq_diff(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b);  // serial arithmetic (RFC 1982): survives wrap
}

// Window the receiver `r` advertised, scaled when both SYNs negotiated scaling (RFC 7323).
std::uint32_t receiver_window(const Flow& f, int r) noexcept {
  const TcpDir& rd = f.dir[r];
  return rd.window;
}

void learn_window(Flow& f, int d, const PacketMeta& m) noexcept {
  TcpDir& s = f.dir[d];
  const bool scaled = f.dir[0].wscale != 0xff && f.dir[1].wscale != 0xff && !(m.tcp_flags & kTcpSyn);
  const std::uint8_t shift = scaled ? (s.wscale > 14 ? 14 : s.wscale) : 0;
  s.window = std::uint32_t{m.tcp_window} << shift;
}

}  // namespace

void tcp_open(Flow& f, const PacketMeta& m, bool from_lo) noexcept {
  const bool syn_only = (m.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn;
  const bool synack = (m.tcp_flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck);
  if (syn_only) {
    f.client_is_lo = from_lo;
  } else if (synack) {
    f.client_is_lo = !from_lo;  // we missed the SYN: the sender of a SYN-ACK is the server
  } else {
    // Joined mid-stream: guess the server from the ports (sender_is_server says how).
    const bool src_is_server = sender_is_server(m.sport, m.dport);
    f.client_is_lo = src_is_server ? !from_lo : from_lo;
  }
  f.tcp = (syn_only || synack) ? TcpState::SynSent : TcpState::Established;
  f.dir[0].wscale = f.dir[1].wscale = 0xff;
}

TcpTrackResult tcp_track(Flow& f, int d, const PacketMeta& m) noexcept {
  TcpTrackResult r;
  TcpDir& s = f.dir[d];
  const std::uint8_t fl = m.tcp_flags;

  if (fl & kTcpSyn) {
    if (f.tcp == TcpState::Closed || (f.tcp == TcpState::Closing && !(fl & kTcpAck))) {
      r.restart = true;  // port reuse: a new connection on an old 5-tuple
      return r;
    }
    s.isn = m.tcp_seq;
    s.next_seq = m.tcp_seq + 1;
    s.seq_known = true;
    s.wscale = m.tcp_wscale;
    if (fl & kTcpAck) {
      if (f.dir[1 - d].seq_known && m.tcp_ack != f.dir[1 - d].next_seq)
        r.anomaly = {&tcp_events::kBadSynAck, m.tcp_ack, f.dir[1 - d].next_seq};
      if (f.tcp == TcpState::SynSent) f.tcp = TcpState::SynReceived;
    }
    learn_window(f, d, m);
    if (m.payload_len > 0 && r.anomaly.kind == nullptr)
      r.anomaly = {&tcp_events::kDataBeforeHandshake, m.payload_len, 0};
    r.reassemble = false;  // data on SYN is rare and never industrial; do not feed parsers
    return r;
  }

  if (!s.seq_known) {
    // First segment seen from this side (mid-stream pickup or missed SYN): start here.
    s.next_seq = m.tcp_seq;
    s.isn = m.tcp_seq - 1;
    s.seq_known = true;
  }
  learn_window(f, d, m);

  if (fl & kTcpRst) {
    const std::int32_t rel = seq_diff(m.tcp_seq, s.next_seq);
    const std::uint32_t win = receiver_window(f, 1 - d);
    const bool window_known = f.dir[1 - d].seq_known && win != 0;
    if (window_known && (rel < -1 || rel > static_cast<std::int64_t>(win))) {
      r.anomaly = {&tcp_events::kRstOutOfWindow, rel, win};
      r.reassemble = false;
      return r;
    }
    f.tcp = TcpState::Closed;
    r.reassemble = false;
    return r;
  }

  if ((f.tcp == TcpState::SynSent || f.tcp == TcpState::SynReceived) && (fl & kTcpAck) && d == 0 &&
      f.tcp == TcpState::SynReceived)
    f.tcp = TcpState::Established;
  else if ((f.tcp == TcpState::SynSent || f.tcp == TcpState::SynReceived) && m.payload_len > 0)
    f.tcp = TcpState::Established;  // handshake partly missed but data flows

  if (m.payload_len > 0) {
    const std::int32_t rel = seq_diff(m.tcp_seq, s.next_seq);
    const std::uint32_t win = receiver_window(f, 1 - d);
    // Only judge against a window we actually saw; allow a full 64 KiB when unscaled
    // windows are tiny, as receivers may shrink the window after we saw it.
    const std::uint32_t allowed = win > 65535 ? win : 65535;
    if (rel > 0 && static_cast<std::uint32_t>(rel) > allowed) {
      r.anomaly = {&tcp_events::kOutOfWindow, rel, win};
      r.reassemble = false;
    }
  }

  if (fl & kTcpFin) {
    s.fin_seen = true;
    f.tcp = f.dir[1 - d].fin_seen ? TcpState::Closed : TcpState::Closing;
  }
  return r;
}

}  // namespace fg::dp

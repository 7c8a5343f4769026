#include "dataplane/tcp/tcp_reassembler.hpp"

#include <cstring>

#include "dataplane/tcp/tcp_events.hpp"

namespace fg::dp {

namespace {
constexpr std::int32_t seq_diff(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b);
}
}  // namespace

void TcpReassembler::segment(Flow& f, int d, std::uint32_t seq, proto::Bytes payload, bool fin) noexcept {
  TcpDir& s = f.dir[d];
  if (!payload.empty()) {
    if (s.stream_buf != kNoIndex) {
      buffered_segment(f, d, seq, payload);
    } else {
      std::int32_t rel = seq_diff(seq, s.next_seq);
      if (rel < 0) {
        const std::uint32_t old = static_cast<std::uint32_t>(-rel);
        if (old >= payload.size()) {
          ++stats_.retransmitted;
          payload = {};
        } else {
          ++stats_.overlaps;
          payload = payload.subspan(old);
          seq += old;
          rel = 0;
        }
      }
      if (!payload.empty() && rel == 0) {
        // Fast path: in order with nothing held. Parse straight from the packet and keep
        // only an incomplete PDU's tail.
        ++stats_.in_order;
        const bool gap = s.gap;
        s.gap = false;
        // Set before the consumer runs: it finds where `payload` starts as next_seq - size
        // (as for buffered delivery), to know where each PDU begins.
        s.next_seq = seq + static_cast<std::uint32_t>(payload.size());
        std::uint32_t used = consumer_.on_stream(f, d, payload, gap);
        if (used > payload.size()) used = static_cast<std::uint32_t>(payload.size());
        if (used < payload.size()) {
          start_buffer(f, d, seq + used);
          if (s.stream_buf != kNoIndex) {
            StreamBuffer& b = pool_.at(s.stream_buf);
            const auto rest = payload.subspan(used);
            if (rest.size() <= StreamBuffer::kCapacity) {
              std::memcpy(b.data, rest.data(), rest.size());
              b.mark(0, static_cast<std::uint32_t>(rest.size()));
              b.ready = b.end = static_cast<std::uint32_t>(rest.size());
            } else {
              pool_.release(s.stream_buf);
              s.stream_buf = kNoIndex;
              s.gap = true;
            }
          }
        }
      } else if (!payload.empty()) {
        ++stats_.out_of_order;
        if (holes_ == HolePolicy::Skip) {
          skip_hole(f, d, seq);
          segment(f, d, seq, payload, fin);
          return;
        }
        start_buffer(f, d, s.next_seq);
        if (s.stream_buf != kNoIndex) buffered_segment(f, d, seq, payload);
      }
    }
  }
  if (fin) {
    const std::uint32_t fin_seq = seq + static_cast<std::uint32_t>(payload.size());
    if (s.stream_buf == kNoIndex && fin_seq == s.next_seq) s.next_seq = fin_seq + 1;
  }
}

void TcpReassembler::start_buffer(Flow& f, int d, std::uint32_t base_seq) noexcept {
  TcpDir& s = f.dir[d];
  s.stream_buf = pool_.acquire(base_seq);
  if (s.stream_buf == kNoIndex) {
    ++stats_.pool_exhausted;
    s.gap = true;  // bytes we cannot hold are lost to inspection, not to the wire
    consumer_.on_stream_anomaly(f, d, {&tcp_events::kBufferPoolExhausted, 0, 0});
  }
}

void TcpReassembler::skip_hole(Flow& f, int d, std::uint32_t seq) noexcept {
  TcpDir& s = f.dir[d];
  ++stats_.holes_skipped;
  consumer_.on_stream_anomaly(f, d, {&tcp_events::kDataMissing, seq_diff(seq, s.next_seq), 0});
  if (s.stream_buf != kNoIndex) {
    pool_.release(s.stream_buf);  // a PDU cut by the hole can never complete
    s.stream_buf = kNoIndex;
  }
  s.next_seq = seq;
  s.gap = true;
}

void TcpReassembler::buffered_segment(Flow& f, int d, std::uint32_t seq, proto::Bytes payload) noexcept {
  TcpDir& s = f.dir[d];
  StreamBuffer& b = pool_.at(s.stream_buf);
  ++stats_.buffered;
  std::int64_t off = seq_diff(seq, b.base_seq);
  if (holes_ == HolePolicy::Skip && off > static_cast<std::int64_t>(b.ready)) {
    skip_hole(f, d, seq);
    segment(f, d, seq, payload, false);
    return;
  }
  if (off < static_cast<std::int64_t>(b.ready)) {
    // Starts inside bytes already in order (held for the parser) or already consumed.
    const std::int64_t skip = static_cast<std::int64_t>(b.ready) - off;
    if (skip >= static_cast<std::int64_t>(payload.size())) {
      ++stats_.retransmitted;
      // Compare what overlaps the held bytes: a rewrite after inspection is an attack sign.
      if (off >= 0 && std::memcmp(b.data + off, payload.data(), payload.size()) != 0) {
        ++stats_.overlap_mismatch;
        consumer_.on_stream_anomaly(f, d, {&tcp_events::kOverlapMismatch, off, static_cast<std::int64_t>(payload.size())});
      }
      return;
    }
    ++stats_.overlaps;
    payload = payload.subspan(static_cast<std::size_t>(skip));
    off = b.ready;
  }
  const std::uint64_t stop = static_cast<std::uint64_t>(off) + payload.size();
  if (stop > StreamBuffer::kCapacity) {
    // Out of room. If the in-order part is a PDU that can never fit, or the hole before
    // this segment is too large, skip ahead: inspection resumes at this segment.
    ++stats_.overflows;
    consumer_.on_stream_anomaly(f, d, {&tcp_events::kReassemblyOverflow, b.end, off - b.ready});
    b.reset(b.base_seq + static_cast<std::uint32_t>(off));
    s.gap = true;
    off = 0;
    if (payload.size() > StreamBuffer::kCapacity) payload = payload.first(StreamBuffer::kCapacity);
  }
  const std::uint32_t o = static_cast<std::uint32_t>(off);
  for (std::uint32_t i = 0; i < payload.size(); ++i) {
    if (!b.has(o + i)) b.data[o + i] = payload[i];  // first data wins
  }
  b.mark(o, static_cast<std::uint32_t>(payload.size()));
  if (o + payload.size() > b.end) b.end = o + static_cast<std::uint32_t>(payload.size());
  deliver_buffer(f, d);
}

void TcpReassembler::deliver_buffer(Flow& f, int d) noexcept {
  TcpDir& s = f.dir[d];
  StreamBuffer& b = pool_.at(s.stream_buf);
  const std::uint32_t before = b.ready;
  while (b.ready < b.end && b.has(b.ready)) ++b.ready;
  s.next_seq = b.base_seq + b.ready;
  if (b.ready > before) {
    const bool gap = s.gap;
    s.gap = false;
    std::uint32_t used = consumer_.on_stream(f, d, proto::Bytes(b.data, b.ready), gap);
    if (used > b.ready) used = b.ready;
    b.consume(used);
  }
  if (b.empty()) {
    pool_.release(s.stream_buf);
    s.stream_buf = kNoIndex;
  }
}

void TcpReassembler::acknowledged(Flow& f, int d, std::uint32_t ack) noexcept {
  TcpDir& s = f.dir[d];
  if (!s.seq_known || seq_diff(ack, s.next_seq) <= 0) return;
  ++stats_.holes_skipped;
  if (s.stream_buf == kNoIndex) {
    consumer_.on_stream_anomaly(f, d, {&tcp_events::kDataMissing, seq_diff(ack, s.next_seq), 0});
    s.next_seq = ack;
    s.gap = true;
    return;
  }
  StreamBuffer& b = pool_.at(s.stream_buf);
  // The held in-order bytes end in a hole, so the PDU they start can never complete:
  // drop them and the hole, and go on from the first byte held after it (or from `ack`).
  std::uint32_t resume = b.ready;
  while (resume < b.end && !b.has(resume)) ++resume;
  const std::uint32_t ack_off = static_cast<std::uint32_t>(seq_diff(ack, b.base_seq));
  if (resume >= b.end && ack_off > resume) resume = ack_off;
  consumer_.on_stream_anomaly(f, d, {&tcp_events::kDataMissing, resume - b.ready, b.ready});
  s.gap = true;
  b.consume(resume);
  b.ready = 0;
  s.next_seq = b.base_seq;
  deliver_buffer(f, d);
}

void TcpReassembler::release(Flow& f) noexcept {
  for (TcpDir& s : f.dir) {
    if (s.stream_buf != kNoIndex) {
      pool_.release(s.stream_buf);
      s.stream_buf = kNoIndex;
    }
  }
}

}  // namespace fg::dp

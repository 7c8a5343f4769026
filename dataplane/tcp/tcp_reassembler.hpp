// In-order delivery of each TCP direction's bytes to a consumer, with bounded buffering.
#pragma once

#include <cstdint>

#include "dataplane/flow/flow.hpp"
#include "dataplane/tcp/stream_buffer.hpp"
#include "protocols/common/anomaly.hpp"
#include "protocols/common/bytes.hpp"

namespace fg::dp {

// Receives in-order bytes. Returns how many bytes from the front it consumed; the rest is
// kept and offered again, with more, when the next segment arrives. `gap` is true when
// bytes were lost before `data` (the consumer must resynchronise).
class StreamConsumer {
 public:
  virtual std::uint32_t on_stream(Flow& f, int d, proto::Bytes data, bool gap) noexcept = 0;
  virtual void on_stream_anomaly(Flow& f, int d, const proto::Anomaly& a) noexcept = 0;

 protected:
  ~StreamConsumer() = default;
};

struct ReassemblyStats {
  std::uint64_t in_order = 0;        // segments parsed straight from the packet
  std::uint64_t buffered = 0;        // segments copied into a buffer (partial PDU or out of order)
  std::uint64_t out_of_order = 0;
  std::uint64_t retransmitted = 0;   // wholly old data
  std::uint64_t overlaps = 0;        // partly old data
  std::uint64_t overlap_mismatch = 0;
  std::uint64_t overflows = 0;
  std::uint64_t pool_exhausted = 0;
  std::uint64_t holes_skipped = 0;   // acknowledged bytes we never saw
};

// What to do with data that arrives after a hole in the sequence space.
enum class HolePolicy : std::uint8_t {
  Wait,  // hold it until the hole is filled (inline: every packet passes here, so a hole is
         // reordering or loss the sender will repair; parsing ahead would let a reordering
         // attacker slip bytes past the parsers)
  Skip,  // treat the hole as lost for good and go on (capture files: packets the capture
         // missed never come; this is also how Wireshark reads them)
};

// Overlap policy: first data wins (what the receiver most likely kept, and what an attacker
// cannot rewrite after inspection); a retransmission whose bytes differ raises an anomaly.
class TcpReassembler {
 public:
  TcpReassembler(StreamBufferPool& pool, StreamConsumer& consumer, HolePolicy holes = HolePolicy::Wait)
      : pool_(pool), consumer_(consumer), holes_(holes) {}

  // Feeds one segment's payload (seq = its first byte) from side d; `fin` counts the
  // FIN's sequence number once the stream reaches it.
  void segment(Flow& f, int d, std::uint32_t seq, proto::Bytes payload, bool fin) noexcept;
  // The other side acknowledged side d's bytes up to `ack`. Bytes acknowledged but never
  // seen here (lost before us, e.g. a capture that dropped packets) will not come again:
  // inspection skips the hole instead of waiting for it, and the parser resynchronises.
  void acknowledged(Flow& f, int d, std::uint32_t ack) noexcept;
  // Returns a flow's buffers to the pool (flow closed, expired or restarted).
  void release(Flow& f) noexcept;

  [[nodiscard]] const ReassemblyStats& stats() const noexcept { return stats_; }

 private:
  void buffered_segment(Flow& f, int d, std::uint32_t seq, proto::Bytes payload) noexcept;
  void deliver_buffer(Flow& f, int d) noexcept;
  void start_buffer(Flow& f, int d, std::uint32_t base_seq) noexcept;

  StreamBufferPool& pool_;
  void skip_hole(Flow& f, int d, std::uint32_t seq) noexcept;

  StreamConsumer& consumer_;
  HolePolicy holes_;
  ReassemblyStats stats_{};
};

}  // namespace fg::dp

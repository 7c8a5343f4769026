// `fieldguardctl capture`: while a capture runs, a worker copies the frames its BPF filter
// accepts into a bounded ring that the control thread drains into a pcap file. When the ring
// is full the frame is counted, never waited for.
#pragma once

#include <pcap/pcap.h>

#include <atomic>
#include <cstdint>
#include <cstring>

#include "dataplane/pipeline/packet.hpp"
#include "dataplane/pipeline/spsc_ring.hpp"

namespace fg::dp {

inline constexpr std::uint32_t kCaptureSnap = 2032;

struct CapturedFrame {
  std::uint64_t ts_ns = 0;
  std::uint32_t len = 0;     // on the wire
  std::uint32_t caplen = 0;  // copied (at most kCaptureSnap)
  std::uint8_t data[kCaptureSnap];
};

class CaptureTap {
 public:
  // `filter` (compiled by the control thread for DLT_EN10MB) must outlive the tap.
  CaptureTap(const bpf_program* filter, std::uint32_t slots_pow2) : filter_(filter), ring_(slots_pow2) {}

  // Worker side, once per burst after the verdicts: every frame received, whatever its fate.
  void offer(Packet* const* pkts, std::uint16_t n) noexcept {
    for (std::uint16_t i = 0; i < n; ++i) {
      const Packet& p = *pkts[i];
      pcap_pkthdr h{};
      h.caplen = h.len = p.len;
      if (filter_ != nullptr && pcap_offline_filter(filter_, &h, p.data) == 0) continue;
      // Built in place in the slot would need a ring API for it; frames are rare here (a
      // capture is an operator's diagnostic), so a copy through `scratch_` is fine.
      scratch_.ts_ns = p.ts_ns;
      scratch_.len = p.len;
      scratch_.caplen = p.len < kCaptureSnap ? p.len : kCaptureSnap;
      std::memcpy(scratch_.data, p.data, scratch_.caplen);
      if (!ring_.push(scratch_)) dropped_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a statistic
    }
  }

  // Control side.
  template <class F>
  std::uint32_t drain(F&& f, std::uint32_t max = 0xffffffffu) { return ring_.drain(f, max); }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  const bpf_program* filter_;
  SpscRing<CapturedFrame> ring_;
  CapturedFrame scratch_{};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace fg::dp

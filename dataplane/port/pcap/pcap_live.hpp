// libpcap bridge for hosts without DPDK-capable NICs: live interfaces in south/north pairs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/control/capture_tap.hpp"
#include "dataplane/pipeline/pipeline.hpp"

namespace fg::dp {

struct PcapBridgeStats {
  std::uint64_t injected = 0;
  std::uint64_t inject_failed = 0;
  std::uint64_t resets = 0;
};

// Reads each interface (inbound only, so our own injections are not read back), runs the
// pipeline per burst and injects forwarded frames on the peer interface. A system call per
// packet: the fallback for small sites, not the line-rate path (that is DPDK).
class PcapBridge {
 public:
  PcapBridge();
  ~PcapBridge();
  // Opens every interface; pairs index into `ifaces`. False with `error` set.
  bool open(const std::vector<std::string>& ifaces, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& pairs,
            std::string& error);
  // Waits up to `timeout_ms` for traffic and processes what arrived. Returns packets seen.
  std::uint32_t poll_once(Pipeline& pipeline, int timeout_ms, std::uint64_t now_ns);
  [[nodiscard]] const PcapBridgeStats& stats() const noexcept { return stats_; }
  // Frames go to `tap` too while it is set (same thread: no RCU needed). nullptr = none.
  void set_capture(CaptureTap* tap) noexcept { capture_ = tap; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  PcapBridgeStats stats_{};
  CaptureTap* capture_ = nullptr;
};

}  // namespace fg::dp

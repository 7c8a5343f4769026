// A stage that wraps inspection: it sees a burst before decode (and may take packets out of
// it: answered, dropped, or rewritten) and again after the verdicts (and may rewrite what is
// forwarded). The ESP tunnel is one (dataplane/tunnel). Per burst, no allocation, no throw.
#pragma once

#include <cstdint>

#include "dataplane/pipeline/packet.hpp"

namespace fg::dp {

class PacketStage {
 public:
  virtual ~PacketStage() = default;
  // Copies into `inspect` the packets the pipeline should still decode and judge; returns how
  // many. Packets left out keep the verdict, reason and `reflect` this stage gave them.
  virtual std::uint16_t before(Packet* const* pkts, std::uint16_t n, Packet** inspect, std::uint64_t now_ns) noexcept = 0;
  // Called with the same burst once every packet has its verdict.
  virtual void after(Packet* const* pkts, std::uint16_t n, std::uint64_t now_ns) noexcept = 0;
};

}  // namespace fg::dp

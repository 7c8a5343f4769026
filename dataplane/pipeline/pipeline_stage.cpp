// Pipeline::process with a PacketStage around inspection (dataplane/pipeline/packet_stage.hpp).
#include <utility>

#include "dataplane/pipeline/pipeline.hpp"

namespace fg::dp {

void Pipeline::process_staged(Packet* const* pkts, std::uint16_t n, std::uint64_t now_ns) noexcept {
  PacketStage* stage = stage_;
  Packet* inspect[kMaxBurst];
  const std::uint16_t k = stage->before(pkts, n, inspect, now_ns);
  // The inner run is the plain pipeline: clear the stage for it, restore it after.
  stage_ = nullptr;
  if (k > 0) process(inspect, k, now_ns);
  stage_ = stage;
  stage->after(pkts, n, now_ns);
}

}  // namespace fg::dp

// Live mode RecordOutput: a worker's records go into SPSC rings the control thread drains.
#pragma once

#include <atomic>
#include <cstdint>

#include "dataplane/app/records.hpp"
#include "dataplane/pipeline/spsc_ring.hpp"

namespace fg::dp {

class RingOutput final : public RecordOutput {
 public:
  RingOutput(std::uint32_t audit_capacity, std::uint32_t event_capacity)
      : audit_ring(audit_capacity), event_ring(event_capacity) {}

  void audit(const AuditEntry& e) noexcept override {
    if (!audit_ring.push(e)) lost.fetch_add(1, std::memory_order_relaxed);  // relaxed: a statistic
  }
  AuditEntry* begin_audit() noexcept override {
    AuditEntry* slot = audit_ring.reserve();
    if (slot == nullptr) lost.fetch_add(1, std::memory_order_relaxed);
    return slot;
  }
  void commit_audit() noexcept override { audit_ring.commit(); }
  void event(const EventEntry& e) noexcept override {
    if (!event_ring.push(e)) lost.fetch_add(1, std::memory_order_relaxed);
  }

  SpscRing<AuditEntry> audit_ring;
  SpscRing<EventEntry> event_ring;
  std::atomic<std::uint64_t> lost{0};
};

}  // namespace fg::dp

// Bounded flow table: open addressing on a symmetric key, lazy LRU lists per idle-timeout class.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "dataplane/flow/flow.hpp"

namespace fg::dp {

struct FlowTimeouts {
  std::uint64_t embryonic_ns = 10'000'000'000ull;     // half-open TCP
  std::uint64_t established_ns = 600'000'000'000ull;  // idle established TCP
  std::uint64_t closing_ns = 10'000'000'000ull;       // after FIN/RST
  std::uint64_t datagram_ns = 60'000'000'000ull;      // UDP, ICMP, other IP
};

// Called for every flow leaving the table (expiry or eviction) so its buffers go back.
class FlowReleaser {
 public:
  virtual void release(Flow& f) noexcept = 0;

 protected:
  ~FlowReleaser() = default;
};

struct FlowTableStats {
  std::uint64_t created = 0;
  std::uint64_t expired = 0;
  std::uint64_t evicted = 0;     // pushed out to make room (only embryonic/closing/datagram)
  std::uint64_t table_full = 0;  // new flow refused: every slot held an established flow
};

// All memory is allocated in the constructor; lookups, inserts and removals never allocate.
// Eviction when full takes the longest-queued half-open flow first, then closing, then
// datagram flows, and never an established TCP flow: a SYN flood churns
// only its own half-open entries.
class FlowTable {
 public:
  FlowTable(std::uint32_t capacity, FlowTimeouts timeouts, FlowReleaser* releaser);

  // Cache warming for a burst: the home slot of a hash, then (once that line is in) the
  // flow entry it most likely points to.
  void prefetch_slot(std::uint64_t hash) const noexcept { __builtin_prefetch(&slots_[hash & mask_]); }
  void prefetch_flow(std::uint64_t hash) const noexcept {
    const Slot s = slots_[hash & mask_];
    if (s.index != 0) {
      const char* f = reinterpret_cast<const char*>(&flows_[s.index - 1]);
      __builtin_prefetch(f);
      __builtin_prefetch(f + 64);
    }
  }
  // The flow for `key`, or nullptr. Inline: it runs once per packet and is a few compares.
  Flow* find(const FlowKey& key, std::uint64_t hash) noexcept {
    const std::uint32_t tag = tag_of(hash);
    for (std::uint32_t s = static_cast<std::uint32_t>(hash) & mask_;; s = (s + 1) & mask_) {
      const Slot slot = slots_[s];
      if (slot.index == 0) return nullptr;
      if (slot.tag == tag && flows_[slot.index - 1].key == key) return &flows_[slot.index - 1];
    }
  }
  // Inserts a new flow (caller checked it is absent). nullptr when the table is full and
  // nothing may be evicted.
  Flow* insert(const FlowKey& key, std::uint64_t hash, std::uint64_t now_ns, FlowClass cls) noexcept;
  // Marks activity. Lazy LRU: a busy flow only records the time here (its own cache line).
  // It is moved to the tail of its class list when its class changes, or when expire() finds
  // it at the head still active; so relinking costs at most once per timeout period instead
  // of once per packet.
  void touch(Flow& f, std::uint64_t now_ns, FlowClass cls) noexcept {
    f.last_seen_ns = now_ns;
    if (f.cls != cls) reclass(f, now_ns, cls);
  }
  void remove(Flow& f) noexcept;
  // Looks at up to `budget` flows due for a check and removes those idle past their class
  // timeout; returns how many it removed. Cheap when nothing is due: one look at the head
  // of each list. A flow goes between one and two timeouts after its last packet (lazy LRU).
  std::uint32_t expire(std::uint64_t now_ns, std::uint32_t budget) noexcept;

  [[nodiscard]] std::uint32_t size() const noexcept { return size_; }
  [[nodiscard]] std::uint32_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] const FlowTableStats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::uint32_t index_of(const Flow& f) const noexcept {
    return static_cast<std::uint32_t>(&f - flows_.data());
  }
  [[nodiscard]] Flow& at(std::uint32_t i) noexcept { return flows_[i]; }
  [[nodiscard]] std::uint32_t class_size(FlowClass c) const noexcept {
    return lists_[static_cast<int>(c)].count;
  }
  // Control-plane listings in chunks (a worker between bursts): calls f(const Flow&) for the
  // flows referenced by hash slots [from, from + count) and returns the next slot, or 0 once
  // the last slot was visited. Flows inserted or removed between chunks may be missed or seen
  // twice (a fuzzy snapshot, as conntrack listings are).
  template <class F>
  std::uint32_t for_each_in_slots(std::uint32_t from, std::uint32_t count, F&& f) const {
    const std::uint32_t end = from + count < mask_ + 1 ? from + count : mask_ + 1;
    for (std::uint32_t s = from; s < end; ++s)
      if (slots_[s].index != 0) f(flows_[slots_[s].index - 1]);
    return end == mask_ + 1 ? 0 : end;
  }
  // Visits every live flow (control-plane use: listings); f(const Flow&).
  template <class F>
  void for_each(F&& f) const {
    for (const auto& l : lists_)
      for (std::uint32_t i = l.head; i != kNoIndex; i = flows_[i].lru_next) f(flows_[i]);
  }

 private:
  struct Slot {
    std::uint32_t tag;    // upper hash bits, to skip most key compares
    std::uint32_t index;  // flow index + 1; 0 = empty
  };
  struct List {
    std::uint32_t head = kNoIndex;
    std::uint32_t tail = kNoIndex;
    std::uint32_t count = 0;
  };

  static constexpr std::uint32_t tag_of(std::uint64_t hash) noexcept {
    return static_cast<std::uint32_t>(hash >> 32) | 1u;  // never 0, so a tag alone never looks empty
  }
  void reclass(Flow& f, std::uint64_t now_ns, FlowClass cls) noexcept;
  void list_push_tail(FlowClass c, std::uint32_t i) noexcept;
  void list_unlink(std::uint32_t i) noexcept;
  bool evict_one() noexcept;
  void erase_slot(std::uint32_t slot) noexcept;
  std::uint32_t slot_of(const Flow& f) const noexcept;
  [[nodiscard]] std::uint64_t timeout_of(FlowClass c) const noexcept;

  std::uint32_t capacity_;
  std::uint32_t mask_;
  FlowTimeouts timeouts_;
  FlowReleaser* releaser_;
  std::vector<Flow> flows_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;  // stack of free flow indices
  std::array<List, static_cast<int>(FlowClass::kCount)> lists_{};
  std::uint32_t size_ = 0;
  FlowTableStats stats_{};
};

}  // namespace fg::dp

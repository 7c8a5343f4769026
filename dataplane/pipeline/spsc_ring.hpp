// Single-producer single-consumer ring of fixed-size records: a worker hands events and
// audit records to the control thread without locks or allocation.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>


namespace fg::dp {

template <class T>
class SpscRing {
 public:
  explicit SpscRing(std::uint32_t capacity_pow2)
      : mask_(capacity_pow2 - 1), slots_(std::make_unique<T[]>(capacity_pow2)) {}

  // Producer side. False when full (the caller counts the loss).
  bool push(const T& v) noexcept {
    T* slot = reserve();
    if (slot == nullptr) return false;
    *slot = v;
    commit();
    return true;
  }
  // Producer side, in place: the next free slot to fill (nullptr when full), then commit()
  // publishes it. Nothing is published until commit; reserve again without a commit gives
  // the same slot.
  T* reserve() noexcept {
    const std::uint64_t h = head_.load(std::memory_order_relaxed);  // only we write head
    if (h - tail_cache_ > mask_) {
      // acquire: see the consumer's reads of those slots finished before we overwrite them
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (h - tail_cache_ > mask_) return nullptr;
    }
    return &slots_[h & mask_];
  }
  void commit() noexcept {
    const std::uint64_t h = head_.load(std::memory_order_relaxed);
    head_.store(h + 1, std::memory_order_release);  // release: publish the slot contents
    prefetch_for_write(h + kPrefetchAhead);
  }
  // Producer side: free slots, for callers that must not lose a record (offline replay
  // drains synchronously when this reaches 0).
  [[nodiscard]] std::uint64_t free_slots() noexcept {
    const std::uint64_t h = head_.load(std::memory_order_relaxed);
    tail_cache_ = tail_.load(std::memory_order_acquire);
    return mask_ + 1 - (h - tail_cache_);
  }

  // Consumer side: calls f(const T&) for up to `max` records, returns how many.
  template <class F>
  std::uint32_t drain(F&& f, std::uint32_t max = 0xffffffffu) {
    const std::uint64_t t = tail_.load(std::memory_order_relaxed);  // only we write tail
    const std::uint64_t h = head_.load(std::memory_order_acquire);  // acquire: slot contents
    std::uint32_t n = 0;
    for (std::uint64_t i = t; i != h && n < max; ++i, ++n) f(slots_[i & mask_]);
    tail_.store(t + n, std::memory_order_release);  // release: our reads are done
    return n;
  }

 private:
  // A ring larger than the cache (audit rings are MBs) comes back to each slot long after it
  // left the cache: every store of a push would wait for its line. Asking for the lines of a
  // slot a few pushes ahead (for write: `prefetchw` where the build targets it, a plain
  // prefetch for corei7) takes that wait off the worker's path.
  static constexpr std::uint64_t kPrefetchAhead = 4;
  void prefetch_for_write(std::uint64_t i) const noexcept {
    const char* p = reinterpret_cast<const char*>(&slots_[i & mask_]);
    for (std::size_t o = 0; o < sizeof(T); o += 64) __builtin_prefetch(p + o, 1);
  }

  const std::uint64_t mask_;
  std::unique_ptr<T[]> slots_;
  alignas(64) std::atomic<std::uint64_t> head_{0};
  std::uint64_t tail_cache_ = 0;  // producer's stale copy of tail, saves a shared load per push
  alignas(64) std::atomic<std::uint64_t> tail_{0};
};

}  // namespace fg::dp

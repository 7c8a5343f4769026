// How the control thread gets a worker's flows without a lock on the hot path: it posts a
// request, the worker copies matching flows into a buffer allocated up front when it is
// between bursts, and publishes the answer with a sequence number.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "dataplane/control/flow_query.hpp"

namespace fg::dp {

struct FlowRequest {
  FlowFilter filter;
  FlowOrder order = FlowOrder::Table;
  std::uint32_t max = 100;
};

class FlowMailbox {
 public:
  explicit FlowMailbox(std::uint32_t capacity) : buf_(capacity) {}

  // Control side. False when the previous request is still unanswered (a worker that has
  // not come round yet): the buffer is the worker's until it answers.
  bool post(const FlowRequest& r) noexcept {
    const std::uint64_t seq = requested_.load(std::memory_order_relaxed);
    if (done_.load(std::memory_order_acquire) != seq) return false;
    req_ = r;
    if (req_.max > buf_.size()) req_.max = static_cast<std::uint32_t>(buf_.size());
    requested_.store(seq + 1, std::memory_order_release);  // release: the worker sees req_
    return true;
  }
  // Control side: true once the worker answered the last post(); then results() are stable.
  [[nodiscard]] bool answered() const noexcept {
    return done_.load(std::memory_order_acquire) == requested_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] const FlowInfo* results() const noexcept { return buf_.data(); }
  [[nodiscard]] std::uint32_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t matched() const noexcept { return matched_; }

  // Worker side, between bursts: one load when nothing is asked; otherwise a chunk of
  // kSlotsPerServe hash slots per call, so a large table is listed over several loops and
  // no burst waits for the whole walk.
  void serve(const FlowTable& table) noexcept {
    const std::uint64_t want = requested_.load(std::memory_order_acquire);  // acquire: req_
    if (want == done_.load(std::memory_order_relaxed)) return;
    if (want != scanning_) {
      scan_.start(req_.filter, req_.order, buf_.data(), req_.max);
      scanning_ = want;
    }
    if (!scan_.step(table, kSlotsPerServe)) return;
    count_ = scan_.count();
    matched_ = scan_.matched();
    done_.store(want, std::memory_order_release);  // release: buf_, count_, matched_
  }

  static constexpr std::uint32_t kSlotsPerServe = 2048;  // ~30 us on the 2-core test VM

 private:
  FlowScan scan_;
  std::uint64_t scanning_ = 0;  // the request scan_ works on (worker side only)
  std::vector<FlowInfo> buf_;
  FlowRequest req_{};
  std::uint32_t count_ = 0;
  std::uint64_t matched_ = 0;
  alignas(64) std::atomic<std::uint64_t> requested_{0};
  alignas(64) std::atomic<std::uint64_t> done_{0};
};

}  // namespace fg::dp

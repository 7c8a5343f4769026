// An immutable table that workers read through one pointer load per burst and the control
// plane replaces whole: the old copy is freed once the RCU domain says no worker can still
// hold it. Control-plane methods run on one thread; get() runs anywhere.
#pragma once

#include <atomic>
#include <memory>
#include <utility>
#include <vector>

#include "dataplane/rcu/rcu_domain.hpp"

namespace fg::dp {

template <class T>
class Snapshot {
 public:
  explicit Snapshot(RcuDomain& rcu) : rcu_(rcu), cell_(&current_) {}
  // Publishes into a slot made before this snapshot, e.g. one that configs copied into the
  // workers at start already share (the anomaly guard's settings).
  Snapshot(RcuDomain& rcu, std::shared_ptr<std::atomic<const T*>> shared) : rcu_(rcu), shared_(std::move(shared)), cell_(shared_.get()) {}
  // Workers must be stopped (or offline) before this runs. A shared slot outlives the
  // snapshot: it must not keep pointing at the table freed here.
  ~Snapshot() {
    if (shared_) shared_->store(nullptr, std::memory_order_release);
  }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // Worker side: the table in force (nullptr before the first publish). Acquire: the
  // whole table written before publish is visible.
  [[nodiscard]] const T* get() const noexcept { return cell_->load(std::memory_order_acquire); }
  // The published pointer itself, for readers that load it once per burst without this
  // header (the pipeline); they must read it with memory_order_acquire, as get() does.
  [[nodiscard]] const std::atomic<const T*>& slot() const noexcept { return *cell_; }

  // Control side: makes `next` current; the previous one is retired, freed by reclaim().
  void publish(std::unique_ptr<const T> next) {
    cell_->store(next.get(), std::memory_order_release);
    // The token is taken after the store: a worker that loaded the old pointer has not yet
    // passed the quiescent state this token waits for.
    if (owned_) retired_.push_back({rcu_.start(), std::move(owned_)});
    owned_ = std::move(next);
    reclaim();
  }

  // Frees retired tables no worker can still see; call periodically from the control loop.
  void reclaim() {
    std::size_t keep = 0;
    for (auto& r : retired_) {
      if (!rcu_.done(r.token)) retired_[keep++] = std::move(r);
    }
    retired_.resize(keep);
  }

  [[nodiscard]] std::size_t retired() const noexcept { return retired_.size(); }

 private:
  struct Retired {
    std::uint64_t token;
    std::unique_ptr<const T> table;
  };
  RcuDomain& rcu_;
  std::atomic<const T*> current_{nullptr};
  std::shared_ptr<std::atomic<const T*>> shared_;
  std::atomic<const T*>* cell_;  // current_, or *shared_
  std::unique_ptr<const T> owned_;
  std::vector<Retired> retired_;
};

}  // namespace fg::dp

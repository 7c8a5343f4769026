// Quiescent-state RCU for the tables workers read without locks (rule sets, identity leases,
// security associations): DPDK's rte_rcu_qsbr underneath. A worker reports a quiescent
// state between bursts, when it holds no pointer into any snapshot; the control plane frees
// a replaced snapshot only once every online worker has done so since the swap.
#pragma once

#include <rte_rcu_qsbr.h>

#include <cstdint>

namespace fg::dp {

class RcuDomain {
 public:
  explicit RcuDomain(std::uint32_t max_threads);
  ~RcuDomain();
  RcuDomain(const RcuDomain&) = delete;
  RcuDomain& operator=(const RcuDomain&) = delete;

  // A reader thread joins (online) or leaves (offline: it holds no snapshot pointers and is
  // not waited for, e.g. a worker that has stopped).
  void online(std::uint32_t thread_id) noexcept;
  void offline(std::uint32_t thread_id) noexcept;
  // Between bursts: "I hold no snapshot pointer now". A few stores; no syscall, no lock.
  void quiescent(std::uint32_t thread_id) noexcept { rte_rcu_qsbr_quiescent(v_, thread_id); }

  // Writer side: a token for "everything published before now"; done(token) once every
  // online reader has passed a quiescent state since. Never blocks.
  [[nodiscard]] std::uint64_t start() noexcept { return rte_rcu_qsbr_start(v_); }
  [[nodiscard]] bool done(std::uint64_t token) noexcept { return rte_rcu_qsbr_check(v_, token, false) == 1; }
  [[nodiscard]] std::uint32_t max_threads() const noexcept { return max_threads_; }

 private:
  rte_rcu_qsbr* v_ = nullptr;
  std::uint32_t max_threads_ = 0;
};

}  // namespace fg::dp

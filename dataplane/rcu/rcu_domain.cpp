#include "dataplane/rcu/rcu_domain.hpp"

#include <cstdlib>
#include <new>

namespace fg::dp {

RcuDomain::RcuDomain(std::uint32_t max_threads) : max_threads_(max_threads == 0 ? 1 : max_threads) {
  // rte_rcu_qsbr needs cache-line-aligned memory but no EAL: plain aligned allocation works
  // for the offline and libpcap modes too.
  const std::size_t size = rte_rcu_qsbr_get_memsize(max_threads_);
  const std::size_t rounded = (size + RTE_CACHE_LINE_SIZE - 1) / RTE_CACHE_LINE_SIZE * RTE_CACHE_LINE_SIZE;
  v_ = static_cast<rte_rcu_qsbr*>(std::aligned_alloc(RTE_CACHE_LINE_SIZE, rounded));
  if (v_ == nullptr || rte_rcu_qsbr_init(v_, max_threads_) != 0) throw std::bad_alloc();
  for (std::uint32_t t = 0; t < max_threads_; ++t) rte_rcu_qsbr_thread_register(v_, t);
}

RcuDomain::~RcuDomain() { std::free(v_); }

void RcuDomain::online(std::uint32_t thread_id) noexcept { rte_rcu_qsbr_thread_online(v_, thread_id); }
void RcuDomain::offline(std::uint32_t thread_id) noexcept { rte_rcu_qsbr_thread_offline(v_, thread_id); }

}  // namespace fg::dp

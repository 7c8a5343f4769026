// One worker's counters as the update health check reads them.
#pragma once

#include "daemon/update/update_target.hpp"
#include "dataplane/pipeline/pipeline.hpp"

namespace fg::update {

// Adds a worker's IP traffic to the sample: IP packets in, and those not dropped by policy.
// ARP and other non-IP frames are left out so that a policy that cuts every IP flow is seen
// even while ARP still passes.
inline void add_to_sample(HealthSample& s, const dp::WorkerStats& st) {
  const std::uint64_t ip = st.ipv4 + st.ipv6;
  const std::uint64_t denied = st.dropped[static_cast<int>(dp::DropReason::Policy)] +
                               st.dropped[static_cast<int>(dp::DropReason::Blocked)];
  s.packets_in += ip;
  s.forwarded += ip > denied ? ip - denied : 0;
}

}  // namespace fg::update

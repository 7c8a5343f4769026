#include "dataplane/port/dpdk/dpdk_telemetry.hpp"

#include <rte_telemetry.h>

#include <mutex>

namespace fg::dp {

namespace {

// DPDK's callback carries no user pointer: one provider per process.
std::mutex g_mu;
std::function<TelemetryCounters()> g_counters;

int on_stats(const char*, const char*, rte_tel_data* d) {
  TelemetryCounters c;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    if (g_counters) c = g_counters();
  }
  rte_tel_data_start_dict(d);
  std::size_t n = 0;
  for (const auto& [name, value] : c)
    if (n++ < RTE_TEL_MAX_DICT_ENTRIES) rte_tel_data_add_dict_u64(d, name.c_str(), value);
  return 0;
}

}  // namespace

bool register_telemetry(std::function<TelemetryCounters()> counters) {
  static bool registered = false;
  std::lock_guard<std::mutex> lock(g_mu);
  g_counters = std::move(counters);
  if (!registered)
    registered = rte_telemetry_register_cmd("/fieldguard/stats", on_stats,
                                            "fieldguard counters: packets, drops by reason, PDUs by protocol, "
                                            "per worker and port. No parameters") == 0;
  return registered;
}

}  // namespace fg::dp

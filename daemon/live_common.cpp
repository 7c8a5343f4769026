#include "daemon/live_common.hpp"

#include "daemon/version.hpp"

namespace fg::daemon {

std::vector<std::pair<std::uint32_t, std::uint32_t>> pair_indices(const Config& cfg) {
  auto index_of = [&](const std::string& name) {
    for (std::size_t i = 0; i < cfg.ports.size(); ++i)
      if (cfg.ports[i].name == name) return static_cast<std::uint32_t>(i);
    return 0u;
  };
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  for (const auto& pr : cfg.pairs) pairs.emplace_back(index_of(pr.south), index_of(pr.north));
  return pairs;
}

StatusInfo make_status(const Config& cfg, const char* mode, std::chrono::steady_clock::time_point started,
                       std::uint32_t workers, std::uint32_t workers_alive) {
  StatusInfo s;
  s.version = kVersion;
  s.mode = mode;
  s.config = cfg.source;
  s.uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  s.workers = workers;
  s.workers_alive = workers_alive;
  s.acl_rules = static_cast<std::uint32_t>(cfg.acl.rules.size());
  return s;
}

}  // namespace fg::daemon

// The ESP tunnel of one daemon: settings, the SA table (Snapshot<SaTable>), the next hop's
// MAC, learned host MACs, one stage per worker; and the control-plane operations on them
// (install, rekey, expiry, the `tunnel` report).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "crypto/esp/esp_sa.hpp"
#include "dataplane/pipeline/packet_stage.hpp"
#include "dataplane/rcu/snapshot.hpp"
#include "dataplane/tunnel/host_macs.hpp"
#include "dataplane/tunnel/sa_table.hpp"
#include "dataplane/tunnel/tunnel_counters.hpp"
#include "dataplane/tunnel/tunnel_settings.hpp"

namespace fg::dp {

class TunnelStage;

// What a control operation changed, for the event log (never key material).
struct SaChange {
  std::string summary;  // "out 0x00001002 (was 0x00001001), in 0x00002002 (+1 in grace)"
  std::uint32_t out_spi = 0;
  std::uint32_t old_out_spi = 0;
};

class Tunnel {
 public:
  Tunnel(TunnelSettings settings, RcuDomain& rcu, std::uint32_t workers);
  ~Tunnel();
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;

  // The stage of worker `w`, to attach to that worker's pipeline.
  [[nodiscard]] PacketStage* stage(std::uint32_t w) noexcept;

  // Control plane (the control loop, and the update agent's thread for a bundle's
  // tunnel_keys: control_mu_ serialises them). Replaces every SA at once (first install, or a reset).
  bool install(std::vector<esp::SaSpec> specs, const std::string& origin, SaChange& change, std::string& error);
  // Rotation: a new outbound SA replaces the old one at once; new inbound SAs join; the
  // inbound SAs in force before stay for `grace_ns` so packets the peer sent with them still
  // decrypt. No packet is lost: workers switch between two bursts.
  bool rekey(std::vector<esp::SaSpec> specs, std::uint64_t grace_ns, std::uint64_t now_mono_ns,
             const std::string& origin, SaChange& change, std::string& error);
  // Removes inbound SAs whose grace ran out; frees retired tables. Returns SPIs removed.
  std::vector<std::uint32_t> tick(std::uint64_t now_mono_ns);
  // The `tunnel` control answer: settings, SAs with counters, tunnel counters (JSON object).
  [[nodiscard]] std::string report_json() const;
  [[nodiscard]] TunnelCounters totals() const noexcept;

  // Worker side.
  [[nodiscard]] const TunnelSettings& settings() const noexcept { return settings_; }
  [[nodiscard]] const SaTable* table() const noexcept { return table_.get(); }
  // The next hop's MAC as 48 bits with bit 48 set when known.
  [[nodiscard]] std::uint64_t next_hop_mac() const noexcept { return next_hop_mac_.load(std::memory_order_relaxed); }
  void learn_next_hop(const std::uint8_t* mac) noexcept;
  [[nodiscard]] HostMacs& hosts() noexcept { return hosts_; }
  [[nodiscard]] std::uint32_t workers() const noexcept { return workers_; }

 private:
  bool validate(const std::vector<esp::SaSpec>& specs, std::string& error) const;
  void publish(std::unique_ptr<SaTable> next);

  TunnelSettings settings_;
  std::uint32_t workers_;
  mutable std::mutex control_mu_;  // install / rekey / tick / report_json; never taken by workers
  Snapshot<SaTable> table_;
  std::atomic<std::uint64_t> next_hop_mac_{0};
  HostMacs hosts_;
  std::vector<std::unique_ptr<TunnelStage>> stages_;
};

}  // namespace fg::dp

// One worker's ESP/ARP stage: before inspection it answers ARP for the tunnel address, learns
// the next hop's MAC, and authenticates, replay-checks and decapsulates ESP for us (the inner
// packet is then inspected like any other); after the verdicts it encapsulates the forwarded
// field packets that a selector or a policy (`Packet::protect`) marks. Batched per burst: one
// SA table load, one sequence reservation, one counter update per SA.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/pipeline/packet_stage.hpp"
#include "dataplane/tunnel/tunnel_counters.hpp"

namespace fg::dp {

class Tunnel;
struct SaState;
struct SaTable;

class TunnelStage final : public PacketStage {
 public:
  TunnelStage(Tunnel& tunnel, std::uint32_t worker) : tunnel_(tunnel), worker_(worker), scratch_(kScratchBytes) {}

  std::uint16_t before(Packet* const* pkts, std::uint16_t n, Packet** inspect, std::uint64_t now_ns) noexcept override;
  void after(Packet* const* pkts, std::uint16_t n, std::uint64_t now_ns) noexcept override;

  [[nodiscard]] const TunnelCounters& counters() const noexcept { return c_; }

 private:
  enum Mark : std::uint8_t { kPass, kConsumed, kDecapsulated };
  // Per-burst accounting of one SA, flushed to its atomics when the SA changes.
  struct SaTally {
    SaState* sa = nullptr;
    std::uint64_t packets = 0, bytes = 0;
    void add(SaState* s, std::uint64_t b) noexcept;
    void flush() noexcept;
  };

  bool arp(Packet& p, std::uint32_t off) noexcept;
  void decapsulate(Packet& p, std::uint32_t off, const SaTable& table, SaTally& tally) noexcept;
  void encapsulate(Packet& p, SaState& sa, std::uint64_t seq, std::uint64_t next_hop_mac, SaTally& tally) noexcept;
  bool make_arp_request(Packet& p) noexcept;
  void drop(Packet& p, TunnelDrop why) noexcept;
  void drop(Packet& p, SaState& sa, int why) noexcept;

  Tunnel& tunnel_;
  std::uint32_t worker_;
  TunnelCounters c_{};
  std::uint64_t arp_sent_ns_ = 0;
  std::uint8_t mark_[kMaxBurst] = {};
  std::uint16_t todo_[kMaxBurst] = {};
  // Room to retry authenticating a stale ESN packet (allocated once, with the stage).
  static constexpr std::size_t kScratchBytes = 9216 + 64;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace fg::dp

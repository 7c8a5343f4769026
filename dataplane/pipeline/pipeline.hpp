// One worker's packet pipeline: decode → flow → TCP tracking/reassembly → parsers → verdict.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/app/app_layer.hpp"
#include "dataplane/flow/flow_table.hpp"
#include "dataplane/pipeline/packet.hpp"
#include "dataplane/pipeline/worker_stats.hpp"
#include "dataplane/tcp/stream_buffer.hpp"
#include "dataplane/tcp/tcp_reassembler.hpp"
#include "rules/acl/acl.hpp"
#include "rules/anomaly/dataplane_guard.hpp"

namespace fg::dp {

struct PipelineConfig {
  std::uint32_t max_flows = 65536;
  FlowTimeouts timeouts{};
  std::uint32_t stream_buffers = 1024;   // 16 KiB reassembly buffers per worker
  HolePolicy holes = HolePolicy::Wait;   // data after a sequence hole (Skip for capture files)
  AppConfig app{};
  Action arp = Action::Allow;            // ARP frames
  Action non_ip = Action::Allow;         // other non-IP ethertypes (LLDP, PROFINET RT, ...)
  Action malformed = Action::Allow;      // frames decode rejects
  Action table_full = Action::Allow;     // new flows when no entry can be had
  bool inspect = true;                   // run the protocol parsers
  anomaly::GuardConfig anomaly{};        // conformance actions, SYN/connection rates (issue 5)
};

class Pipeline final : private FlowReleaser {
 public:
  Pipeline(const PipelineConfig& cfg, RecordOutput& out);

  // Decides every packet of a burst: sets verdict, reason and send_reset. `now_ns` drives
  // timeouts (capture time offline, monotonic time live).
  void process(Packet* const* pkts, std::uint16_t n, std::uint64_t now_ns) noexcept;
  // Expires idle flows; call between bursts.
  void housekeeping(std::uint64_t now_ns) noexcept { flows_.expire(now_ns, 64); }

  // The ACL in force; swapped by the control plane (issue 4 brings RCU rule sets). The
  // pointer is read once per burst.
  void set_acl(const rules::Acl* acl) noexcept { acl_.store(acl, std::memory_order_release); }

  [[nodiscard]] const WorkerStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const FlowTable& flows() const noexcept { return flows_; }
  [[nodiscard]] const ReassemblyStats& reassembly() const noexcept { return reasm_.stats(); }
  [[nodiscard]] const AppStats& app() const noexcept { return app_.stats(); }
  [[nodiscard]] const StreamBufferPool& buffers() const noexcept { return buffers_; }
  [[nodiscard]] const anomaly::GuardStats& anomaly() const noexcept { return guard_.stats(); }

 private:
  void release(Flow& f) noexcept override;
  void process_one(Packet& p, std::uint16_t i, const rules::Acl* acl, std::uint64_t now_ns) noexcept;
  void process_ip(Packet& p, std::uint16_t i, const rules::Acl* acl, std::uint64_t now_ns) noexcept;
  Flow* flow_for(Packet& p, std::uint16_t i, const rules::Acl* acl, std::uint64_t now_ns, bool& created) noexcept;
  void apply(Packet& p, Action a) noexcept;

  PipelineConfig cfg_;
  RecordOutput& out_;
  FlowTable flows_;
  StreamBufferPool buffers_;
  anomaly::DataplaneGuard guard_;  // between the app layer and `out_`; before app_, which uses it
  AppLayer app_;
  TcpReassembler reasm_;
  std::atomic<const rules::Acl*> acl_{nullptr};
  WorkerStats stats_{};
  // Per-burst scratch: each packet's flow key, hash and which endpoint sent it.
  FlowKey keys_[kMaxBurst];
  std::uint64_t hashes_[kMaxBurst] = {};
  bool from_lo_[kMaxBurst] = {};
  bool has_key_[kMaxBurst] = {};
};

}  // namespace fg::dp

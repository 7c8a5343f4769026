// One worker's packet pipeline: decode → flow → TCP tracking/reassembly → parsers → verdict.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/app/app_layer.hpp"
#include "dataplane/flow/flow_table.hpp"
#include "dataplane/identity/identity_stage.hpp"
#include "dataplane/pipeline/packet.hpp"
#include "dataplane/pipeline/packet_stage.hpp"
#include "dataplane/pipeline/worker_stats.hpp"
#include "dataplane/tcp/stream_buffer.hpp"
#include "dataplane/tcp/tcp_reassembler.hpp"
#include "rules/compiled/compiled_rules.hpp"
#include "rules/compiled/flow_policy.hpp"
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
  // The pair partner of each input port (Packet::in_port), 0xff for none: the port a flow's
  // server is behind, for rules whose `to:` names a zone.
  std::vector<std::uint8_t> port_peers;
  anomaly::GuardConfig anomaly{};        // conformance actions, SYN/connection rates (issue 5)
};

// What the rule set did on this worker (rules.* counters).
struct RuleStats {
  std::uint64_t flows_judged = 0;     // flows judged by L3/L4 (new, or after a reload)
  std::uint64_t pdus_judged = 0;
  std::uint64_t pdu_alerts = 0;
  std::uint64_t pdu_drops = 0;        // PDUs whose verdict was drop, reset or block
  std::uint64_t rate_limited = 0;
  std::uint64_t sticky_drops = 0;     // segments at/after a dropped PDU (retransmissions too)
  std::uint64_t not_industrial_drops = 0;  // data no parser claimed, on a flow judged per PDU
  rules::MatchStats match{};
};

class Pipeline final : private FlowReleaser, private PduJudge {
 public:
  Pipeline(const PipelineConfig& cfg, RecordOutput& out);

  // Decides every packet of a burst: sets verdict, reason and send_reset. `now_ns` drives
  // timeouts (capture time offline, monotonic time live).
  void process(Packet* const* pkts, std::uint16_t n, std::uint64_t now_ns) noexcept;
  // Expires idle flows; call between bursts.
  void housekeeping(std::uint64_t now_ns) noexcept { flows_.expire(now_ns, 64); }

  // The identity stage (docs/IDENTITY.md) this worker runs after decode; none by default.
  // Set before the worker starts.
  void set_identity(IdentityStage* stage) noexcept { identity_ = stage; }
  // A stage around inspection (the ESP tunnel); set before the worker starts.
  void set_stage(PacketStage* stage) noexcept { stage_ = stage; }
  // Where the rule set in force is published (Snapshot<CompiledRules>::slot()): read once per
  // burst. nullptr, or a null rule set, forwards everything (monitor).
  void set_rules_source(const std::atomic<const rules::CompiledRules*>* source) noexcept { rules_src_ = source; }

  [[nodiscard]] const WorkerStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const FlowTable& flows() const noexcept { return flows_; }
  [[nodiscard]] const ReassemblyStats& reassembly() const noexcept { return reasm_.stats(); }
  [[nodiscard]] const AppStats& app() const noexcept { return app_.stats(); }
  [[nodiscard]] const StreamBufferPool& buffers() const noexcept { return buffers_; }
  [[nodiscard]] const RuleStats& rule_stats() const noexcept { return rule_stats_; }
  [[nodiscard]] const anomaly::GuardStats& anomaly() const noexcept { return guard_.stats(); }

 private:
  void release(Flow& f) noexcept override;
  void process_one(Packet& p, std::uint16_t i, std::uint64_t now_ns) noexcept;
  void process_ip(Packet& p, std::uint16_t i, std::uint64_t now_ns) noexcept;
  Flow* flow_for(Packet& p, std::uint16_t i, std::uint64_t now_ns, bool& created) noexcept;
  void apply(Packet& p, Action a) noexcept;
  void process_staged(Packet* const* pkts, std::uint16_t n, std::uint64_t now_ns) noexcept;
  // Judges the flow by L3/L4 under the current rule set (new flow, or judged by an older set).
  void judge_flow(Flow& f, const Packet& p, bool from_lo) noexcept;
  // Applies what the PDUs completed by this packet were judged (drop sticks on TCP).
  void apply_pdu_verdict(Packet& p, Flow& f, int d) noexcept;
  [[nodiscard]] rules::FlowPolicy& policy(const Flow& f) noexcept { return policies_[flows_.index_of(f)]; }

  template <class R>
  rules::Decision judge_pdu(Flow& f, const R& r, bool response) noexcept;
  rules::Decision judge(Flow& f, const modbus::Record& r, bool response) noexcept override;
  rules::Decision judge(Flow& f, const s7comm::Record& r, bool response) noexcept override;
  rules::Decision judge(Flow& f, const opcua::Record& r, bool response) noexcept override;
  rules::Decision judge(Flow& f, const dnp3::Record& r, bool response) noexcept override;

  PipelineConfig cfg_;
  RecordOutput& out_;
  FlowTable flows_;
  StreamBufferPool buffers_;
  anomaly::DataplaneGuard guard_;  // between the app layer and `out_`; before app_, which uses it
  AppLayer app_;
  TcpReassembler reasm_;
  IdentityStage* identity_ = nullptr;
  PacketStage* stage_ = nullptr;
  const std::atomic<const rules::CompiledRules*>* rules_src_ = nullptr;
  const rules::CompiledRules* rules_ = nullptr;  // this burst's rule set
  std::uint64_t now_ns_ = 0;                     // this burst's time, for rate limits
  std::vector<rules::FlowPolicy> policies_;      // by flow index
  RuleStats rule_stats_{};
  WorkerStats stats_{};
  // Lines of each frame prefetched at the start of a burst when parsers run: 320 bytes hold
  // the largest frames of plant traffic (a full Modbus register read is 265).
  static constexpr std::uint32_t kPrefetchLines = 5;
  // Per-burst scratch: each packet's flow key, hash and which endpoint sent it.
  FlowKey keys_[kMaxBurst];
  std::uint64_t hashes_[kMaxBurst] = {};
  bool from_lo_[kMaxBurst] = {};
  bool has_key_[kMaxBurst] = {};
};

}  // namespace fg::dp

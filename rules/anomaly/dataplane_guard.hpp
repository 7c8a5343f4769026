// The anomaly engines' one foothold in a worker: applies the configured action of
// conformance events to the packet that raised them, and counts SYNs and new connections
// in fixed tables (what audit records cannot tell the control thread). No allocation, no
// locks; everything else runs on the control thread from the audit records.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/app/records.hpp"
#include "dataplane/flow/flow.hpp"
#include "dataplane/pipeline/packet.hpp"
#include "rules/anomaly/anomaly_settings.hpp"
#include "rules/anomaly/quarantine.hpp"
#include "rules/anomaly/rate_window.hpp"

namespace fg::anomaly {

struct GuardConfig;
// Where a reload publishes the settings every worker adopts at its next burst (the control
// thread's Snapshot<GuardConfig> writes it; acquire/release as in Snapshot<T>).
using GuardConfigSlot = std::atomic<const GuardConfig*>;

// The worker's part of AnomalySettings, resolved to kind pointers (make_guard_config).
struct GuardConfig {
  struct KindAction {
    const proto::AnomalyKind* kind;
    dp::Action action;
  };
  static constexpr std::size_t kMaxKinds = 128;
  std::array<KindAction, kMaxKinds> conformance{};  // every conformance kind, sorted by address
  std::uint32_t conformance_count = 0;
  bool rates = true;
  RateLimits syn{};
  RateLimits connections{};
  dp::Action rate_action = dp::Action::Alert;
  // Pairs cut off by enforce mode; one slot shared by every copy of this config (and so by
  // every worker), filled by the control thread.
  std::shared_ptr<QuarantineSlot> quarantine = std::make_shared<QuarantineSlot>(nullptr);
  // Settings a `rules reload` put in force after the workers started (null: none yet), and
  // the version of these: a worker copies a published config whose version differs.
  std::shared_ptr<GuardConfigSlot> live = std::make_shared<GuardConfigSlot>(nullptr);
  std::uint64_t version = 0;
};

// Every conformance kind of the catalogue with its action (override or default). Overrides
// naming unknown kinds were rejected by read_anomaly_settings.
GuardConfig make_guard_config(const AnomalySettings& s);

struct GuardStats {
  std::uint64_t conformance_events = 0;
  std::uint64_t conformance_silenced = 0;  // action allow: counted, no event
  std::uint64_t conformance_enforced = 0;  // packets dropped/reset/blocked by a conformance action
  std::uint64_t syn_floods = 0;
  std::uint64_t connection_floods = 0;
  std::uint64_t rate_dropped = 0;
  std::uint64_t quarantine_dropped = 0;    // packets of pairs enforce mode cut off
};

// Sits between the app layer and the worker's RecordOutput.
class DataplaneGuard final : public dp::RecordOutput {
 public:
  static constexpr std::uint32_t kSlots = 1024;  // per table; direct-mapped by address hash

  DataplaneGuard(const GuardConfig& cfg, dp::RecordOutput& next) noexcept : cfg_(cfg), next_(next) {}

  // Once per burst: the quarantine table in force (one acquire load), and the settings a
  // reload published (one acquire load; copied into this worker's own config when they are
  // new, so that no pointer into them is held past the burst).
  void begin_burst() noexcept {
    quarantine_ = cfg_.quarantine ? cfg_.quarantine->load(std::memory_order_acquire) : nullptr;
    const GuardConfig* live = cfg_.live ? cfg_.live->load(std::memory_order_acquire) : nullptr;
    if (live != nullptr && live->version != cfg_.version) adopt(*live);
  }

  void audit(const dp::AuditEntry& e) noexcept override;
  void event(const dp::EventEntry& e) noexcept override;
  dp::AuditEntry* begin_audit() noexcept override { return building_ = next_.begin_audit(); }
  void commit_audit() noexcept override {
    building_->verdict = verdict_with_pending(building_->verdict);
    next_.commit_audit();
  }

  // After the pipeline inspected packet `p` of flow `f` (d: 0 from the client): applies the
  // strongest conformance action the packet's anomalies asked for and the quarantine, then
  // counts SYNs and new connections.
  // Inline for the packet that needs none of it (most of them: nothing pending, a client's
  // packet that is neither a SYN nor a new flow, no quarantine in force), so that such a
  // packet pays a few compares and not a call that saves registers.
  void after_packet(dp::Packet& p, dp::Flow& f, int d, bool created, std::uint64_t now_ns) noexcept {
    const dp::PacketMeta& m = p.meta;
    const bool counted = cfg_.rates && (created || (m.l4 == dp::L4::Tcp && (m.tcp_flags & dp::kTcpSyn)));
    const bool quarantined = quarantine_ != nullptr && !quarantine_->pairs.empty();
    if (pending_ != dp::Action::Allow || (d == 0 && (counted || quarantined)))
      apply_after_packet(p, f, d, created, now_ns);
  }

  [[nodiscard]] const GuardStats& stats() const noexcept { return stats_; }

 private:
  struct Slot {
    dp::IpAddr addr{};
    bool used = false;
    RateWindow w{};
  };
  // Parsers report a PDU's anomalies before its record: the record shows the verdict the
  // conformance action gives its packet.
  [[nodiscard]] dp::Action verdict_with_pending(dp::Action v) const noexcept {
    return pending_ > v && pending_ >= dp::Action::Drop ? pending_ : v;
  }
  void apply_after_packet(dp::Packet& p, dp::Flow& f, int d, bool created, std::uint64_t now_ns) noexcept;
  // Takes the actions and thresholds of `next` (not its slots): a fixed-size copy, no allocation.
  void adopt(const GuardConfig& next) noexcept;
  dp::Action action_for(const proto::AnomalyKind* k, bool& known) const noexcept;
  // Counts one hit for `addr`; true when this hit is over the threshold (`count`/`limit`
  // say by how much), `first` when it is the first such hit of the window.
  bool hit(std::array<Slot, kSlots>& table, const dp::IpAddr& addr, std::uint64_t now_ns, const RateLimits& l,
           std::uint32_t& count, std::uint32_t& limit, bool& first) noexcept;
  void raise(const dp::Packet& p, const proto::AnomalyKind& k, std::uint32_t count, std::uint32_t limit) noexcept;

  GuardConfig cfg_;
  dp::RecordOutput& next_;
  dp::Action pending_ = dp::Action::Allow;  // strongest conformance action of the current packet
  const Quarantine* quarantine_ = nullptr;  // this burst's
  dp::AuditEntry* building_ = nullptr;      // between begin_audit and commit_audit
  GuardStats stats_{};
  std::array<Slot, kSlots> syn_{};          // by server address
  std::array<Slot, kSlots> connections_{};  // by client address
};

}  // namespace fg::anomaly

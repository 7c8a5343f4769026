// The production dataplane: DPDK EAL, ethdev ports in south/north pairs, poll-mode workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/pipeline/pipeline.hpp"
#include "dataplane/rcu/rcu_domain.hpp"
#include "dataplane/pipeline/ring_output.hpp"

namespace fg::dp {

struct DpdkPortSpec {
  std::string name;    // configuration name (field0, plant0, ...)
  std::string device;  // ethdev name or devargs ("net_af_packet0,iface=veth1"): probed if absent
};

struct DpdkOptions {
  std::vector<std::string> eal_args;  // passed to rte_eal_init as given (plus defaults below)
  std::vector<DpdkPortSpec> ports;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;  // (south, north) indices into ports
  std::uint16_t burst = 32;
  std::uint32_t mbufs_per_port = 8192;
  PipelineConfig pipeline{};
};

// Per-worker state visible to the control thread.
struct alignas(64) WorkerShared {
  std::atomic<std::uint64_t> loops{0};       // progress, for the watchdog
  std::atomic<std::uint64_t> last_rx_ns{0};  // monotonic time of the last non-empty burst
  std::atomic<std::uint64_t> tx_failed{0};   // packets the TX queue refused (freed)
};

class DpdkDataplane {
 public:
  DpdkDataplane();
  ~DpdkDataplane();
  DpdkDataplane(const DpdkDataplane&) = delete;
  DpdkDataplane& operator=(const DpdkDataplane&) = delete;

  // EAL, mempools, ports, queues, pipelines. False with `error` set on failure.
  bool init(const DpdkOptions& opt, std::string& error);
  // Where every worker reads the rule set in force (Snapshot<CompiledRules>::slot() on rcu()).
  // Call after init(), before start().
  void set_rules_source(const std::atomic<const rules::CompiledRules*>* source) noexcept;
  // Launches the workers of the other lcores and returns at once.
  void start();
  // Runs the main lcore's worker in the calling (EAL main) thread until a stop is requested.
  void run_main();
  // Asks every worker to stop; safe from any thread (not from a signal handler).
  void request_stop() noexcept;
  // Requests a stop, waits for the workers and stops the ports.
  void stop();

  [[nodiscard]] std::uint32_t worker_count() const noexcept { return static_cast<std::uint32_t>(workers_.size()); }
  [[nodiscard]] const Pipeline& pipeline(std::uint32_t w) const noexcept;
  [[nodiscard]] RingOutput& output(std::uint32_t w) noexcept;
  [[nodiscard]] const WorkerShared& shared(std::uint32_t w) const noexcept;
  [[nodiscard]] std::uint64_t resets_sent() const noexcept;
  [[nodiscard]] std::string port_report() const;  // per-port ethdev counters, human-readable
  // Monotonic nanoseconds on the workers' clock (TSC based).
  [[nodiscard]] std::uint64_t now_ns() const noexcept;
  // Workers report a quiescent state here after every loop; tables they read (rule sets,
  // leases, SAs) are swapped through Snapshot<T>s on this domain. Valid after init().
  [[nodiscard]] RcuDomain& rcu() noexcept { return *rcu_; }

  struct Worker;

 private:
  static int worker_main(void* arg);
  void run_worker(Worker& w);

  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<RcuDomain> rcu_;
  std::vector<std::uint16_t> port_ids_;
  std::vector<std::uint16_t> peer_of_;  // indexed like port_ids_
  std::vector<std::uint16_t> queues_of_;
  std::vector<std::string> port_names_;
  std::uint16_t burst_ = 32;
  std::atomic<bool> stop_{false};
  bool eal_ready_ = false;
  bool started_ = false;
  std::uint64_t tsc_hz_ = 1;
  std::uint64_t tsc0_ = 0;
  std::uint64_t wall0_ns_ = 0;
};

}  // namespace fg::dp

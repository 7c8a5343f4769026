// Whole-pipeline throughput on one core: a capture loaded into mbufs circulates through a
// DPDK net_ring port (rx and tx on the same ring) and every burst runs the full pipeline
// (decode, flows, TCP tracking and reassembly, protocol parsers, verdict, records copied
// into the worker's output rings) before it is transmitted back. Prints packets/s and TSC
// cycles per packet; run by run_pipeline_bench.sh beside dpdk-testpmd's 5tswap bound.
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <pcap/pcap.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/identity_bench_table.hpp"
#include "dataplane/identity/identity_stage.hpp"
#include "dataplane/pipeline/pipeline.hpp"
#include "dataplane/pipeline/ring_output.hpp"

namespace {

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "pipeline_bench: %s\n", msg.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  const int eal_used = rte_eal_init(argc, argv);
  if (eal_used < 0) die("EAL init failed");
  argc -= eal_used;
  argv += eal_used;
  if (argc < 2) die("usage: pipeline_bench [EAL args] -- CAPTURE [SECONDS] [--no-inspect] [--io-only] [--identity] [--vdev-port] [--packets=N]");
  const std::string capture = argv[1];
  const double seconds = argc > 2 ? std::atof(argv[2]) : 10.0;
  bool inspect = true, io_only = false, identity = false, vdev_port = false;
  std::uint64_t max_packets = 0;
  for (int i = 3; i < argc; ++i) {
    // --vdev-port: receive from (and transmit to) the port the EAL arguments created, e.g.
    // net_pcap with infinite_rx replaying CAPTURE, instead of a net_ring loop of the capture's
    // mbufs: the same port testpmd's bound ran on (run_pipeline_bench.sh).
    if (std::strcmp(argv[i], "--vdev-port") == 0) vdev_port = true;
    // --packets=N: stop after N packets instead of SECONDS (for instruction counts under
    // callgrind, where time runs ~50x slower).
    if (std::strncmp(argv[i], "--packets=", 10) == 0) max_packets = std::strtoull(argv[i] + 10, nullptr, 10);
    if (std::strcmp(argv[i], "--identity") == 0) identity = true;  // the identity stage on every frame
    if (std::strcmp(argv[i], "--no-inspect") == 0) inspect = false;
    if (std::strcmp(argv[i], "--io-only") == 0) io_only = true;
  }

  // Load every frame of the capture into its own mbuf.
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* pc = pcap_open_offline(capture.c_str(), err);
  if (pc == nullptr) die(err);
  std::vector<std::vector<std::uint8_t>> frames;
  pcap_pkthdr* h;
  const u_char* data;
  while (pcap_next_ex(pc, &h, &data) == 1) frames.emplace_back(data, data + h->caplen);
  pcap_close(pc);
  if (frames.empty()) die("empty capture");
  const unsigned n = static_cast<unsigned>(frames.size());
  rte_mempool* pool = rte_pktmbuf_pool_create("bench_pool", n + 4096, 0, 0, 512 + RTE_PKTMBUF_HEADROOM, rte_socket_id());
  if (pool == nullptr) die("mbuf pool: " + std::string(rte_strerror(rte_errno)));
  const unsigned ring_size = rte_align32pow2(n + 1024);
  rte_ring* ring = rte_ring_create("bench_loop", ring_size, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (ring == nullptr) die("ring");
  for (const auto& f : frames) {
    if (vdev_port) break;  // the port replays the capture itself
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr || f.size() > 512) die("frame too large for the bench pool");
    std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(f.size())), f.data(), f.size());
    rte_ring_enqueue(ring, m);
  }
  // --identity: every source of the capture bound to its MAC (docs/PERFORMANCE.md).
  std::size_t bindings = 0;
  std::unique_ptr<fg::dp::IdentityTable> identity_table = identity ? fg::bench::identity_table_from(frames, bindings) : nullptr;
  frames.clear();
  const int port = vdev_port ? 0 : rte_eth_from_rings("net_ring_bench", &ring, 1, &ring, 1, rte_socket_id());
  if (vdev_port && !rte_eth_dev_is_valid_port(0)) die("--vdev-port: no port from the EAL arguments");
  if (port < 0) die("rte_eth_from_rings");
  rte_eth_conf conf{};
  rte_eth_dev_configure(static_cast<std::uint16_t>(port), 1, 1, &conf);
  rte_eth_rx_queue_setup(static_cast<std::uint16_t>(port), 0, 1024, rte_socket_id(), nullptr, pool);
  rte_eth_tx_queue_setup(static_cast<std::uint16_t>(port), 0, 1024, rte_socket_id(), nullptr);
  rte_eth_dev_start(static_cast<std::uint16_t>(port));

  fg::dp::PipelineConfig cfg;
  cfg.max_flows = 65536;
  cfg.stream_buffers = 4096;
  cfg.inspect = inspect;
  // The worker's own output: records and events are copied into SPSC rings of the live
  // capacities, as on a DPDK worker. The control thread drains and formats them on another
  // core; here they are drained after every burst and only counted (formatting is not the
  // dataplane's cost, the copy into the ring is).
  fg::dp::RingOutput out(1u << 14, 1u << 12);
  std::uint64_t audits = 0, events = 0;
  const auto drain = [&] {
    audits += out.audit_ring.drain([](const fg::dp::AuditEntry&) {});
    events += out.event_ring.drain([](const fg::dp::EventEntry&) {});
  };
  fg::dp::Pipeline pipeline(cfg, out);
  fg::dp::RcuDomain rcu(1);
  fg::dp::Snapshot<fg::dp::IdentityTable> identity_snapshot(rcu);
  fg::dp::IdentityStage identity_stage(identity_snapshot, fg::dp::IdentityStageConfig{.south_ports = 1});
  if (identity) {
    identity_snapshot.publish(std::move(identity_table));
    pipeline.set_identity(&identity_stage);
  }

  constexpr std::uint16_t kBurst = 32;
  rte_mbuf* mbufs[kBurst];
  fg::dp::Packet pkts[kBurst];
  fg::dp::Packet* burst[kBurst];
  const std::uint64_t hz = rte_get_tsc_hz();
  const std::uint64_t start = rte_rdtsc();
  const std::uint64_t stop = start + static_cast<std::uint64_t>(seconds * static_cast<double>(hz));
  std::uint64_t packets = 0, frame = 0, next_housekeeping = start;
  std::uint64_t now = start;
  // Software-pipelined like a driver loop: the next burst is received (and its mbuf headers
  // prefetched) before the current one is worked, so header misses overlap the work.
  rte_mbuf* next[kBurst];
  std::uint16_t next_n = rte_eth_rx_burst(static_cast<std::uint16_t>(port), 0, next, kBurst);
  while (max_packets ? packets < max_packets : now < stop) {
    const std::uint16_t got = next_n;
    std::memcpy(mbufs, next, sizeof(rte_mbuf*) * got);
    next_n = rte_eth_rx_burst(static_cast<std::uint16_t>(port), 0, next, kBurst);
    for (std::uint16_t i = 0; i < next_n; ++i) rte_prefetch0(next[i]);
    now = rte_rdtsc();
    if (got == 0) continue;
    if (!io_only) {
      const std::uint64_t now_ns = (now - start) * 1'000'000'000ull / hz;
      for (std::uint16_t i = 0; i < got; ++i) {
        fg::dp::Packet& p = pkts[i];
        p.data = rte_pktmbuf_mtod(mbufs[i], std::uint8_t*);
        p.len = rte_pktmbuf_data_len(mbufs[i]);
        p.link = fg::dp::LinkType::Ethernet;
        p.frame = ++frame;
        p.ts_ns = now_ns;
        p.handle = mbufs[i];
        burst[i] = &p;
      }
      pipeline.process(burst, got, now_ns);
      drain();
      if (now >= next_housekeeping) {
        pipeline.housekeeping(now_ns);
        next_housekeeping = now + hz / 100;
      }
    }
    // Everything goes back on the ring (the monitor default forwards all), so the loop
    // keeps the same packets circulating; a vdev port transmits (net_pcap without a tx file
    // frees them).
    std::uint16_t sent = 0;
    while (sent < got) sent += rte_eth_tx_burst(static_cast<std::uint16_t>(port), 0, mbufs + sent, got - sent);
    packets += got;
  }
  const std::uint64_t cycles = rte_rdtsc() - start;
  const double secs = static_cast<double>(cycles) / static_cast<double>(hz);
  drain();
  const auto& st = pipeline.stats();
  std::printf("mode=%s%s capture_packets=%u packets=%llu seconds=%.3f pps=%.0f cycles_per_packet=%.1f tsc_hz=%llu\n",
              io_only ? "io-only" : identity ? (inspect ? "pipeline+identity" : "pipeline-no-parsers+identity") : (inspect ? "pipeline" : "pipeline-no-parsers"), vdev_port ? "@vdev-port" : "", n,
              static_cast<unsigned long long>(packets), secs, static_cast<double>(packets) / secs,
              static_cast<double>(cycles) / static_cast<double>(packets ? packets : 1),
              static_cast<unsigned long long>(hz));
  std::uint64_t pdus = 0;
  for (auto v : pipeline.app().pdus) pdus += v;
  std::printf("flows_created=%llu pdus=%llu audit=%llu events=%llu forwarded=%llu dropped_policy=%llu\n",
              static_cast<unsigned long long>(pipeline.flows().stats().created), static_cast<unsigned long long>(pdus),
              static_cast<unsigned long long>(audits), static_cast<unsigned long long>(events),
              static_cast<unsigned long long>(st.forwarded),
              static_cast<unsigned long long>(st.dropped[static_cast<int>(fg::dp::DropReason::Policy)]));
  if (identity)
    std::printf("identity_bindings=%zu identity_checked=%llu identity_dropped=%llu\n", bindings,
                static_cast<unsigned long long>(identity_stage.stats().checked),
                static_cast<unsigned long long>(identity_stage.stats().dropped));
  rte_eth_dev_stop(static_cast<std::uint16_t>(port));
  rte_eal_cleanup();
  return 0;
}

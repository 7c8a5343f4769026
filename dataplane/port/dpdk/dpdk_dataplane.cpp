#include "dataplane/port/dpdk/dpdk_dataplane.hpp"

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <algorithm>
#include <cstring>

#include "dataplane/pipeline/tcp_reset.hpp"
#include "protocols/common/wall_clock.hpp"

namespace fg::dp {

// Everything one worker lcore owns. Stats and state are written only by that lcore.
struct DpdkDataplane::Worker {
  Worker(const PipelineConfig& cfg, std::uint32_t index)
      : id(index), out(1u << 14, 1u << 12), pipeline(cfg, out) {}
  std::uint32_t id;
  unsigned lcore = 0;
  RingOutput out;
  Pipeline pipeline;
  WorkerShared shared;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> rx;  // (port index, queue)
  rte_mempool* pool = nullptr;
  std::uint64_t resets = 0;
  DpdkDataplane* owner = nullptr;
  FlowMailbox flows{4096};
  std::atomic<CaptureTap*> capture{nullptr};
};

namespace {

constexpr std::uint16_t kRxDesc = 1024;
constexpr std::uint16_t kTxDesc = 1024;

// A symmetric Toeplitz key (the 0x6d5a pattern) hashes both directions of a flow to the
// same queue, so one worker (one flow table) sees a whole conversation.
std::uint8_t kSymmetricRssKey[40] = {
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a};

bool has_arg(const std::vector<std::string>& args, std::initializer_list<const char*> names) {
  for (const auto& a : args)
    for (const char* n : names)
      if (a == n || a.rfind(std::string(n) + "=", 0) == 0 || (std::strlen(n) == 2 && a.rfind(n, 0) == 0)) return true;
  return false;
}

// After a long run of full bursts: is the queue really backing up? Full bursts alone only say
// traffic is heavy (at line rate every burst is full while the pipeline keeps up). Where the
// PMD reports its queue depth, three quarters of the ring is the sign; PMDs that cannot tell
// (af_packet, pcap, ring vdevs) fall back to the streak itself, which the `fail:` docs say.
bool falling_behind(std::uint16_t port, std::uint16_t queue) noexcept {
  const int depth = rte_eth_rx_queue_count(port, queue);
  if (depth < 0) return true;  // -ENOTSUP: no depth to judge by
  return depth > kRxDesc * 3 / 4;
}

// Finds an ethdev by name, probing it from devargs first if it does not exist yet.
bool find_or_probe(const std::string& device, std::uint16_t& port, std::string& error) {
  const std::string name = device.substr(0, device.find(','));
  if (rte_eth_dev_get_port_by_name(name.c_str(), &port) == 0) return true;
  if (rte_dev_probe(device.c_str()) != 0) {
    error = "cannot probe device \"" + device + "\"";
    return false;
  }
  if (rte_eth_dev_get_port_by_name(name.c_str(), &port) != 0) {
    error = "device \"" + device + "\" probed but no ethdev named \"" + name + "\"";
    return false;
  }
  return true;
}

// Points the (single-segment) mbuf at the frame a stage left in its buffer.
inline void sync_mbuf(rte_mbuf* m, std::uint8_t* data, std::uint32_t len) noexcept {
  auto* base = static_cast<std::uint8_t*>(m->buf_addr);
  if (data == base + m->data_off && len == m->data_len) return;
  m->data_off = static_cast<std::uint16_t>(data - base);
  m->data_len = static_cast<std::uint16_t>(len);
  m->pkt_len = len;
}

}  // namespace

DpdkDataplane::DpdkDataplane() = default;

DpdkDataplane::~DpdkDataplane() {
  stop();
  workers_.clear();
  if (eal_ready_) rte_eal_cleanup();
}

const Pipeline& DpdkDataplane::pipeline(std::uint32_t w) const noexcept { return workers_[w]->pipeline; }
RingOutput& DpdkDataplane::output(std::uint32_t w) noexcept { return workers_[w]->out; }
const WorkerShared& DpdkDataplane::shared(std::uint32_t w) const noexcept { return workers_[w]->shared; }
FlowMailbox& DpdkDataplane::flow_mailbox(std::uint32_t w) noexcept { return workers_[w]->flows; }
void DpdkDataplane::set_capture(std::uint32_t w, CaptureTap* tap) noexcept {
  workers_[w]->capture.store(tap, std::memory_order_release);  // release: the tap is built
}
void DpdkDataplane::set_identity(std::uint32_t w, IdentityStage* stage) noexcept { workers_[w]->pipeline.set_identity(stage); }
void DpdkDataplane::set_stage(std::uint32_t w, PacketStage* stage) noexcept { workers_[w]->pipeline.set_stage(stage); }

std::uint64_t DpdkDataplane::resets_sent() const noexcept {
  std::uint64_t n = 0;
  for (const auto& w : workers_) n += w->resets;
  return n;
}

std::uint64_t DpdkDataplane::now_ns() const noexcept {
  const std::uint64_t t = rte_rdtsc() - tsc0_;
  return static_cast<std::uint64_t>(static_cast<unsigned __int128>(t) * 1'000'000'000ull / tsc_hz_);
}

void DpdkDataplane::set_rules_source(const std::atomic<const rules::CompiledRules*>* source) noexcept {
  for (auto& w : workers_) w->pipeline.set_rules_source(source);
}

bool DpdkDataplane::init(const DpdkOptions& opt, std::string& error) {
  std::vector<std::string> args = {"fieldguardd"};
  args.insert(args.end(), opt.eal_args.begin(), opt.eal_args.end());
  // DPDK 22.11 turns --no-huge into legacy memory mode, which it refuses together with
  // --in-memory; --no-shconf gives the same "leave no files behind" without the conflict.
  if (has_arg(args, {"--no-huge"}) && has_arg(args, {"--in-memory"})) {
    args.erase(std::remove(args.begin(), args.end(), std::string("--in-memory")), args.end());
    if (!has_arg(args, {"--no-shconf"})) args.emplace_back("--no-shconf");
  }
  // Without hugepages EAL reserves only 64 MiB; mbuf pools need more.
  if (has_arg(args, {"--no-huge"}) && !has_arg(args, {"-m", "--socket-mem"})) {
    args.emplace_back("-m");
    args.emplace_back("512");
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0) {
    error = std::string("EAL initialisation failed: ") + rte_strerror(rte_errno);
    return false;
  }
  eal_ready_ = true;
  burst_ = std::min<std::uint16_t>(opt.burst, kMaxBurst);
  tsc_hz_ = rte_get_tsc_hz();
  tsc0_ = rte_rdtsc();
  wall0_ns_ = proto::unix_now_ns();

  const unsigned n_workers = rte_lcore_count();
  rcu_ = std::make_unique<RcuDomain>(n_workers);
  for (unsigned i = 0; i < n_workers; ++i) {
    workers_.push_back(std::make_unique<Worker>(opt.pipeline, i));
    workers_.back()->owner = this;
  }
  unsigned wi = 0;
  unsigned lcore;
  RTE_LCORE_FOREACH(lcore) workers_[wi++]->lcore = lcore;

  // Ports.
  for (const auto& p : opt.ports) {
    std::uint16_t id = 0;
    if (!find_or_probe(p.device, id, error)) return false;
    port_ids_.push_back(id);
    port_names_.push_back(p.name);
  }
  peer_of_.assign(port_ids_.size(), 0xffff);
  for (const auto& [s, n] : opt.pairs) {
    peer_of_[s] = static_cast<std::uint16_t>(n);
    peer_of_[n] = static_cast<std::uint16_t>(s);
  }
  fail_open_.assign(port_ids_.size(), false);
  fail_set_.assign(port_ids_.size(), false);
  for (std::size_t i = 0; i < opt.pairs.size() && i < opt.fail_open.size(); ++i)
    fail_open_[opt.pairs[i].first] = fail_open_[opt.pairs[i].second] = opt.fail_open[i];
  for (std::size_t i = 0; i < opt.pairs.size() && i < opt.fail_set.size(); ++i)
    fail_set_[opt.pairs[i].first] = fail_set_[opt.pairs[i].second] = opt.fail_set[i];

  // One mempool per NUMA socket that has ports.
  std::vector<rte_mempool*> pools(RTE_MAX_NUMA_NODES, nullptr);
  queues_of_.assign(port_ids_.size(), 1);
  for (std::size_t i = 0; i < port_ids_.size(); ++i) {
    const std::uint16_t id = port_ids_[i];
    int socket = rte_eth_dev_socket_id(id);
    if (socket < 0) socket = 0;
    if (pools[socket] == nullptr) {
      const std::string name = "fg_mbufs_" + std::to_string(socket);
      const unsigned count = static_cast<unsigned>(opt.mbufs_per_port * port_ids_.size() + 1024 * n_workers);
      pools[socket] = rte_pktmbuf_pool_create(name.c_str(), count, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
      if (pools[socket] == nullptr) {
        error = "cannot create mbuf pool: " + std::string(rte_strerror(rte_errno));
        return false;
      }
    }
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(id, &info) != 0) {
      error = "cannot query port " + port_names_[i];
      return false;
    }
    std::uint16_t nq = static_cast<std::uint16_t>(std::min<unsigned>({n_workers, info.max_rx_queues, info.max_tx_queues}));
    if (nq == 0) nq = 1;
    rte_eth_conf conf{};
    if (nq > 1 && info.flow_type_rss_offloads != 0) {
      conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
      conf.rx_adv_conf.rss_conf.rss_key = kSymmetricRssKey;
      conf.rx_adv_conf.rss_conf.rss_key_len = sizeof kSymmetricRssKey;
      conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
    } else {
      nq = 1;
    }
    queues_of_[i] = nq;
    if (rte_eth_dev_configure(id, nq, nq, &conf) != 0) {
      error = "cannot configure port " + port_names_[i];
      return false;
    }
    std::uint16_t rxd = kRxDesc, txd = kTxDesc;
    rte_eth_dev_adjust_nb_rx_tx_desc(id, &rxd, &txd);
    for (std::uint16_t q = 0; q < nq; ++q) {
      if (rte_eth_rx_queue_setup(id, q, rxd, static_cast<unsigned>(socket), nullptr, pools[socket]) != 0 ||
          rte_eth_tx_queue_setup(id, q, txd, static_cast<unsigned>(socket), nullptr) != 0) {
        error = "cannot set up queues of port " + port_names_[i];
        return false;
      }
    }
    if (rte_eth_dev_start(id) != 0) {
      error = "cannot start port " + port_names_[i];
      return false;
    }
    rte_eth_promiscuous_enable(id);  // a bridge forwards frames for every MAC
  }

  // Worker w polls queue w of every port that has that many queues (and whose peer does).
  for (std::size_t i = 0; i < port_ids_.size(); ++i) {
    if (peer_of_[i] == 0xffff) continue;
    const std::uint16_t nq = std::min(queues_of_[i], queues_of_[peer_of_[i]]);
    for (std::uint16_t q = 0; q < nq && q < workers_.size(); ++q)
      workers_[q]->rx.emplace_back(static_cast<std::uint16_t>(i), q);
  }
  for (auto& w : workers_) {
    int socket = static_cast<int>(rte_lcore_to_socket_id(w->lcore));
    if (socket < 0 || socket >= RTE_MAX_NUMA_NODES || pools[socket] == nullptr) socket = 0;
    w->pool = pools[socket];
    for (auto* p : pools)
      if (w->pool == nullptr && p != nullptr) w->pool = p;
  }
  return true;
}

void DpdkDataplane::start() {
  if (started_) return;
  started_ = true;
  stop_.store(false, std::memory_order_relaxed);
  for (auto& w : workers_)
    if (w->lcore != rte_get_main_lcore()) rte_eal_remote_launch(&DpdkDataplane::worker_main, w.get(), w->lcore);
}

void DpdkDataplane::run_main() {
  for (auto& w : workers_)
    if (w->lcore == rte_get_main_lcore()) run_worker(*w);
}

void DpdkDataplane::request_stop() noexcept {
  stop_.store(true, std::memory_order_release);  // release: workers see everything before
}

void DpdkDataplane::stop() {
  if (!started_) return;
  request_stop();
  rte_eal_mp_wait_lcore();
  for (std::uint16_t id : port_ids_) rte_eth_dev_stop(id);
  started_ = false;
}

int DpdkDataplane::worker_main(void* arg) {
  auto* w = static_cast<Worker*>(arg);
  w->owner->run_worker(*w);
  return 0;
}

void DpdkDataplane::run_worker(Worker& w) {
  rte_mbuf* mbufs[kMaxBurst];
  Packet pkts[kMaxBurst];
  Packet* burst[kMaxBurst];
  rte_mbuf* tx[kMaxBurst];
  rte_mbuf* tx_back[kMaxBurst];
  rte_mbuf* drop[kMaxBurst];
  std::vector<std::uint64_t> frames(port_ids_.size(), 0);
  std::uint64_t housekeeping_at = 0;

  // Full bursts in a row per polled queue, and whether it is overloaded now (fail-safe).
  std::vector<std::uint32_t> full_streak(w.rx.size(), 0);
  std::vector<bool> overloaded(w.rx.size(), false);

  rcu_->online(w.id);
  while (!stop_.load(std::memory_order_acquire)) {
    w.shared.loops.fetch_add(1, std::memory_order_relaxed);  // relaxed: a progress counter
    rcu_->quiescent(w.id);  // between loops no snapshot pointer is held
    for (std::size_t k = 0; k < w.rx.size(); ++k) {
      const auto [pi, q] = w.rx[k];
      const std::uint16_t port = port_ids_[pi];
      const std::uint16_t n = rte_eth_rx_burst(port, q, mbufs, burst_);
      if (n < burst_ || !fail_set_[pi]) {
        full_streak[k] = 0;
        overloaded[k] = false;
      } else if (++full_streak[k] >= kOverloadBursts && !overloaded[k] && falling_behind(port, q)) {
        overloaded[k] = true;
        w.shared.overload_episodes.fetch_add(1, std::memory_order_relaxed);
      }
      if (n == 0) continue;
      const std::uint64_t now = now_ns();
      w.shared.last_rx_ns.store(now, std::memory_order_relaxed);
      if (overloaded[k]) {
        // Fail-safe: the pair's policy, without the pipeline, until the backlog is gone.
        if (fail_open_[pi]) {
          const std::uint16_t sent = rte_eth_tx_burst(port_ids_[peer_of_[pi]], q, mbufs, n);
          if (sent < n) rte_pktmbuf_free_bulk(mbufs + sent, n - sent);
          w.shared.overload_bypassed.fetch_add(sent, std::memory_order_relaxed);
          if (sent < n) w.shared.tx_failed.fetch_add(n - sent, std::memory_order_relaxed);
        } else {
          rte_pktmbuf_free_bulk(mbufs, n);
          w.shared.overload_dropped.fetch_add(n, std::memory_order_relaxed);
        }
        continue;
      }
      for (std::uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = mbufs[i];
        Packet& p = pkts[i];
        p.data = rte_pktmbuf_mtod(m, std::uint8_t*);
        p.len = rte_pktmbuf_data_len(m);  // first segment: headers and, at standard MTU, all data
        p.in_port = pi;
        p.link = LinkType::Ethernet;
        p.frame = ++frames[pi];
        p.ts_ns = wall0_ns_ + now;
        p.handle = m;
        // A chained mbuf gets no room: a stage that must grow it drops it instead.
        p.headroom = m->nb_segs == 1 ? rte_pktmbuf_headroom(m) : 0;
        p.tailroom = m->nb_segs == 1 ? rte_pktmbuf_tailroom(m) : 0;
        p.reflect = false;
        burst[i] = &p;
      }
      w.pipeline.process(burst, n, now);
      // acquire: the tap's contents; one load per burst, a pointer test when no capture runs
      if (CaptureTap* tap = w.capture.load(std::memory_order_acquire)) tap->offer(burst, n);

      std::uint16_t ntx = 0, nback = 0, ndrop = 0;
      for (std::uint16_t i = 0; i < n; ++i) {
        Packet& p = pkts[i];
        if (p.forwarded()) sync_mbuf(mbufs[i], p.data, p.len);  // a stage may have moved or grown the frame
        if (p.forwarded() && p.reflect) tx_back[nback++] = mbufs[i];
        else if (p.forwarded()) tx[ntx++] = mbufs[i];
        else drop[ndrop++] = mbufs[i];
        if (p.send_reset) {
          // RST to the receiver goes on with the traffic; RST to the sender goes back.
          const bool bare_syn = (p.meta.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn;
          for (bool back : {false, true}) {
            if (!back && bare_syn) continue;  // the server never saw this connection
            rte_mbuf* r = rte_pktmbuf_alloc(w.pool);
            if (r == nullptr) break;
            std::uint8_t* buf = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(r, kMaxResetFrame));
            const std::uint32_t len = buf ? build_tcp_reset(p.data, p.meta, back, buf, kMaxResetFrame) : 0;
            if (len == 0) { rte_pktmbuf_free(r); continue; }
            rte_pktmbuf_trim(r, static_cast<std::uint16_t>(kMaxResetFrame - len));
            if (back) tx_back[nback++] = r; else if (ntx < kMaxBurst) tx[ntx++] = r; else rte_pktmbuf_free(r);
            ++w.resets;
          }
        }
      }
      if (ndrop) rte_pktmbuf_free_bulk(drop, ndrop);
      const std::uint16_t peer = port_ids_[peer_of_[pi]];
      if (ntx) {
        const std::uint16_t sent = rte_eth_tx_burst(peer, q, tx, ntx);
        if (sent < ntx) {
          w.shared.tx_failed.fetch_add(ntx - sent, std::memory_order_relaxed);
          rte_pktmbuf_free_bulk(tx + sent, ntx - sent);
        }
      }
      if (nback) {
        const std::uint16_t sent = rte_eth_tx_burst(port, q, tx_back, nback);
        if (sent < nback) rte_pktmbuf_free_bulk(tx_back + sent, nback - sent);
      }
    }
    w.flows.serve(w.pipeline.flows());  // a flow listing asked by the control thread, if any
    const std::uint64_t now = now_ns();
    if (now >= housekeeping_at) {
      w.pipeline.housekeeping(now);
      housekeeping_at = now + 10'000'000ull;  // every 10 ms
    }
  }
  rcu_->offline(w.id);
}

std::vector<PortCounters> DpdkDataplane::port_counters() const {
  std::vector<PortCounters> out;
  for (std::size_t i = 0; i < port_ids_.size(); ++i) {
    rte_eth_stats st{};
    rte_eth_stats_get(port_ids_[i], &st);
    PortCounters c;
    c.name = port_names_[i];
    c.rx_packets = st.ipackets;
    c.tx_packets = st.opackets;
    c.rx_bytes = st.ibytes;
    c.tx_bytes = st.obytes;
    c.rx_missed = st.imissed;
    c.rx_errors = st.ierrors;
    c.tx_errors = st.oerrors;
    c.rx_nombuf = st.rx_nombuf;
    out.push_back(c);
  }
  return out;
}

std::string DpdkDataplane::port_report() const {
  std::string s;
  for (std::size_t i = 0; i < port_ids_.size(); ++i) {
    rte_eth_stats st{};
    rte_eth_stats_get(port_ids_[i], &st);
    char line[200];
    std::snprintf(line, sizeof line, "  port %-10s rx %llu tx %llu rx_missed %llu rx_errors %llu tx_errors %llu\n",
                  port_names_[i].c_str(), static_cast<unsigned long long>(st.ipackets),
                  static_cast<unsigned long long>(st.opackets), static_cast<unsigned long long>(st.imissed),
                  static_cast<unsigned long long>(st.ierrors), static_cast<unsigned long long>(st.oerrors));
    s += line;
  }
  return s;
}

}  // namespace fg::dp

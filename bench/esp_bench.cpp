// ESP stage throughput on one core: encapsulation (outbound, after the verdicts) and
// decapsulation (inbound, before inspection) of Ethernet frames of a given size, through the
// real TunnelStage with OpenSSL's AES-256-GCM, in bursts of 32 as the workers run it.
// usage: esp_bench FRAME_BYTES [SECONDS]   (prints one line per direction; CPU seconds of this thread)
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dataplane/decode/decode.hpp"
#include "dataplane/tunnel/tunnel.hpp"

using namespace fg::dp;

namespace {

constexpr std::uint16_t kBurst = 32;
constexpr std::uint32_t kSlot = 2048;
constexpr std::uint32_t kHead = 128;

fg::esp::SaSpec sa(std::uint32_t spi, fg::esp::Direction d) {
  fg::esp::SaSpec s;
  s.spi = spi;
  s.dir = d;
  for (std::size_t i = 0; i < s.key.size(); ++i) s.key[i] = static_cast<std::uint8_t>(i * 7 + 1);
  s.salt = {9, 8, 7, 6};
  return s;
}

TunnelSettings settings(std::uint32_t local, std::uint32_t remote) {
  TunnelSettings s;
  s.local_ip = local;
  s.remote_ip = remote;
  s.next_hop_mac = Mac{2, 0, 0, 0, 0, 2};
  s.south_mac = Mac{2, 0, 0, 0, 0, 3};
  s.mtu = 9000;
  s.selectors.emplace_back();
  return s;
}

// An Ethernet/IPv4/UDP frame of `size` bytes.
void make_frame(std::uint8_t* f, std::uint32_t size, std::uint32_t i) {
  std::memset(f, static_cast<int>(i), size);
  const std::uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0};
  std::memcpy(f, eth, 14);
  const std::uint32_t ip_len = size - 14;
  const std::uint8_t ip[20] = {0x45, 0, static_cast<std::uint8_t>(ip_len >> 8), static_cast<std::uint8_t>(ip_len), 0, 0, 0, 0, 64, 17, 0, 0,
                               198, 18, 0, static_cast<std::uint8_t>(1 + i % 200), 198, 18, 1, 1};
  std::memcpy(f + 14, ip, 20);
  const std::uint8_t udp[8] = {0x30, 0x39, 0x01, 0xf6, static_cast<std::uint8_t>((ip_len - 20) >> 8), static_cast<std::uint8_t>(ip_len - 20), 0, 0};
  std::memcpy(f + 34, udp, 8);
}

// CPU time of this thread: what `openssl speed` measures too (user time unless -elapsed), so
// both figures mean "per core" even on a shared machine where we get descheduled.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void report(const char* what, std::uint32_t size, std::uint64_t packets, double secs) {
  const double pps = static_cast<double>(packets) / secs;
  std::printf("%-12s %5u bytes  %10.0f packets/s  %7.3f Gbit/s (frame bytes)\n", what, size, pps, pps * size * 8 / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: esp_bench FRAME_BYTES [SECONDS]\n");
    return 2;
  }
  const std::uint32_t size = static_cast<std::uint32_t>(std::atoi(argv[1]));
  const double secs = argc > 2 ? std::atof(argv[2]) : 3.0;
  if (size < 42 || size > 1514) {
    std::fprintf(stderr, "esp_bench: FRAME_BYTES must be 42..1514\n");
    return 2;
  }
  RcuDomain rcu(1);
  Tunnel gw(settings(0xc612fe01, 0xc6120901), rcu, 1);
  TunnelSettings ps = settings(0xc6120901, 0xc612fe01);
  ps.selectors.clear();
  Tunnel peer(ps, rcu, 1);
  SaChange c;
  std::string err;
  if (!gw.install({sa(0x1001, fg::esp::Direction::Out)}, "bench", c, err) ||
      !peer.install({sa(0x1001, fg::esp::Direction::In)}, "bench", c, err)) {
    std::fprintf(stderr, "esp_bench: %s\n", err.c_str());
    return 1;
  }

  // Outbound: a burst of frames decoded once; each round restores the inner IP header
  // (encryption overwrote it) and the buffer pointers, then encapsulates the burst.
  std::vector<std::uint8_t> mem(std::size_t{kBurst} * kSlot);
  Packet pkts[kBurst];
  Packet* burst[kBurst];
  std::uint8_t headers[kBurst][20];
  for (std::uint16_t i = 0; i < kBurst; ++i) {
    std::uint8_t* f = mem.data() + std::size_t{i} * kSlot + kHead;
    make_frame(f, size, i);
    std::memcpy(headers[i], f + 14, 20);
    pkts[i].data = f;
    pkts[i].len = size;
    decode(f, size, LinkType::Ethernet, pkts[i].meta);
    burst[i] = &pkts[i];
  }
  PacketStage& out = *gw.stage(0);
  std::uint64_t n = 0;
  double t0 = cpu_now();
  while (cpu_now() - t0 < secs) {
    for (int r = 0; r < 64; ++r) {
      for (std::uint16_t i = 0; i < kBurst; ++i) {
        Packet& p = pkts[i];
        p.data = mem.data() + std::size_t{i} * kSlot + kHead;
        std::memcpy(p.data + 14, headers[i], 20);
        p.len = size;
        p.headroom = kHead;
        p.tailroom = kSlot - kHead - size;
        p.reason = DropReason::None;
        p.verdict = Action::Allow;
      }
      out.after(burst, kBurst, 1);
      n += kBurst;
    }
  }
  const double enc_secs = cpu_now() - t0;
  if (gw.totals().encapsulated != n) {
    std::fprintf(stderr, "esp_bench: %llu of %llu packets encapsulated\n",
                 static_cast<unsigned long long>(gw.totals().encapsulated), static_cast<unsigned long long>(n));
    return 1;
  }
  report("encapsulate", size, n, enc_secs);

  // Inbound: batches of ESP frames made by the gateway (untimed), then authenticated,
  // replay-checked and decapsulated by the peer (timed), each frame once.
  constexpr std::uint32_t kBatch = 1024;  // 2 MiB of frames: arriving frames are in cache (DDIO), not in DRAM
  std::vector<std::uint8_t> esp_mem(std::size_t{kBatch} * kSlot);
  std::vector<Packet> ep(kBatch);
  Packet* inspect[kBurst];
  PacketStage& in = *peer.stage(0);
  std::uint64_t m = 0;
  double dec_secs = 0;
  while (dec_secs < secs) {
    for (std::uint32_t b = 0; b < kBatch; b += kBurst) {
      for (std::uint16_t i = 0; i < kBurst; ++i) {
        Packet& p = pkts[i];
        p.data = mem.data() + std::size_t{i} * kSlot + kHead;
        std::memcpy(p.data + 14, headers[i], 20);
        p.len = size;
        p.headroom = kHead;
        p.tailroom = kSlot - kHead - size;
        p.reason = DropReason::None;
      }
      out.after(burst, kBurst, 1);
      for (std::uint16_t i = 0; i < kBurst; ++i) {
        std::uint8_t* slot = esp_mem.data() + std::size_t{b + i} * kSlot;
        std::memcpy(slot + kHead, pkts[i].data, pkts[i].len);
        Packet& q = ep[b + i];
        q = Packet{};
        q.data = slot + kHead;
        q.len = pkts[i].len;
        q.headroom = kHead;
        q.tailroom = kSlot - kHead - q.len;
        q.in_port = 1;
      }
    }
    t0 = cpu_now();
    for (std::uint32_t b = 0; b < kBatch; b += kBurst) {
      Packet* eb[kBurst];
      for (std::uint16_t i = 0; i < kBurst; ++i) eb[i] = &ep[b + i];
      in.before(eb, kBurst, inspect, 1);
    }
    dec_secs += cpu_now() - t0;
    m += kBatch;
  }
  if (peer.totals().decapsulated != m) {
    std::fprintf(stderr, "esp_bench: %llu of %llu packets decapsulated\n",
                 static_cast<unsigned long long>(peer.totals().decapsulated), static_cast<unsigned long long>(m));
    return 1;
  }
  report("decapsulate", size, m, dec_secs);
  return 0;
}

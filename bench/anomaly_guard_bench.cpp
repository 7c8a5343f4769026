// What the anomaly guard costs the workers: the whole pipeline over a capture held in memory,
// in bursts of 32, with the guard's rate tables off, on (defaults), and on with a 1000-pair
// quarantine table that matches nothing. Prints nanoseconds and TSC cycles per packet for
// each, alternating the configurations so machine noise hits them alike.
//   anomaly_guard_bench CAPTURE [ROUNDS [off|on|quarantine]]   (one configuration: for callgrind)
#include <pcap/pcap.h>
#include <x86intrin.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "dataplane/pipeline/pipeline.hpp"
#include "rules/anomaly/dataplane_guard.hpp"

namespace {

class CountingOutput final : public fg::dp::RecordOutput {
 public:
  void audit(const fg::dp::AuditEntry&) noexcept override { ++audits; }
  void event(const fg::dp::EventEntry&) noexcept override { ++events; }
  std::uint64_t audits = 0, events = 0;
};

struct Frame {
  std::vector<std::uint8_t> bytes;
  std::uint64_t ts_ns;
};

std::vector<Frame> load(const char* path) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path, err);
  if (p == nullptr) {
    std::fprintf(stderr, "anomaly_guard_bench: %s\n", err);
    std::exit(1);
  }
  std::vector<Frame> out;
  pcap_pkthdr* h;
  const u_char* d;
  while (pcap_next_ex(p, &h, &d) == 1)
    out.push_back({std::vector<std::uint8_t>(d, d + h->caplen),
                   static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000'000ull + h->ts.tv_usec * 1000ull});
  pcap_close(p);
  return out;
}

// One pass over the capture through a fresh pipeline; returns (ns, cycles) per packet.
std::pair<double, double> run(std::vector<Frame>& frames, const fg::dp::PipelineConfig& cfg) {
  CountingOutput out;
  fg::dp::Pipeline pipeline(cfg, out);
  std::vector<fg::dp::Packet> pkts(32);
  fg::dp::Packet* ptrs[32];
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t c0 = __rdtsc();
  for (std::size_t i = 0; i < frames.size(); i += 32) {
    const std::uint16_t n = static_cast<std::uint16_t>(std::min<std::size_t>(32, frames.size() - i));
    for (std::uint16_t k = 0; k < n; ++k) {
      Frame& f = frames[i + k];
      pkts[k] = fg::dp::Packet{};
      pkts[k].data = f.bytes.data();
      pkts[k].len = static_cast<std::uint32_t>(f.bytes.size());
      pkts[k].ts_ns = f.ts_ns;
      pkts[k].frame = i + k + 1;
      ptrs[k] = &pkts[k];
    }
    pipeline.process(ptrs, n, pkts[n - 1].ts_ns);
  }
  const std::uint64_t c1 = __rdtsc();
  const auto& g = pipeline.anomaly();
  if (g.syn_floods + g.connection_floods + g.quarantine_dropped > 0)
    std::printf("  (guard: %lu SYN floods, %lu connection floods, %lu quarantined packets)\n",
                static_cast<unsigned long>(g.syn_floods), static_cast<unsigned long>(g.connection_floods),
                static_cast<unsigned long>(g.quarantine_dropped));
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  return {ns / static_cast<double>(frames.size()), static_cast<double>(c1 - c0) / static_cast<double>(frames.size())};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: anomaly_guard_bench CAPTURE [ROUNDS]\n");
    return 2;
  }
  std::vector<Frame> frames = load(argv[1]);
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  const std::string only = argc > 3 ? argv[3] : "";
  fg::anomaly::AnomalySettings off_settings;
  off_settings.rates.enabled = false;
  fg::dp::PipelineConfig off;
  off.holes = fg::dp::HolePolicy::Skip;
  off.anomaly = fg::anomaly::make_guard_config(off_settings);
  fg::dp::PipelineConfig on = off;
  on.anomaly = fg::anomaly::make_guard_config(fg::anomaly::AnomalySettings{});
  fg::dp::PipelineConfig quarantined = on;
  quarantined.anomaly = fg::anomaly::make_guard_config(fg::anomaly::AnomalySettings{});
  fg::anomaly::Quarantine q;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    fg::anomaly::QuarantineEntry e;
    e.client.bytes[10] = e.client.bytes[11] = 0xff;
    e.client.bytes[12] = 203;
    e.client.bytes[14] = static_cast<std::uint8_t>(i >> 8);
    e.client.bytes[15] = static_cast<std::uint8_t>(i);
    e.server = e.client;
    e.port = 502;
    q.pairs.push_back(e);
  }
  q.seal();
  quarantined.anomaly.quarantine->store(&q);
  std::printf("%zu packets, %d rounds\n", frames.size(), rounds);
  for (int r = 0; r < rounds; ++r) {
    for (auto [name, key, cfg] : {std::tuple{"guard rates off", "off", &off}, std::tuple{"guard defaults", "on", &on},
                                  std::tuple{"guard + 1000-pair quarantine", "quarantine", &quarantined}}) {
      if (!only.empty() && only != key) continue;
      const auto [ns, cyc] = run(frames, *cfg);
      std::printf("%-30s %7.1f ns/packet %7.0f cycles/packet\n", name, ns, cyc);
    }
  }
  quarantined.anomaly.quarantine->store(nullptr);
  return 0;
}

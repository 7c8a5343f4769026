// Per-protocol parser cost: each capture given is replayed from memory through the pipeline
// many times with the parsers on and off; the difference divided by the PDUs parsed is the
// parsers' cost per PDU (detection, framing, decoding, pairing, record hand-off).
// usage: parser_bench REPEATS CAPTURE...
#include <pcap/pcap.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dataplane/pipeline/pipeline.hpp"
#include "dataplane/port/pcap/pcap_link.hpp"

namespace {

class NullOutput final : public fg::dp::RecordOutput {
 public:
  void audit(const fg::dp::AuditEntry&) noexcept override {}
  void event(const fg::dp::EventEntry&) noexcept override {}
};

struct Capture {
  std::string name;
  fg::dp::LinkType link;
  std::vector<std::vector<std::uint8_t>> frames;
};

struct Result {
  double seconds = 0;
  std::uint64_t pdus = 0;
};

Result run(const Capture& c, bool inspect, int repeats) {
  Result r;
  std::vector<std::vector<std::uint8_t>> copies = c.frames;  // pipeline may not write, but keep inputs pristine
  std::vector<fg::dp::Packet> pkts(copies.size());
  std::vector<fg::dp::Packet*> ptrs(copies.size());
  NullOutput out;
  for (int rep = 0; rep < repeats; ++rep) {
    fg::dp::PipelineConfig cfg;
    cfg.max_flows = 4096;
    cfg.stream_buffers = 256;
    cfg.app.states_per_protocol = 1024;
    cfg.inspect = inspect;
    cfg.holes = fg::dp::HolePolicy::Skip;
    fg::dp::Pipeline p(cfg, out);
    for (std::size_t i = 0; i < copies.size(); ++i) {
      pkts[i] = fg::dp::Packet{};
      pkts[i].data = copies[i].data();
      pkts[i].len = static_cast<std::uint32_t>(copies[i].size());
      pkts[i].link = c.link;
      pkts[i].frame = i + 1;
      ptrs[i] = &pkts[i];
    }
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < ptrs.size(); i += 32) {
      const auto n = static_cast<std::uint16_t>(ptrs.size() - i < 32 ? ptrs.size() - i : 32);
      p.process(ptrs.data() + i, n, 0);
    }
    r.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto v : p.app().pdus) r.pdus += v;
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: parser_bench REPEATS CAPTURE...\n");
    return 2;
  }
  const int repeats = std::atoi(argv[1]);
  std::printf("%-48s %10s %12s %12s %10s\n", "capture", "PDUs", "PDUs/s", "ns/PDU", "packets");
  for (int a = 2; a < argc; ++a) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* pc = pcap_open_offline(argv[a], err);
    if (pc == nullptr) {
      std::fprintf(stderr, "%s: %s\n", argv[a], err);
      continue;
    }
    Capture c;
    c.name = argv[a];
    c.name = c.name.substr(c.name.find_last_of('/') + 1);
    const auto link = fg::dp::link_type_from_dlt(pcap_datalink(pc));
    if (!link) {
      pcap_close(pc);
      continue;
    }
    c.link = *link;
    pcap_pkthdr* h;
    const u_char* d;
    while (pcap_next_ex(pc, &h, &d) == 1) c.frames.emplace_back(d, d + h->caplen);
    pcap_close(pc);
    const Result off = run(c, false, repeats);
    const Result on = run(c, true, repeats);
    const double parse_s = on.seconds - off.seconds;
    const double ns = on.pdus ? parse_s * 1e9 / static_cast<double>(on.pdus) : 0;
    std::printf("%-48s %10llu %12.0f %12.1f %10zu\n", c.name.c_str(),
                static_cast<unsigned long long>(on.pdus / static_cast<std::uint64_t>(repeats)),
                ns > 0 ? 1e9 / ns : 0.0, ns, c.frames.size());
  }
  return 0;
}

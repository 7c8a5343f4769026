// Micro-benchmark of the decode stage: decodes the frames of a capture, held in memory, N million times.
//
// Usage: decode_bench CAPTURE [MILLIONS [MAX_FRAMES]]   (e.g. a gen_ics_pcap.py modbus mix)
// MAX_FRAMES keeps only the first frames, to tell decode's own cost (working set in cache) from
// the cost of bringing each frame into the cache (whole capture, tens of MB).
// Prints ns/packet (steady_clock) and TSC cycles/packet (__rdtsc, its rate calibrated against
// steady_clock over the same run). TSC cycles equal core cycles only at the nominal clock.
#include <pcap/pcap.h>
#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dataplane/decode/decode.hpp"
#include "dataplane/decode/link_type.hpp"

namespace {

// Frames laid out back to back at cache-line starts, as a burst of mbufs would be.
constexpr std::size_t kFrameAlign = 64;
constexpr int kRounds = 10;

struct Capture {
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint32_t> offsets;
  std::vector<std::uint32_t> lengths;
  fg::dp::LinkType link = fg::dp::LinkType::Ethernet;
};

bool load(const char* path, std::size_t max_frames, Capture& c) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(path, err);
  if (p == nullptr) {
    std::fprintf(stderr, "decode_bench: %s\n", err);
    return false;
  }
  const auto link = fg::dp::link_type_from_pcap(pcap_datalink(p));
  if (!link) {
    std::fprintf(stderr, "decode_bench: %s: unsupported link type %d\n", path, pcap_datalink(p));
    pcap_close(p);
    return false;
  }
  c.link = *link;
  pcap_pkthdr* h = nullptr;
  const std::uint8_t* data = nullptr;
  while (c.offsets.size() < max_frames && pcap_next_ex(p, &h, &data) == 1) {
    const std::size_t at = (c.bytes.size() + kFrameAlign - 1) / kFrameAlign * kFrameAlign;
    c.bytes.resize(at + h->caplen);
    std::memcpy(c.bytes.data() + at, data, h->caplen);
    c.offsets.push_back(static_cast<std::uint32_t>(at));
    c.lengths.push_back(h->caplen);
  }
  pcap_close(p);
  return !c.offsets.empty();
}

struct Result {
  std::uint64_t errors = 0;
  std::uint64_t sink = 0;  // keeps decoded fields live so the loop is not optimised away
};

// Locals only in the loop: accumulating into captured references cost a third of the time
// in read-modify-write stalls and would have been charged to decode.
[[gnu::noinline]] Result run(const Capture& cap, std::uint64_t packets) {
  const std::uint8_t* bytes = cap.bytes.data();
  const std::uint32_t* offsets = cap.offsets.data();
  const std::uint32_t* lengths = cap.lengths.data();
  const std::size_t frames = cap.offsets.size();
  const fg::dp::LinkType link = cap.link;
  fg::dp::PacketMeta m;
  std::uint64_t errors = 0;
  std::uint64_t sink = 0;
  std::size_t i = 0;
  for (std::uint64_t n = 0; n < packets; ++n) {
    fg::dp::decode(bytes + offsets[i], lengths[i], link, m);
    errors += m.error != fg::dp::DecodeError::None;
    sink += m.sport ^ m.payload_len;
    if (++i == frames) i = 0;
  }
  return {errors, sink};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CAPTURE [MILLIONS [MAX_FRAMES]]\n", argv[0]);
    return 2;
  }
  const double millions = argc > 2 ? std::atof(argv[2]) : 20.0;
  const std::size_t max_frames = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : SIZE_MAX;
  Capture cap;
  if (!load(argv[1], max_frames, cap)) return 1;
  const std::size_t frames = cap.offsets.size();
  const auto total = static_cast<std::uint64_t>(millions * 1e6);

  run(cap, frames);  // warm caches and branch predictors

  // Rounds, reporting the best and the median: on a shared machine other processes preempt or
  // share the core, and the best round is the closest to decode's own cost.
  std::vector<double> ns_per_packet;
  std::uint64_t errors = 0;
  std::uint64_t sink = 0;
  std::uint64_t tsc_total = 0;
  double seconds_total = 0;
  const std::uint64_t per_round = total / kRounds;
  for (int round = 0; round < kRounds; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::uint64_t c0 = __rdtsc();
    const Result r = run(cap, per_round);
    const std::uint64_t c1 = __rdtsc();
    const auto t1 = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(t1 - t0).count();
    ns_per_packet.push_back(seconds * 1e9 / static_cast<double>(per_round));
    tsc_total += c1 - c0;
    seconds_total += seconds;
    errors += r.errors;
    sink += r.sink;
  }
  std::sort(ns_per_packet.begin(), ns_per_packet.end());
  const double tsc_ghz = static_cast<double>(tsc_total) / seconds_total / 1e9;
  const double best = ns_per_packet.front();
  const double median = ns_per_packet[ns_per_packet.size() / 2];
  std::printf("decode_bench: %s, %zu frames, %.0f MB in memory, %d x %llu decodes, %llu errors (sink %llu)\n",
              argv[1], frames, static_cast<double>(cap.bytes.size()) / 1e6, kRounds,
              static_cast<unsigned long long>(per_round), static_cast<unsigned long long>(errors),
              static_cast<unsigned long long>(sink & 0xff));
  std::printf("best   %.2f ns/packet  %.1f TSC cycles/packet  %.2f Mpps\n", best, best * tsc_ghz, 1e3 / best);
  std::printf("median %.2f ns/packet  %.1f TSC cycles/packet  %.2f Mpps  (TSC %.3f GHz)\n", median,
              median * tsc_ghz, 1e3 / median, tsc_ghz);
  return 0;
}

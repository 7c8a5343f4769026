#include "dataplane/port/pcap/pcap_replay.hpp"

#include <pcap/pcap.h>

#include <chrono>
#include <memory>
#include <vector>

#include "dataplane/pipeline/tcp_reset.hpp"
#include "dataplane/port/pcap/pcap_link.hpp"

namespace fg::dp {

namespace {

constexpr std::uint16_t kReplayBurst = 32;
constexpr std::uint32_t kHeadroom = 128;  // room for stages that grow a frame (ESP)
constexpr std::uint32_t kSlotBytes = kHeadroom + 65536 + 64;

struct PcapCloser { void operator()(pcap_t* p) const { pcap_close(p); } };
struct DumperCloser { void operator()(pcap_dumper_t* d) const { pcap_dump_close(d); } };

}  // namespace

ReplayResult replay_capture(const std::string& input, const std::string& output, Pipeline& pipeline) {
  ReplayResult res;
  char err[PCAP_ERRBUF_SIZE] = {};
  std::unique_ptr<pcap_t, PcapCloser> in(
      pcap_open_offline_with_tstamp_precision(input.c_str(), PCAP_TSTAMP_PRECISION_NANO, err));
  if (!in) {
    res.error = err;
    return res;
  }
  const auto link = link_type_from_dlt(pcap_datalink(in.get()));
  if (!link) {
    res.error = std::string("unsupported link type ") + pcap_datalink_val_to_name(pcap_datalink(in.get()));
    return res;
  }
  std::unique_ptr<pcap_dumper_t, DumperCloser> out;
  if (!output.empty()) {
    out.reset(pcap_dump_open(in.get(), output.c_str()));
    if (!out) {
      res.error = pcap_geterr(in.get());
      return res;
    }
  }

  // libpcap's buffer is valid only until the next read: copy a burst into our own slots.
  std::vector<std::uint8_t> slots(std::size_t{kReplayBurst} * kSlotBytes);
  std::vector<pcap_pkthdr> headers(kReplayBurst);
  std::vector<Packet> packets(kReplayBurst);
  Packet* burst[kReplayBurst];
  std::uint8_t rst[kMaxResetFrame];

  const auto start = std::chrono::steady_clock::now();
  std::uint64_t frame = 0;
  bool more = true;
  while (more) {
    std::uint16_t n = 0;
    while (n < kReplayBurst) {
      pcap_pkthdr* h = nullptr;
      const u_char* data = nullptr;
      const int rc = pcap_next_ex(in.get(), &h, &data);
      if (rc != 1) {
        if (rc == PCAP_ERROR) res.error = pcap_geterr(in.get());  // truncated file: keep what we read
        more = false;
        break;
      }
      ++frame;
      const std::uint32_t len = h->caplen < kSlotBytes - kHeadroom ? h->caplen : kSlotBytes - kHeadroom;
      std::uint8_t* slot = slots.data() + std::size_t{n} * kSlotBytes + kHeadroom;
      std::memcpy(slot, data, len);
      headers[n] = *h;
      Packet& p = packets[n];
      p = Packet{};
      p.data = slot;
      p.len = len;
      p.link = *link;
      p.headroom = kHeadroom;
      p.tailroom = kSlotBytes - kHeadroom - len;
      p.frame = frame;
      p.ts_ns = static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(h->ts.tv_usec);
      burst[n] = &p;
      ++n;
    }
    if (n == 0) break;
    pipeline.process(burst, n, packets[n - 1].ts_ns);
    for (std::uint16_t i = 0; i < n; ++i) {
      const Packet& p = packets[i];
      if (p.forwarded() && out) {
        if (p.len != headers[i].caplen) headers[i].caplen = headers[i].len = p.len;  // a stage rewrote it
        pcap_dump(reinterpret_cast<u_char*>(out.get()), &headers[i], p.data);
        ++res.written;
      }
      if (p.send_reset && *link == LinkType::Ethernet) {
        for (bool back : {false, true}) {
          if (back == false && (p.meta.tcp_flags & kTcpSyn) && !(p.meta.tcp_flags & kTcpAck)) continue;
          const std::uint32_t rlen = build_tcp_reset(p.data, p.meta, back, rst, sizeof rst);
          if (rlen == 0) continue;
          ++res.resets;
          if (out) {
            pcap_pkthdr rh = headers[i];
            rh.caplen = rh.len = rlen;
            pcap_dump(reinterpret_cast<u_char*>(out.get()), &rh, rst);
          }
        }
      }
    }
    res.packets += n;
    pipeline.housekeeping(packets[n - 1].ts_ns);
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (out) pcap_dump_flush(out.get());
  res.ok = true;
  return res;
}

}  // namespace fg::dp

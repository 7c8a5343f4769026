#include "dataplane/port/pcap/pcap_live.hpp"

#include <pcap/pcap.h>
#include <poll.h>

#include <cstring>

#include "dataplane/pipeline/tcp_reset.hpp"
#include "dataplane/port/pcap/pcap_link.hpp"

namespace fg::dp {

namespace {
constexpr std::uint16_t kBurst = 32;
constexpr std::uint32_t kSnap = 65535;
constexpr std::uint32_t kHeadroom = 128;  // room for stages that grow a frame (ESP)
constexpr std::uint32_t kSlot = kHeadroom + kSnap + 64;
}  // namespace

struct PcapBridge::Impl {
  std::vector<pcap_t*> handles;
  std::vector<LinkType> links;
  std::vector<std::uint32_t> peer;
  std::vector<std::uint64_t> frames;
  std::vector<std::uint8_t> slots = std::vector<std::uint8_t>(std::size_t{kBurst} * kSlot);
  Packet packets[kBurst];
  Packet* burst[kBurst];
  ~Impl() {
    for (pcap_t* h : handles) pcap_close(h);
  }
};

PcapBridge::PcapBridge() : impl_(std::make_unique<Impl>()) {}
PcapBridge::~PcapBridge() = default;

bool PcapBridge::open(const std::vector<std::string>& ifaces,
                      const std::vector<std::pair<std::uint32_t, std::uint32_t>>& pairs, std::string& error) {
  char err[PCAP_ERRBUF_SIZE] = {};
  for (const auto& name : ifaces) {
    pcap_t* h = pcap_create(name.c_str(), err);
    if (h == nullptr) {
      error = name + ": " + err;
      return false;
    }
    impl_->handles.push_back(h);
    pcap_set_snaplen(h, kSnap);
    pcap_set_promisc(h, 1);
    pcap_set_immediate_mode(h, 1);
    if (pcap_activate(h) < 0) {
      error = name + ": " + pcap_geterr(h);
      return false;
    }
    pcap_setdirection(h, PCAP_D_IN);
    if (pcap_setnonblock(h, 1, err) != 0) {
      error = name + ": " + err;
      return false;
    }
    const auto link = link_type_from_dlt(pcap_datalink(h));
    if (!link) {
      error = name + ": unsupported link type";
      return false;
    }
    impl_->links.push_back(*link);
  }
  impl_->peer.assign(ifaces.size(), UINT32_MAX);
  impl_->frames.assign(ifaces.size(), 0);
  for (const auto& [s, n] : pairs) {
    impl_->peer[s] = n;
    impl_->peer[n] = s;
  }
  return true;
}

std::uint32_t PcapBridge::poll_once(Pipeline& pipeline, int timeout_ms, std::uint64_t now_ns) {
  Impl& im = *impl_;
  std::vector<pollfd> fds;
  for (pcap_t* h : im.handles) fds.push_back({pcap_get_selectable_fd(h), POLLIN, 0});
  if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return 0;
  std::uint32_t total = 0;
  for (std::size_t i = 0; i < im.handles.size(); ++i) {
    if (!(fds[i].revents & POLLIN) || im.peer[i] == UINT32_MAX) continue;
    std::uint16_t n = 0;
    while (n < kBurst) {
      pcap_pkthdr* h = nullptr;
      const u_char* data = nullptr;
      if (pcap_next_ex(im.handles[i], &h, &data) != 1) break;
      std::uint8_t* slot = im.slots.data() + std::size_t{n} * kSlot + kHeadroom;
      const std::uint32_t len = h->caplen < kSnap ? h->caplen : kSnap;
      std::memcpy(slot, data, len);
      Packet& p = im.packets[n];
      p = Packet{};
      p.data = slot;
      p.len = len;
      p.link = im.links[i];
      p.headroom = kHeadroom;
      p.tailroom = kSlot - kHeadroom - len;
      p.in_port = static_cast<std::uint16_t>(i);
      p.frame = ++im.frames[i];
      p.ts_ns = static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(h->ts.tv_usec) * 1000ull;
      im.burst[n] = &p;
      ++n;
    }
    if (n == 0) continue;
    pipeline.process(im.burst, n, now_ns);
    if (capture_ != nullptr) capture_->offer(im.burst, n);
    pcap_t* out = im.handles[im.peer[i]];
    std::uint8_t rst[kMaxResetFrame];
    for (std::uint16_t k = 0; k < n; ++k) {
      const Packet& p = im.packets[k];
      if (p.forwarded()) {
        if (pcap_inject(p.reflect ? im.handles[i] : out, p.data, p.len) < 0) ++stats_.inject_failed;
        else ++stats_.injected;
      }
      if (p.send_reset && p.link == LinkType::Ethernet) {
        const bool bare_syn = (p.meta.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn;
        for (bool back : {false, true}) {
          if (!back && bare_syn) continue;
          const std::uint32_t rlen = build_tcp_reset(p.data, p.meta, back, rst, sizeof rst);
          if (rlen == 0) continue;
          pcap_inject(back ? im.handles[i] : out, rst, rlen);
          ++stats_.resets;
        }
      }
    }
    total += n;
  }
  pipeline.housekeeping(now_ns);
  return total;
}

}  // namespace fg::dp

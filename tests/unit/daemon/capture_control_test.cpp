// capture start|stop|status: a BPF filter selects frames offered by a worker, the control
// side writes them to a pcap file in the capture directory, within its size bound.
#include <catch2/catch.hpp>
#include <pcap/pcap.h>

#include <filesystem>

#include "daemon/control/capture_control.hpp"

using namespace fg::daemon;
namespace fs = std::filesystem;

namespace {

// An Ethernet/IPv4/TCP frame to `dport`.
std::vector<std::uint8_t> tcp_frame(std::uint16_t dport) {
  std::vector<std::uint8_t> f(54, 0);
  f[12] = 0x08;                      // IPv4
  f[14] = 0x45;                      // version, IHL
  f[17] = 40;                        // total length
  f[22] = 64;                        // TTL
  f[23] = 6;                         // TCP
  f[26] = 198; f[27] = 18; f[29] = 1;
  f[30] = 198; f[31] = 18; f[33] = 2;
  f[34] = 0x9c; f[35] = 0x40;        // sport 40000
  f[36] = static_cast<std::uint8_t>(dport >> 8);
  f[37] = static_cast<std::uint8_t>(dport);
  f[46] = 0x50;                      // data offset
  return f;
}

struct Rig {
  fs::path dir;
  fg::dp::CaptureTap* tap = nullptr;
  std::unique_ptr<CaptureControl> cc;
  ControlState state;
  Rig() {
    char tmpl[] = "/tmp/fg-capture-XXXXXX";
    dir = mkdtemp(tmpl);
    CaptureHooks h;
    h.workers = 1;
    h.install = [this](std::uint32_t, fg::dp::CaptureTap* t) { tap = t; };
    h.grace_start = [] { return std::uint64_t{0}; };
    h.grace_done = [](std::uint64_t) { return true; };
    cc = std::make_unique<CaptureControl>(dir.string(), h);
    cc->register_command(state);
  }
  ~Rig() {
    cc.reset();
    fs::remove_all(dir);
  }
  ControlReply run(const std::string& json) { return state.commands.at("capture")(YAML::Load(json)); }
  void offer(std::uint16_t dport, int n) {
    auto f = tcp_frame(dport);
    fg::dp::Packet p;
    p.data = f.data();
    p.len = static_cast<std::uint32_t>(f.size());
    p.ts_ns = 1'700'000'000'123'456'000ull;
    fg::dp::Packet* burst[1] = {&p};
    for (int i = 0; i < n; ++i) tap->offer(burst, 1);
  }
};

int packets_in(const std::string& path) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  REQUIRE(p != nullptr);
  pcap_pkthdr* h;
  const u_char* d;
  int n = 0;
  while (pcap_next_ex(p, &h, &d) == 1) {
    CHECK(h->ts.tv_sec == 1'700'000'000);
    CHECK(h->ts.tv_usec == 123'456);
    ++n;
  }
  pcap_close(p);
  return n;
}

}  // namespace

TEST_CASE("a capture keeps the frames its filter accepts and stops on request") {
  Rig r;
  const ControlReply started = r.run(R"({"args":{"op":"start","file":"a.pcap","filter":"tcp dst port 502"}})");
  INFO(started.error);
  REQUIRE(started.ok);
  REQUIRE(r.tap != nullptr);
  r.offer(502, 5);
  r.offer(20000, 7);
  r.cc->poll();
  CHECK(r.run(R"({"args":{"op":"status"}})").data.find("\"packets\":5") != std::string::npos);
  const ControlReply stopped = r.run(R"({"args":{"op":"stop"}})");
  REQUIRE(stopped.ok);
  CHECK(stopped.data.find("\"running\":false") != std::string::npos);
  CHECK(r.tap == nullptr);  // uninstalled before the file closed
  CHECK(packets_in((r.dir / "a.pcap").string()) == 5);
  CHECK_FALSE(r.run(R"({"args":{"op":"stop"}})").ok);
}

TEST_CASE("a capture ends by itself at its size bound") {
  Rig r;
  REQUIRE(r.run(R"({"args":{"op":"start","file":"b.pcap","filter":"","max_bytes":700}})").ok);
  r.offer(502, 50);
  r.cc->poll();
  const ControlReply st = r.run(R"({"args":{"op":"status"}})");
  CHECK(st.data.find("\"running\":false") != std::string::npos);
  CHECK(st.data.find("size limit reached") != std::string::npos);
  CHECK(packets_in((r.dir / "b.pcap").string()) == 10);  // 10 x (16 + 54) = 700 bytes
}

TEST_CASE("capture refuses bad filters, paths outside its directory and existing files") {
  Rig r;
  const ControlReply bad = r.run(R"({"args":{"op":"start","file":"c.pcap","filter":"tcp port"}})");
  CHECK_FALSE(bad.ok);
  CHECK(bad.error.find("bad filter") != std::string::npos);
  CHECK_FALSE(r.run(R"({"args":{"op":"start","file":"../etc/x.pcap"}})").ok);
  CHECK_FALSE(r.run(R"({"args":{"op":"start","file":"d.pcap","max_seconds":0}})").ok);
  REQUIRE(r.run(R"({"args":{"op":"start","file":"e.pcap"}})").ok);
  CHECK_FALSE(r.run(R"({"args":{"op":"start","file":"f.pcap"}})").ok);  // one at a time
  REQUIRE(r.run(R"({"args":{"op":"stop"}})").ok);
  CHECK_FALSE(r.run(R"({"args":{"op":"start","file":"e.pcap"}})").ok);  // never overwrites
  CHECK_FALSE(r.run(R"({"args":{"op":"rewind"}})").ok);
}

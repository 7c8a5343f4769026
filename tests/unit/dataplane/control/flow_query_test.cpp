// Flow listings for the control plane: filters, top-N by packets or bytes, and the mailbox
// through which a worker thread answers between its bursts.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "dataplane/control/flow_mailbox.hpp"

using namespace fg::dp;

namespace {

struct NoRelease final : FlowReleaser {
  void release(Flow&) noexcept override {}
};

IpAddr v4(std::uint8_t last) {
  IpAddr a;
  a.bytes[10] = a.bytes[11] = 0xff;
  a.bytes[12] = 198;
  a.bytes[13] = 18;
  a.bytes[15] = last;
  return a;
}

// Flow i: 198.18.0.1:(40000+i) -> 198.18.0.(2 + i % 3):(i even ? 502 : 20000), i+1 packets, 100*(10-i) bytes.
void fill(FlowTable& t, int n) {
  for (int i = 0; i < n; ++i) {
    PacketMeta m;
    m.src = v4(1);
    m.dst = v4(static_cast<std::uint8_t>(2 + i % 3));
    m.sport = static_cast<std::uint16_t>(40000 + i);
    m.dport = i % 2 == 0 ? 502 : 20000;
    m.ip_proto = i == 9 ? 17 : 6;
    bool from_lo = false;
    const FlowKey k = make_flow_key(m, from_lo);
    Flow* f = t.insert(k, hash_flow_key(k), 1000, FlowClass::Established);
    REQUIRE(f != nullptr);
    f->pkts[0] = static_cast<std::uint32_t>(i + 1);
    f->bytes[0] = static_cast<std::uint64_t>(100 * (10 - i));
    f->app_proto = i % 2 == 0 ? 1 : 6;  // modbus, dnp3
  }
}

}  // namespace

TEST_CASE("filters select by address, port, IP protocol and application") {
  NoRelease r;
  FlowTable t(64, {}, &r);
  fill(t, 10);
  FlowInfo out[64];
  std::uint64_t matched = 0;
  CHECK(query_flows(t, {}, FlowOrder::Table, out, 64, matched) == 10);
  CHECK(matched == 10);
  FlowFilter port;
  port.port = 502;
  CHECK(query_flows(t, port, FlowOrder::Table, out, 64, matched) == 5);
  FlowFilter addr;
  addr.addr = v4(3);
  addr.has_addr = true;
  query_flows(t, addr, FlowOrder::Table, out, 64, matched);
  CHECK(matched == 3);  // i = 1, 4, 7
  FlowFilter udp;
  udp.ip_proto = 17;
  query_flows(t, udp, FlowOrder::Table, out, 64, matched);
  CHECK(matched == 1);
  FlowFilter app;
  app.app_proto = 6;
  query_flows(t, app, FlowOrder::Table, out, 64, matched);
  CHECK(matched == 5);
  // A cap smaller than the matches: that many copied, all counted.
  CHECK(query_flows(t, {}, FlowOrder::Table, out, 3, matched) == 3);
  CHECK(matched == 10);
}

TEST_CASE("top N keeps the largest flows by packets or by bytes") {
  NoRelease r;
  FlowTable t(64, {}, &r);
  fill(t, 10);
  FlowInfo out[3];
  std::uint64_t matched = 0;
  REQUIRE(query_flows(t, {}, FlowOrder::Packets, out, 3, matched) == 3);
  std::vector<std::uint32_t> pk;
  for (const auto& f : out) pk.push_back(f.pkts[0]);
  std::sort(pk.begin(), pk.end());
  CHECK(pk == std::vector<std::uint32_t>{8, 9, 10});
  REQUIRE(query_flows(t, {}, FlowOrder::Bytes, out, 3, matched) == 3);
  std::vector<std::uint64_t> by;
  for (const auto& f : out) by.push_back(f.bytes[0]);
  std::sort(by.begin(), by.end());
  CHECK(by == std::vector<std::uint64_t>{800, 900, 1000});
}

TEST_CASE("a worker thread answers a posted request between its bursts") {
  NoRelease r;
  FlowTable t(64, {}, &r);
  fill(t, 10);
  FlowMailbox box(16);
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    while (!stop.load(std::memory_order_relaxed)) box.serve(t);  // the worker's loop
  });
  FlowRequest req;
  req.filter.port = 20000;
  req.max = 100;  // capped to the mailbox's capacity
  REQUIRE(box.post(req));
  while (!box.answered()) std::this_thread::yield();
  CHECK(box.count() == 5);
  CHECK(box.matched() == 5);
  for (std::uint32_t i = 0; i < box.count(); ++i) CHECK((box.results()[i].key.port_lo == 20000 || box.results()[i].key.port_hi == 20000));
  req.order = FlowOrder::Packets;
  req.max = 1;
  REQUIRE(box.post(req));
  while (!box.answered()) std::this_thread::yield();
  CHECK(box.count() == 1);
  CHECK(box.results()[0].pkts[0] == 10);
  stop = true;
  worker.join();
}

TEST_CASE("a second request waits until the worker answered the first") {
  NoRelease r;
  FlowTable t(8, {}, &r);
  FlowMailbox box(4);
  REQUIRE(box.post({}));
  CHECK_FALSE(box.answered());
  CHECK_FALSE(box.post({}));  // the buffer is the worker's until it answers
  box.serve(t);
  CHECK(box.answered());
  CHECK(box.post({}));
}

TEST_CASE("a large table is listed over several serves, a chunk each") {
  NoRelease r;
  FlowTable t(16384, {}, &r);
  fill(t, 10);
  FlowMailbox box(16);
  REQUIRE(box.post({}));
  int serves = 0;
  while (!box.answered()) {
    box.serve(t);
    ++serves;
  }
  CHECK(serves > 1);  // more hash slots than one chunk
  CHECK(box.count() == 10);
  CHECK(box.matched() == 10);
}

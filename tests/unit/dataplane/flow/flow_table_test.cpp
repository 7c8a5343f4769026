// Flow table: symmetric keys, capacity, idle timeouts, eviction order under pressure.
#include <catch2/catch.hpp>

#include "dataplane/flow/flow_table.hpp"

using namespace fg::dp;

namespace {

PacketMeta tcp_meta(std::uint8_t a, std::uint8_t b, std::uint16_t sport, std::uint16_t dport) {
  PacketMeta m;
  m.src.bytes[10] = m.src.bytes[11] = 0xff;
  m.dst.bytes[10] = m.dst.bytes[11] = 0xff;
  m.src.bytes[12] = 10; m.src.bytes[15] = a;
  m.dst.bytes[12] = 10; m.dst.bytes[15] = b;
  m.sport = sport;
  m.dport = dport;
  m.ip_proto = 6;
  m.l4 = L4::Tcp;
  return m;
}

struct CountingReleaser final : FlowReleaser {
  int released = 0;
  void release(Flow&) noexcept override { ++released; }
};

Flow* add(FlowTable& t, const PacketMeta& m, std::uint64_t now, FlowClass cls) {
  bool from_lo = false;
  const FlowKey k = make_flow_key(m, from_lo);
  return t.insert(k, hash_flow_key(k), now, cls);
}

Flow* get(FlowTable& t, const PacketMeta& m) {
  bool from_lo = false;
  const FlowKey k = make_flow_key(m, from_lo);
  return t.find(k, hash_flow_key(k));
}

}  // namespace

TEST_CASE("both directions of a conversation share one key") {
  bool a_lo = false, b_lo = false;
  const FlowKey a = make_flow_key(tcp_meta(1, 2, 40000, 502), a_lo);
  const FlowKey b = make_flow_key(tcp_meta(2, 1, 502, 40000), b_lo);
  CHECK(a == b);
  CHECK(hash_flow_key(a) == hash_flow_key(b));
  CHECK(a_lo != b_lo);
}

TEST_CASE("the hash computed while building a key equals the hash of the stored key") {
  for (int i = 0; i < 100; ++i) {
    PacketMeta m = tcp_meta(static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(255 - i),
                            static_cast<std::uint16_t>(1000 + i * 7), static_cast<std::uint16_t>(502 + i % 3));
    m.vlan_outer = static_cast<std::uint16_t>(i % 5);
    FlowKey k;
    bool lo = false;
    const std::uint64_t h = make_flow_key(m, k, lo);
    CHECK(h == hash_flow_key(k));
  }
}

TEST_CASE("VLAN and protocol separate otherwise equal flows") {
  bool lo = false;
  PacketMeta m = tcp_meta(1, 2, 1, 2);
  const FlowKey a = make_flow_key(m, lo);
  m.vlan_outer = 7;
  const FlowKey b = make_flow_key(m, lo);
  m.vlan_outer = 0;
  m.ip_proto = 17;
  const FlowKey c = make_flow_key(m, lo);
  CHECK_FALSE(a == b);
  CHECK_FALSE(a == c);
}

TEST_CASE("a flow is found after insert and gone after remove") {
  CountingReleaser rel;
  FlowTable t(64, {}, &rel);
  Flow* f = add(t, tcp_meta(1, 2, 1000, 502), 0, FlowClass::Embryonic);
  REQUIRE(f != nullptr);
  CHECK(get(t, tcp_meta(2, 1, 502, 1000)) == f);
  t.remove(*f);
  CHECK(get(t, tcp_meta(1, 2, 1000, 502)) == nullptr);
  CHECK(rel.released == 1);
  CHECK(t.size() == 0);
}

TEST_CASE("removing flows keeps every other flow findable (backward-shift deletion)") {
  FlowTable t(1024, {}, nullptr);
  std::vector<PacketMeta> metas;
  for (int i = 0; i < 1000; ++i) {
    metas.push_back(tcp_meta(static_cast<std::uint8_t>(i % 250), 200, static_cast<std::uint16_t>(1000 + i), 502));
    REQUIRE(add(t, metas.back(), 0, FlowClass::Established) != nullptr);
  }
  for (int i = 0; i < 1000; i += 3) t.remove(*get(t, metas[i]));
  for (int i = 0; i < 1000; ++i) CHECK((get(t, metas[i]) != nullptr) == (i % 3 != 0));
}

TEST_CASE("idle flows expire by class timeout, active ones stay") {
  FlowTimeouts to;
  to.embryonic_ns = 10;
  to.established_ns = 100;
  FlowTable t(64, to, nullptr);
  Flow* half_open = add(t, tcp_meta(1, 2, 1, 502), 0, FlowClass::Embryonic);
  Flow* busy = add(t, tcp_meta(3, 2, 2, 502), 0, FlowClass::Established);
  REQUIRE(half_open);
  REQUIRE(busy);
  t.touch(*busy, 50, FlowClass::Established);
  CHECK(t.expire(60, 100) == 1);
  CHECK(get(t, tcp_meta(1, 2, 1, 502)) == nullptr);
  CHECK(get(t, tcp_meta(3, 2, 2, 502)) != nullptr);
  // Active since it was queued: re-queued, not removed.
  CHECK(t.expire(149, 100) == 0);
  CHECK(get(t, tcp_meta(3, 2, 2, 502)) != nullptr);
  // Idle for more than a timeout: gone within two timeouts of its last packet.
  CHECK(t.expire(250, 100) == 1);
  CHECK(get(t, tcp_meta(3, 2, 2, 502)) == nullptr);
  CHECK(t.stats().expired == 2);
}

TEST_CASE("a flow kept busy never expires, however long it lives") {
  FlowTimeouts to;
  to.established_ns = 100;
  FlowTable t(64, to, nullptr);
  Flow* f = add(t, tcp_meta(3, 2, 2, 502), 0, FlowClass::Established);
  for (std::uint64_t now = 10; now < 10'000; now += 10) {
    t.touch(*f, now, FlowClass::Established);
    t.expire(now, 8);
  }
  CHECK(get(t, tcp_meta(3, 2, 2, 502)) == f);
}

TEST_CASE("a full table evicts the oldest half-open flow, never an established one") {
  FlowTable t(16, {}, nullptr);
  for (int i = 0; i < 8; ++i) REQUIRE(add(t, tcp_meta(1, 2, static_cast<std::uint16_t>(100 + i), 502), 0, FlowClass::Established));
  for (int i = 0; i < 8; ++i) REQUIRE(add(t, tcp_meta(9, 2, static_cast<std::uint16_t>(200 + i), 502), i, FlowClass::Embryonic));
  CHECK(t.size() == 16);
  // A SYN flood: 100 new half-open flows push out only half-open ones.
  for (int i = 0; i < 100; ++i) REQUIRE(add(t, tcp_meta(66, 2, static_cast<std::uint16_t>(5000 + i), 502), 100, FlowClass::Embryonic));
  for (int i = 0; i < 8; ++i) CHECK(get(t, tcp_meta(1, 2, static_cast<std::uint16_t>(100 + i), 502)) != nullptr);
  CHECK(get(t, tcp_meta(9, 2, 200, 502)) == nullptr);
  CHECK(t.stats().evicted == 100);
}

TEST_CASE("a table full of established flows refuses new ones and counts it") {
  FlowTable t(16, {}, nullptr);
  for (int i = 0; i < 16; ++i) REQUIRE(add(t, tcp_meta(1, 2, static_cast<std::uint16_t>(100 + i), 502), 0, FlowClass::Established));
  CHECK(add(t, tcp_meta(3, 4, 5, 6), 0, FlowClass::Embryonic) == nullptr);
  CHECK(t.stats().table_full == 1);
  CHECK(t.size() == 16);
}

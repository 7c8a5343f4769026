// The identity stage inside a real pipeline: bindings pass, spoofing, unknown devices, wrong
// VLANs, ARP poisoning and certificate devices without a lease are dropped (enforce) or only
// reported (monitor), each with a finding naming what was expected and what was seen.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/identity/identity_stage.hpp"
#include "dataplane/pipeline/pipeline.hpp"

using namespace fg::dp;

namespace {

class NullOutput final : public RecordOutput {
 public:
  void audit(const AuditEntry&) noexcept override {}
  void event(const EventEntry&) noexcept override {}
};

Mac mac(std::uint8_t last) { return {0x02, 0, 0, 0, 0, last}; }
IpAddr ip4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddr ip{};
  ip.bytes[10] = ip.bytes[11] = 0xff;
  ip.bytes[12] = a; ip.bytes[13] = b; ip.bytes[14] = c; ip.bytes[15] = d;
  return ip;
}

// Appends bytes to a frame sized up front: GCC 12 warns falsely (-Warray-bounds) when a
// vector grows by insert here.
struct FrameBuilder {
  std::vector<std::uint8_t> f = std::vector<std::uint8_t>(128, 0);
  std::size_t n = 0;
  FrameBuilder& put(std::initializer_list<std::uint8_t> bytes) {
    for (std::uint8_t b : bytes) f[n++] = b;
    return *this;
  }
  template <class It>
  FrameBuilder& put(It first, It last) {
    for (; first != last; ++first) f[n++] = *first;
    return *this;
  }
  std::vector<std::uint8_t> done() { f.resize(n); return f; }
};

// Ethernet (optionally 802.1Q) / IPv4 / TCP SYN from src to dst:dport.
std::vector<std::uint8_t> tcp_frame(const Mac& src_mac, const IpAddr& src, const IpAddr& dst, std::uint16_t dport,
                                    std::uint16_t vlan = 0) {
  FrameBuilder b;
  b.put({0x02, 0, 0, 0, 0, 0xfe}).put(src_mac.begin(), src_mac.end());
  if (vlan != 0) b.put({0x81, 0x00, static_cast<std::uint8_t>(vlan >> 8), static_cast<std::uint8_t>(vlan)});
  b.put({0x08, 0x00, 0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0});
  b.put(src.bytes.begin() + 12, src.bytes.end()).put(dst.bytes.begin() + 12, dst.bytes.end());
  b.put({0x9c, 0x40, static_cast<std::uint8_t>(dport >> 8), static_cast<std::uint8_t>(dport), 0, 0, 0, 1,
         0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0});
  return b.done();
}

// Ethernet / ARP reply: `sender_mac` claims `sender_ip`.
std::vector<std::uint8_t> arp_frame(const Mac& eth_src, const Mac& sender_mac, const IpAddr& sender_ip) {
  FrameBuilder b;
  b.put({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}).put(eth_src.begin(), eth_src.end());
  b.put({0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2}).put(sender_mac.begin(), sender_mac.end());
  b.put(sender_ip.bytes.begin() + 12, sender_ip.bytes.end());
  b.put({0, 0, 0, 0, 0, 0, 198, 18, 0, 99});
  return b.done();
}

struct Bench {
  RcuDomain rcu{1};
  Snapshot<IdentityTable> snap{rcu};
  NullOutput out;
  Pipeline pipeline{PipelineConfig{}, out};
  IdentityStage stage{snap, IdentityStageConfig{.south_ports = 1}};
  std::uint64_t now_ns = 1'000'000'000;

  Bench() { pipeline.set_identity(&stage); }

  void publish(IdentityMode mode, std::uint64_t lease_expires_ns = 0, Mac lease_mac = {}) {
    auto t = std::make_unique<IdentityTable>();
    t->mode = mode;
    t->service_ip = ip4(198, 18, 0, 254);
    t->service_port = 7443;
    IdentityBinding plc;
    std::strcpy(plc.id.data(), "plc-3");
    plc.mac = mac(3); plc.has_mac = true;
    plc.first_ip = ip4(198, 18, 0, 3); plc.has_ip = true;
    t->add_ip(t->add(plc), plc.first_ip);
    IdentityBinding hmi;
    std::strcpy(hmi.id.data(), "hmi-1");
    hmi.mac = mac(20); hmi.has_mac = true; hmi.vlan = 10; hmi.has_vlan = true;
    hmi.first_ip = ip4(198, 18, 0, 20); hmi.has_ip = true;
    t->add_ip(t->add(hmi), hmi.first_ip);
    IdentityBinding rtu;
    std::strcpy(rtu.id.data(), "rtu-7");
    rtu.kind = BindingKind::Certificate;
    rtu.first_ip = ip4(198, 18, 0, 7); rtu.has_ip = true;
    rtu.lease_expires_ns = lease_expires_ns;
    rtu.lease_mac = lease_mac;
    t->add_ip(t->add(rtu), rtu.first_ip);
    t->finish();
    snap.publish(std::move(t));
  }

  // Runs one frame through the pipeline on `port`; true when it was forwarded.
  bool send(std::vector<std::uint8_t> f, std::uint16_t port = 0) {
    Packet p;
    p.data = f.data();
    p.len = static_cast<std::uint32_t>(f.size());
    p.in_port = port;
    p.ts_ns = now_ns;
    Packet* burst[1] = {&p};
    pipeline.process(burst, 1, now_ns);
    now_ns += 1000;
    return p.forwarded();
  }

  std::vector<IdentityObservation> findings() {
    std::vector<IdentityObservation> v;
    stage.findings().drain([&](const IdentityObservation& o) { v.push_back(o); });
    return v;
  }
};

const IpAddr kPlatform = ip4(198, 18, 1, 2);

}  // namespace

TEST_CASE("frames that match their binding pass the identity stage without a finding") {
  Bench b;
  b.publish(IdentityMode::Enforce);
  CHECK(b.send(tcp_frame(mac(3), ip4(198, 18, 0, 3), kPlatform, 502)));
  CHECK(b.send(tcp_frame(mac(20), ip4(198, 18, 0, 20), kPlatform, 502, 10)));
  CHECK(b.send(arp_frame(mac(3), mac(3), ip4(198, 18, 0, 3))));
  CHECK(b.findings().empty());
  CHECK(b.pipeline.stats().dropped[static_cast<int>(DropReason::Identity)] == 0);
}

TEST_CASE("an IP sent from a MAC other than its binding is dropped and reported with both MACs") {
  Bench b;
  b.publish(IdentityMode::Enforce);
  CHECK_FALSE(b.send(tcp_frame(mac(66), ip4(198, 18, 0, 3), kPlatform, 502)));
  const auto f = b.findings();
  REQUIRE(f.size() == 1);
  CHECK(f[0].finding == IdentityFinding::SpoofedIp);
  CHECK(f[0].dropped);
  CHECK(std::string(f[0].device.data()) == "plc-3");
  CHECK(f[0].has_expected_mac);
  CHECK(f[0].expected_mac == mac(3));
  CHECK(f[0].mac == mac(66));
  CHECK(b.pipeline.stats().dropped[static_cast<int>(DropReason::Identity)] == 1);
}

TEST_CASE("monitor mode forwards a violation but still reports it") {
  Bench b;
  b.publish(IdentityMode::Monitor);
  CHECK(b.send(tcp_frame(mac(66), ip4(198, 18, 0, 3), kPlatform, 502)));
  const auto f = b.findings();
  REQUIRE(f.size() == 1);
  CHECK(f[0].finding == IdentityFinding::SpoofedIp);
  CHECK_FALSE(f[0].dropped);
}

TEST_CASE("a known device on the wrong VLAN is dropped and the expected VLAN reported") {
  Bench b;
  b.publish(IdentityMode::Enforce);
  CHECK_FALSE(b.send(tcp_frame(mac(20), ip4(198, 18, 0, 20), kPlatform, 502, 11)));
  const auto f = b.findings();
  REQUIRE(f.size() == 1);
  CHECK(f[0].finding == IdentityFinding::WrongVlan);
  CHECK(f[0].vlan == 11);
  CHECK(f[0].expected_vlan == 10);
}

TEST_CASE("a known MAC with an unbound address is an unknown IP") {
  Bench b;
  b.publish(IdentityMode::Enforce);
  CHECK_FALSE(b.send(tcp_frame(mac(3), ip4(198, 18, 0, 33), kPlatform, 502)));
  const auto f = b.findings();
  REQUIRE(f.size() == 1);
  CHECK(f[0].finding == IdentityFinding::UnknownIp);
  CHECK(f[0].expected_ip == ip4(198, 18, 0, 3));
}

TEST_CASE("an unknown device is dropped, reported once per interval, and discovered with its protocols and peers") {
  Bench b;
  b.publish(IdentityMode::Enforce);
  CHECK_FALSE(b.send(tcp_frame(mac(99), ip4(198, 18, 0, 99), kPlatform, 502)));
  CHECK_FALSE(b.send(tcp_frame(mac(99), ip4(198, 18, 0, 99), kPlatform, 502)));
  CHECK_FALSE(b.send(tcp_frame(mac(99), ip4(198, 18, 0, 99), ip4(198, 18, 1, 3), 102)));
  const auto f = b.findings();
  int unknown = 0, discovered = 0;
  IdentityObservation last_new;
  for (const auto& o : f) {
    unknown += o.finding == IdentityFinding::UnknownDevice;
    if (o.finding == IdentityFinding::NewDevice) { ++discovered; last_new = o; }
  }
  CHECK(unknown == 1);       // rate-limited
  CHECK(discovered == 2);    // first sight, then a new peer and protocol
  CHECK(last_new.peer_count == 2);
  CHECK((last_new.protocols & kSeenModbus) != 0);
  CHECK((last_new.protocols & kSeenS7comm) != 0);
  b.now_ns += 11'000'000'000ull;  // past the report interval: reported again
  CHECK_FALSE(b.send(tcp_frame(mac(99), ip4(198, 18, 0, 99), kPlatform, 502)));
  bool again = false;
  for (const auto& o : b.findings()) again |= o.finding == IdentityFinding::UnknownDevice;
  CHECK(again);
}

TEST_CASE("an ARP reply that would poison a binding is dropped") {
  Bench b;
  b.publish(IdentityMode::Enforce);
  CHECK_FALSE(b.send(arp_frame(mac(66), mac(66), ip4(198, 18, 0, 3))));
  CHECK_FALSE(b.send(arp_frame(mac(66), mac(3), ip4(198, 18, 0, 3))));  // sender field right, Ethernet source not
  const auto f = b.findings();
  REQUIRE(f.size() >= 1);
  CHECK(f[0].finding == IdentityFinding::ArpPoison);
  CHECK(f[0].expected_mac == mac(3));
}

TEST_CASE("a certificate device reaches only the identity service until it holds a lease") {
  Bench b;
  b.publish(IdentityMode::Enforce);
  CHECK_FALSE(b.send(tcp_frame(mac(7), ip4(198, 18, 0, 7), kPlatform, 502)));
  CHECK(b.send(tcp_frame(mac(7), ip4(198, 18, 0, 7), ip4(198, 18, 0, 254), 7443)));
  auto f = b.findings();
  REQUIRE(f.size() == 2);
  CHECK(f[0].finding == IdentityFinding::NotAdmitted);
  CHECK(f[1].finding == IdentityFinding::ServiceContact);
  CHECK(f[1].mac == mac(7));

  // Admitted: its traffic passes; the same IP from another MAC is a spoof.
  b.publish(IdentityMode::Enforce, b.now_ns + 5'000'000'000ull, mac(7));
  CHECK(b.send(tcp_frame(mac(7), ip4(198, 18, 0, 7), kPlatform, 502)));
  CHECK_FALSE(b.send(tcp_frame(mac(77), ip4(198, 18, 0, 7), kPlatform, 502)));
  f = b.findings();
  REQUIRE(f.size() == 1);
  CHECK(f[0].finding == IdentityFinding::SpoofedIp);
  CHECK(f[0].expected_mac == mac(7));

  // The lease runs out in the dataplane itself, without waiting for the control plane.
  b.now_ns += 6'000'000'000ull;
  CHECK_FALSE(b.send(tcp_frame(mac(7), ip4(198, 18, 0, 7), kPlatform, 502)));
}

TEST_CASE("frames from a north port and frames before any table are not checked") {
  Bench b;
  CHECK(b.send(tcp_frame(mac(99), ip4(198, 18, 0, 99), kPlatform, 502)));  // no table yet
  b.publish(IdentityMode::Enforce);
  CHECK(b.send(tcp_frame(mac(99), kPlatform, ip4(198, 18, 0, 3), 502), 1));
  CHECK(b.findings().empty());
}

TEST_CASE("identity lookups find every binding among thousands") {
  IdentityTable t;
  for (int i = 0; i < 5000; ++i) {
    IdentityBinding bd;
    bd.mac = {0x02, 1, 0, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    bd.has_mac = true;
    t.add_ip(t.add(bd), ip4(10, 1, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)));
  }
  t.finish();
  for (int i = 0; i < 5000; ++i) {
    const IdentityBinding* x = t.find_ip(ip4(10, 1, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)));
    REQUIRE(x != nullptr);
    CHECK(x->mac[5] == static_cast<std::uint8_t>(i));
    CHECK(t.find_mac(mac_key(x->mac)) == x);
  }
  CHECK(t.find_ip(ip4(10, 2, 0, 0)) == nullptr);
}

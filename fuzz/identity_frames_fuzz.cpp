// libFuzzer target for the identity stage: byte 0 picks the input port (bit 0: south or
// north) and the mode (bit 1: monitor), the rest is an Ethernet frame. The stage parses ARP
// bodies itself, so frames that decode as ARP with any length reach that code.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/decode/decode.hpp"
#include "dataplane/identity/identity_stage.hpp"

namespace {

using namespace fg::dp;

IpAddr v4(std::uint8_t last) {
  IpAddr ip{};
  ip.bytes[10] = ip.bytes[11] = 0xff;
  ip.bytes[12] = 198; ip.bytes[13] = 18; ip.bytes[14] = 0; ip.bytes[15] = last;
  return ip;
}

std::unique_ptr<IdentityTable> table(IdentityMode mode) {
  auto t = std::make_unique<IdentityTable>();
  t->mode = mode;
  t->service_ip = v4(254);
  t->service_port = 7443;
  const BindingKind kinds[] = {BindingKind::Static, BindingKind::Certificate, BindingKind::None};
  for (std::uint8_t i = 1; i <= 6; ++i) {
    IdentityBinding b;
    std::strcpy(b.id.data(), "dev");
    b.kind = kinds[i % 3];
    b.mac = {0x02, 0, 0, 0, 0, i};
    b.has_mac = i % 2 == 0;
    b.vlan = i;
    b.has_vlan = i == 4;
    b.first_ip = v4(i);
    b.has_ip = true;
    b.lease_mac = b.mac;
    b.lease_expires_ns = i == 5 ? ~0ull : 0;
    t->add_ip(t->add(b), v4(i));
  }
  t->finish();
  return t;
}

struct Rig {
  RcuDomain rcu{1};
  Snapshot<IdentityTable> enforce{rcu}, monitor{rcu};
  IdentityStage enforce_stage{enforce, IdentityStageConfig{.south_ports = 1, .observations = 64, .ring = 64}};
  IdentityStage monitor_stage{monitor, IdentityStageConfig{.south_ports = 1, .observations = 64, .ring = 64}};
  Rig() {
    enforce.publish(table(IdentityMode::Enforce));
    monitor.publish(table(IdentityMode::Monitor));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Rig rig;
  static std::uint64_t now = 1;
  if (size == 0 || size > 0xffff) return 0;
  std::vector<std::uint8_t> frame(data + 1, data + size);  // exact size: ASan sees any overread
  Packet p;
  p.data = frame.data();
  p.len = static_cast<std::uint32_t>(frame.size());
  p.in_port = data[0] & 1;
  decode(p.data, p.len, LinkType::Ethernet, p.meta);
  Packet* burst[1] = {&p};
  const bool monitor = data[0] & 2;
  IdentityStage& stage = monitor ? rig.monitor_stage : rig.enforce_stage;
  now += 1'000'000'000ull * (data[0] >> 2);
  stage.run(burst, 1, now);
  if (monitor && stage.dropped(0)) __builtin_trap();          // monitor mode never drops
  if (p.in_port == 1 && stage.dropped(0)) __builtin_trap();   // north frames are not judged
  stage.findings().drain([](const IdentityObservation& o) {
    if (o.peer_count > IdentityObservation::kMaxPeers) __builtin_trap();
    if (o.device.back() != '\0') __builtin_trap();
  });
  return 0;
}

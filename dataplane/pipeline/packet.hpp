// A packet as the pipeline sees it, whatever port backend received it.
#pragma once

#include <cstdint>

#include "dataplane/decode/packet_meta.hpp"
#include "dataplane/pipeline/verdict.hpp"

namespace fg::dp {

inline constexpr std::uint16_t kMaxBurst = 64;

struct Packet {
  std::uint8_t* data = nullptr;
  std::uint32_t len = 0;
  std::uint16_t in_port = 0;     // port index in the daemon's port list
  LinkType link = LinkType::Ethernet;
  bool send_reset = false;       // verdict Reset: the backend sends RSTs both ways
  std::uint64_t ts_ns = 0;
  std::uint64_t frame = 0;       // 1-based index on its input
  void* handle = nullptr;        // backend's buffer (rte_mbuf*), opaque to the pipeline
  Action verdict = Action::Allow;
  DropReason reason = DropReason::None;
  PacketMeta meta;
  // Room around `data` in the backend's buffer: stages that grow a frame (ESP encapsulation)
  // write into it and move `data`/`len`; the backend sends what `data`/`len` say.
  std::uint16_t headroom = 0;
  std::uint32_t tailroom = 0;
  bool reflect = false;          // forwarded back out of in_port (an ARP answer), not to the peer
  bool protect = false;          // a policy wants this packet in the ESP tunnel (dataplane/tunnel)
  [[nodiscard]] bool forwarded() const noexcept { return reason == DropReason::None; }
};

}  // namespace fg::dp

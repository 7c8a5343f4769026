// What happens to a packet, and the actions a policy may name.
#pragma once

#include <cstdint>
#include <string_view>

namespace fg::dp {

enum class Action : std::uint8_t {
  Allow,  // forward
  Alert,  // forward and raise an event
  Drop,   // drop this packet
  Reset,  // drop and send TCP RST both ways
  Block,  // drop this and every later packet of the flow
};

constexpr std::string_view action_name(Action a) noexcept {
  switch (a) {
    case Action::Allow: return "allow";
    case Action::Alert: return "alert";
    case Action::Drop: return "drop";
    case Action::Reset: return "reset";
    case Action::Block: return "block";
  }
  return "allow";
}

// Why a packet was not forwarded; each has a counter `drop.<name>`.
enum class DropReason : std::uint8_t {
  None,
  Malformed,   // decode error under a drop policy
  NonIp,       // ARP / other ethertypes under a drop policy
  Policy,      // an ACL/rule said drop, reset or block
  Blocked,     // flow blocked earlier
  TableFull,   // no flow entry and the table-full policy is drop
  Identity,    // the identity stage: the frame violates a device binding (enforce mode)
  Tunnel,      // the ESP tunnel dropped it (failed ICV/replay check, no SA, ...): see its counters
  kCount,
};

constexpr std::string_view drop_reason_name(DropReason r) noexcept {
  switch (r) {
    case DropReason::None: return "none";
    case DropReason::Malformed: return "malformed";
    case DropReason::NonIp: return "non_ip";
    case DropReason::Policy: return "policy";
    case DropReason::Blocked: return "blocked";
    case DropReason::TableFull: return "table_full";
    case DropReason::Identity: return "identity";
    case DropReason::Tunnel: return "tunnel";
    case DropReason::kCount: break;
  }
  return "none";
}

}  // namespace fg::dp

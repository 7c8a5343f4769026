// Minimal first-match L3/L4 allow/deny list, evaluated once per new flow.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/decode/packet_meta.hpp"
#include "dataplane/pipeline/verdict.hpp"

namespace fg::rules {

// An address prefix over the 16-byte (IPv4-mapped) address space; prefix_bits 0 = any.
struct Cidr {
  dp::IpAddr addr{};
  std::uint8_t prefix_bits = 0;
  [[nodiscard]] bool contains(const dp::IpAddr& a) const noexcept;
};

struct PortRange {
  std::uint16_t lo = 0;
  std::uint16_t hi = 65535;
  [[nodiscard]] bool contains(std::uint16_t p) const noexcept { return p >= lo && p <= hi; }
};

struct AclRule {
  std::string name;
  dp::Action action = dp::Action::Allow;
  std::uint8_t ip_proto = 0;  // 0 = any
  Cidr src{};
  Cidr dst{};
  PortRange sport{};
  PortRange dport{};
};

// Rules match the flow's first packet as sent by the client (src = client). The rule
// number reported in records is 1-based; 0 means the default action decided.
struct Acl {
  std::vector<AclRule> rules;
  dp::Action default_action = dp::Action::Allow;

  struct Match {
    dp::Action action;
    std::uint32_t rule;  // 1-based index, 0 = default
  };
  [[nodiscard]] Match match(const dp::PacketMeta& m) const noexcept;
  [[nodiscard]] const std::string& rule_name(std::uint32_t rule) const noexcept;
};

// Parses "10.0.0.0/8", "fe80::/10", "192.168.1.7" (host), "any". False on bad input.
bool parse_cidr(std::string_view text, Cidr& out);
// Parses "502", "1000-2000", "any".
bool parse_port_range(std::string_view text, PortRange& out);

}  // namespace fg::rules

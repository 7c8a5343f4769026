// The device inventory: which field devices exist, and what binds each to its identity.
// Declared in the rule file's `devices:` list; rules name devices by id, the identity stage
// checks frames against the bindings (docs/RULES.md, docs/IDENTITY.md).
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/yaml_reader.hpp"
#include "dataplane/decode/packet_meta.hpp"

namespace fg::rules {

struct MacAddr {
  std::array<std::uint8_t, 6> bytes{};
  friend bool operator==(const MacAddr&, const MacAddr&) = default;
};

// How a device proves who it is.
enum class IdentityKind : std::uint8_t {
  Static,       // its MAC/IP/VLAN binding (default)
  Certificate,  // an X.509 certificate presented to the identity service (device SDK)
  None,         // inventory only: named in rules, never checked
};

std::string_view identity_kind_name(IdentityKind k) noexcept;

struct Device {
  std::string id;
  std::optional<MacAddr> mac;
  std::vector<dp::IpAddr> ips;
  std::optional<std::uint16_t> vlan;
  std::string zone;         // "" = any zone
  IdentityKind identity = IdentityKind::Static;
  std::string description;
  int line = 0;             // where it was declared, for diagnostics
  int column = 0;
};

struct Inventory {
  std::vector<Device> devices;
  [[nodiscard]] const Device* find(std::string_view id) const noexcept;
  [[nodiscard]] std::vector<std::string> ids() const;
};

// Reads a `devices:` list; every problem goes to r's diagnostics with its line and column.
// Returns false when any entry was bad (good entries are still added).
bool read_devices(daemon::YamlReader& r, const YAML::Node& list, Inventory& out);

// "00:1b:1b:00:00:03" or "00-1b-1b-00-00-03". False on anything else.
bool parse_mac(std::string_view text, MacAddr& out);
std::string format_mac(const MacAddr& m);
// A single IPv4 or IPv6 address (no prefix), as the 16-byte IPv4-mapped form the dataplane uses.
bool parse_ip(std::string_view text, dp::IpAddr& out);
std::string format_ip(const dp::IpAddr& a);

}  // namespace fg::rules

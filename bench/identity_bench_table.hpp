// For pipeline_bench --identity: an identity table that binds every source address of the
// capture to the MAC it is sent from (static bindings, enforce mode), as a plant whose
// inventory lists every device would have. The bench then measures the identity stage's
// cost on traffic that passes it, which is the common case.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <memory>
#include <unordered_map>
#include <vector>

#include "dataplane/decode/decode.hpp"
#include "dataplane/identity/identity_table.hpp"

namespace fg::bench {

inline std::unique_ptr<dp::IdentityTable> identity_table_from(const std::vector<std::vector<std::uint8_t>>& frames,
                                                              std::size_t& bindings) {
  std::unordered_map<std::string, dp::Mac> by_ip;
  for (const auto& f : frames) {
    dp::PacketMeta m;
    dp::decode(f.data(), static_cast<std::uint32_t>(f.size()), dp::LinkType::Ethernet, m);
    if (m.error != dp::DecodeError::None || (m.l3 != dp::L3::Ipv4 && m.l3 != dp::L3::Ipv6)) continue;
    by_ip.emplace(std::string(reinterpret_cast<const char*>(m.src.bytes.data()), 16), m.src_mac);
  }
  auto t = std::make_unique<dp::IdentityTable>();
  t->mode = dp::IdentityMode::Enforce;
  for (const auto& [ip_bytes, mac] : by_ip) {
    dp::IdentityBinding b;
    std::snprintf(b.id.data(), b.id.size(), "device-%zu", bindings++);
    b.mac = mac;
    b.has_mac = true;
    dp::IpAddr ip;
    std::memcpy(ip.bytes.data(), ip_bytes.data(), 16);
    b.first_ip = ip;
    b.has_ip = true;
    t->add_ip(t->add(b), ip);
  }
  t->finish();
  return t;
}

}  // namespace fg::bench

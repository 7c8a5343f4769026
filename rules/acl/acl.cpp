#include "rules/acl/acl.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace fg::rules {

bool Cidr::contains(const dp::IpAddr& a) const noexcept {
  std::uint8_t bits = prefix_bits;
  for (int i = 0; i < 16 && bits > 0; ++i) {
    const std::uint8_t take = bits >= 8 ? 8 : bits;
    const std::uint8_t mask = static_cast<std::uint8_t>(0xff00u >> take);
    if ((a.bytes[i] & mask) != (addr.bytes[i] & mask)) return false;
    bits = static_cast<std::uint8_t>(bits - take);
  }
  return true;
}

Acl::Match Acl::match(const dp::PacketMeta& m) const noexcept {
  for (std::uint32_t i = 0; i < rules.size(); ++i) {
    const AclRule& r = rules[i];
    if (r.ip_proto != 0 && r.ip_proto != m.ip_proto) continue;
    if (!r.src.contains(m.src) || !r.dst.contains(m.dst)) continue;
    if (!r.sport.contains(m.sport) || !r.dport.contains(m.dport)) continue;
    return {r.action, i + 1};
  }
  return {default_action, 0};
}

const std::string& Acl::rule_name(std::uint32_t rule) const noexcept {
  static const std::string kDefault = "default";
  return rule == 0 || rule > rules.size() ? kDefault : rules[rule - 1].name;
}

bool parse_cidr(std::string_view text, Cidr& out) {
  out = Cidr{};
  if (text == "any") return true;
  std::string addr(text.substr(0, text.find('/')));
  int bits = -1;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    auto tail = text.substr(slash + 1);
    auto r = std::from_chars(tail.data(), tail.data() + tail.size(), bits);
    if (r.ec != std::errc{} || r.ptr != tail.data() + tail.size()) return false;
  }
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, addr.c_str(), &v4) == 1) {
    if (bits < 0) bits = 32;
    if (bits > 32) return false;
    out.addr.bytes[10] = out.addr.bytes[11] = 0xff;
    std::memcpy(&out.addr.bytes[12], &v4, 4);
    out.prefix_bits = static_cast<std::uint8_t>(96 + bits);
    return true;
  }
  if (inet_pton(AF_INET6, addr.c_str(), &v6) == 1) {
    if (bits < 0) bits = 128;
    if (bits > 128) return false;
    std::memcpy(out.addr.bytes.data(), &v6, 16);
    out.prefix_bits = static_cast<std::uint8_t>(bits);
    return true;
  }
  return false;
}

bool parse_port_range(std::string_view text, PortRange& out) {
  out = PortRange{};
  if (text == "any") return true;
  auto dash = text.find('-');
  auto one = [](std::string_view s, std::uint16_t& v) {
    unsigned x = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), x);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || x > 65535) return false;
    v = static_cast<std::uint16_t>(x);
    return true;
  };
  if (dash == std::string_view::npos) {
    if (!one(text, out.lo)) return false;
    out.hi = out.lo;
    return true;
  }
  return one(text.substr(0, dash), out.lo) && one(text.substr(dash + 1), out.hi) && out.lo <= out.hi;
}

}  // namespace fg::rules

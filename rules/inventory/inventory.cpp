#include "rules/inventory/inventory.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace fg::rules {

std::string_view identity_kind_name(IdentityKind k) noexcept {
  switch (k) {
    case IdentityKind::Static: return "static";
    case IdentityKind::Certificate: return "certificate";
    case IdentityKind::None: return "none";
  }
  return "static";
}

const Device* Inventory::find(std::string_view id) const noexcept {
  for (const Device& d : devices)
    if (d.id == id) return &d;
  return nullptr;
}

std::vector<std::string> Inventory::ids() const {
  std::vector<std::string> out;
  out.reserve(devices.size());
  for (const Device& d : devices) out.push_back(d.id);
  return out;
}

bool parse_mac(std::string_view text, MacAddr& out) {
  if (text.size() != 17) return false;
  for (int i = 0; i < 6; ++i) {
    unsigned v = 0;
    for (int j = 0; j < 2; ++j) {
      const char c = text[static_cast<std::size_t>(i * 3 + j)];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else return false;
    }
    if (i < 5 && text[static_cast<std::size_t>(i * 3 + 2)] != ':' && text[static_cast<std::size_t>(i * 3 + 2)] != '-') return false;
    out.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
  }
  return true;
}

std::string format_mac(const MacAddr& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m.bytes[0], m.bytes[1], m.bytes[2], m.bytes[3],
                m.bytes[4], m.bytes[5]);
  return buf;
}

bool parse_ip(std::string_view text, dp::IpAddr& out) {
  const std::string s(text);
  in_addr v4{};
  in6_addr v6{};
  out = dp::IpAddr{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out.bytes[10] = out.bytes[11] = 0xff;
    std::memcpy(&out.bytes[12], &v4, 4);
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.bytes.data(), &v6, 16);
    return true;
  }
  return false;
}

std::string format_ip(const dp::IpAddr& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.is_v4()) inet_ntop(AF_INET, &a.bytes[12], buf, sizeof buf);
  else inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof buf);
  return buf;
}

bool read_devices(daemon::YamlReader& r, const YAML::Node& list, Inventory& out) {
  if (!list.IsSequence()) {
    r.error(list, "devices", "expected a list of devices ({id, mac, ip, vlan, zone, identity})");
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node n = list[i];
    const std::string path = "devices[" + std::to_string(i) + "]";
    if (!r.map(n, path, {"id", "mac", "ip", "vlan", "zone", "identity", "description"})) {
      ok = false;
      continue;
    }
    Device d;
    d.line = n.Mark().line + 1;
    d.column = n.Mark().column + 1;
    if (!n["id"]) {
      r.error(n, path, "missing \"id\" (every device needs a unique id that rules can name)");
      ok = false;
    } else if (r.string(n["id"], path + ".id", d.id)) {
      if (d.id.empty()) {
        r.error(n["id"], path + ".id", "empty device id");
        ok = false;
      } else if (out.find(d.id) != nullptr) {
        r.error(n["id"], path + ".id", "duplicate device id \"" + d.id + "\"");
        ok = false;
      }
    } else {
      ok = false;
    }
    if (auto v = n["mac"]) {
      std::string s;
      MacAddr m;
      if (r.string(v, path + ".mac", s) && parse_mac(s, m)) d.mac = m;
      else {
        r.error(v, path + ".mac", "expected a MAC address like 00:1b:1b:00:00:03, got \"" + s + "\"");
        ok = false;
      }
    }
    if (auto v = n["ip"]) {
      const std::size_t count = v.IsSequence() ? v.size() : 1;
      for (std::size_t j = 0; j < count; ++j) {
        const YAML::Node one = v.IsSequence() ? v[j] : v;
        std::string s;
        dp::IpAddr a;
        if (r.string(one, path + ".ip", s) && parse_ip(s, a)) d.ips.push_back(a);
        else {
          r.error(one, path + ".ip", "expected an IPv4 or IPv6 address (or a list of them), got \"" + s + "\"");
          ok = false;
        }
      }
    }
    if (auto v = n["vlan"]) {
      std::uint16_t vlan = 0;
      if (r.integer<std::uint16_t>(v, path + ".vlan", 0, 4094, vlan)) d.vlan = vlan;
      else ok = false;
    }
    if (auto v = n["zone"]) ok &= r.string(v, path + ".zone", d.zone);
    if (auto v = n["description"]) ok &= r.string(v, path + ".description", d.description);
    if (auto v = n["identity"]) {
      std::string s;
      if (r.string(v, path + ".identity", s)) {
        if (s == "static") d.identity = IdentityKind::Static;
        else if (s == "certificate") d.identity = IdentityKind::Certificate;
        else if (s == "none") d.identity = IdentityKind::None;
        else {
          std::string msg = "unknown identity kind \"" + s + "\"";
          const std::string near = daemon::closest_match(s, {"static", "certificate", "none"});
          msg += near.empty() ? " (expected static, certificate or none)" : " (did you mean \"" + near + "\"?)";
          r.error(v, path + ".identity", msg);
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (d.identity == IdentityKind::Static && !d.mac && d.ips.empty()) {
      r.error(n, path, "a static identity needs a \"mac\" or an \"ip\" to bind (or identity: none)");
      ok = false;
    }
    if (!d.id.empty()) out.devices.push_back(std::move(d));
  }
  return ok;
}

}  // namespace fg::rules

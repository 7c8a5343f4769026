#include "daemon/config/tunnel_config.hpp"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "rules/inventory/inventory.hpp"

namespace fg::daemon {

namespace {

bool ipv4(YamlReader& r, const YAML::Node& n, const std::string& path, std::uint32_t& out) {
  std::string s;
  if (!r.string(n, path, s)) return false;
  dp::IpAddr a;
  if (!rules::parse_ip(s, a) || !a.is_v4()) {
    r.error(n, path, "expected an IPv4 address, got \"" + s + "\"");
    return false;
  }
  out = (std::uint32_t{a.bytes[12]} << 24) | (std::uint32_t{a.bytes[13]} << 16) | (std::uint32_t{a.bytes[14]} << 8) |
        a.bytes[15];
  return true;
}

bool mac(YamlReader& r, const YAML::Node& n, const std::string& path, dp::Mac& out) {
  std::string s;
  if (!r.string(n, path, s)) return false;
  rules::MacAddr m;
  if (!rules::parse_mac(s, m)) {
    r.error(n, path, "expected a MAC address like 02:00:00:00:00:01, got \"" + s + "\"");
    return false;
  }
  std::copy(m.bytes.begin(), m.bytes.end(), out.begin());
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void read_selectors(YamlReader& r, const YAML::Node& n, TunnelConfig& out) {
  if (!n.IsSequence()) {
    r.error(n, "tunnel.selectors", "expected a list of {src, dst, proto}");
    return;
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    const std::string path = "tunnel.selectors[" + std::to_string(i) + "]";
    if (!r.map(n[i], path, {"src", "dst", "proto"})) continue;
    dp::TunnelSelector sel;
    for (auto [key, cidr] : {std::pair{"src", &sel.src}, std::pair{"dst", &sel.dst}}) {
      if (auto v = n[i][key]) {
        std::string s;
        if (r.string(v, path + "." + key, s) && !rules::parse_cidr(s, *cidr))
          r.error(v, path + "." + key, "expected an address or CIDR (e.g. 198.18.0.0/24, any), got \"" + s + "\"");
      }
    }
    if (auto v = n[i]["proto"]) r.ip_protocol(v, path + ".proto", sel.ip_proto);
    out.settings.selectors.push_back(sel);
  }
}

}  // namespace

void read_tunnel(YamlReader& r, const YAML::Node& n, TunnelConfig& out) {
  if (!r.map(n, "tunnel", {"local", "local_mac", "remote", "next_hop", "next_hop_mac", "south_mac", "mtu", "sa_file",
                           "rekey_grace", "selectors"}))
    return;
  out.enabled = true;
  dp::TunnelSettings& s = out.settings;
  if (auto v = n["local"]) ipv4(r, v, "tunnel.local", s.local_ip);
  else r.error(n, "tunnel", "missing \"local\" (the appliance's tunnel address)");
  if (auto v = n["remote"]) ipv4(r, v, "tunnel.remote", s.remote_ip);
  else r.error(n, "tunnel", "missing \"remote\" (the platform's tunnel endpoint)");
  if (auto v = n["local_mac"]) mac(r, v, "tunnel.local_mac", s.local_mac);
  if (auto v = n["next_hop"]) ipv4(r, v, "tunnel.next_hop", s.next_hop_ip);
  if (auto v = n["next_hop_mac"]) {
    dp::Mac m{};
    if (mac(r, v, "tunnel.next_hop_mac", m)) s.next_hop_mac = m;
  }
  if (auto v = n["south_mac"]) {
    dp::Mac m{};
    if (mac(r, v, "tunnel.south_mac", m)) s.south_mac = m;
  }
  if (auto v = n["mtu"]) r.integer<std::uint16_t>(v, "tunnel.mtu", 576, 9216, s.mtu);
  if (auto v = n["rekey_grace"]) r.duration(v, "tunnel.rekey_grace", s.rekey_grace_ns);
  if (auto v = n["sa_file"]) r.string(v, "tunnel.sa_file", out.sa_file);
  if (auto v = n["selectors"]) read_selectors(r, v, out);
}

bool read_sa_list(YamlReader& r, const YAML::Node& list, const std::string& path, std::vector<esp::SaSpec>& out) {
  if (!list.IsSequence()) {
    r.error(list, path, "expected a list of {spi, direction, key, esn}");
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    const YAML::Node e = list[i];
    if (!r.map(e, p, {"spi", "direction", "key", "esn"})) {
      ok = false;
      continue;
    }
    esp::SaSpec spec;
    bool good = true;
    if (auto v = e["spi"]) {
      std::string s;
      good &= r.string(v, p + ".spi", s);
      char* end = nullptr;
      const unsigned long long spi = s.empty() ? 0 : std::strtoull(s.c_str(), &end, 0);
      if (good && (end == nullptr || *end != '\0' || spi < 256 || spi > 0xffffffffull)) {
        r.error(v, p + ".spi", "expected an SPI from 256 to 0xffffffff, got \"" + s + "\"");
        good = false;
      }
      spec.spi = static_cast<std::uint32_t>(spi);
    } else {
      r.error(e, p, "missing \"spi\"");
      good = false;
    }
    if (auto v = e["direction"]) {
      std::string s;
      if (r.string(v, p + ".direction", s)) {
        if (s == "out") spec.dir = esp::Direction::Out;
        else if (s == "in") spec.dir = esp::Direction::In;
        else {
          r.error(v, p + ".direction", "expected in or out, got \"" + s + "\"");
          good = false;
        }
      } else {
        good = false;
      }
    } else {
      r.error(e, p, "missing \"direction\" (in or out)");
      good = false;
    }
    if (auto v = e["key"]) {
      // RFC 4106 §8.1 keying material, as ip-xfrm and Wireshark take it: 32 key bytes then
      // the 4-byte salt, in hex. The text is never repeated in an error.
      constexpr std::size_t kHex = 2 * (esp::kKeyBytes + esp::kSaltBytes);
      const std::string s = v.IsScalar() ? v.Scalar() : std::string();
      const std::size_t start = s.rfind("0x", 0) == 0 || s.rfind("0X", 0) == 0 ? 2 : 0;
      bool hex_ok = v.IsScalar() && s.size() - start == kHex;
      std::uint8_t bytes[esp::kKeyBytes + esp::kSaltBytes] = {};
      for (std::size_t k = 0; hex_ok && k < kHex; k += 2) {
        const int hi = hex_digit(s[start + k]), lo = hex_digit(s[start + k + 1]);
        if (hi < 0 || lo < 0) hex_ok = false;
        else bytes[k / 2] = static_cast<std::uint8_t>(hi * 16 + lo);
      }
      if (!hex_ok) {
        r.error(v, p + ".key", "expected 72 hex digits (AES-256 key then 4-byte salt, RFC 4106), optionally after 0x");
        good = false;
      }
      std::copy(bytes, bytes + esp::kKeyBytes, spec.key.begin());
      std::copy(bytes + esp::kKeyBytes, bytes + sizeof bytes, spec.salt.begin());
      OPENSSL_cleanse(bytes, sizeof bytes);
    } else {
      r.error(e, p, "missing \"key\"");
      good = false;
    }
    if (auto v = e["esn"]) good &= r.boolean(v, p + ".esn", spec.esn);
    if (good) out.push_back(spec);
    esp::wipe(spec);
    ok &= good;
  }
  return ok;
}

bool read_sa_text(const std::string& text, const std::string& name, std::vector<esp::SaSpec>& out, Diagnostics& diag) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    diag.error(name, e.mark.line + 1, e.mark.column + 1, e.msg);
    return false;
  }
  YamlReader r(name, diag);
  std::vector<esp::SaSpec> specs;
  try {
    if (r.map(root, "(top level)", {"sas"})) {
      if (auto l = root["sas"]) read_sa_list(r, l, "sas", specs);
      else r.error(root, "(top level)", "missing \"sas\"");
    }
  } catch (const YAML::Exception& e) {
    diag.error(name, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  if (!diag.empty()) {
    for (auto& s : specs) esp::wipe(s);
    return false;
  }
  out = std::move(specs);
  return true;
}

bool read_sa_file(const std::string& path, std::vector<esp::SaSpec>& out, Diagnostics& diag) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    diag.error(path, 0, 0, "cannot read the SA key file");
    return false;
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    diag.error(path, 0, 0, "the SA key file holds keys: group and others must have no access (chmod 600)");
    return false;
  }
  std::ifstream in(path);
  if (!in) {
    diag.error(path, 0, 0, "cannot read the SA key file");
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  const bool ok = read_sa_text(text, path, out, diag);
  OPENSSL_cleanse(text.data(), text.size());
  return ok;
}

}  // namespace fg::daemon

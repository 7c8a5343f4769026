#include "daemon/identity/identity_settings.hpp"

#include <arpa/inet.h>

namespace fg::daemon {

void read_identity_settings(YamlReader& r, const YAML::Node& n, IdentitySettings& out) {
  if (n.IsNull()) {  // `identity:` alone: the stage with every default
    out.enabled = true;
    return;
  }
  if (!r.map(n, "identity", {"mode", "lease", "report_interval", "listen", "port", "ca", "crl", "server_cert", "server_key"}))
    return;
  out.enabled = true;
  if (auto v = n["mode"]) {
    std::string s;
    if (r.string(v, "identity.mode", s)) {
      if (s == "enforce") out.enforce = true;
      else if (s == "monitor") out.enforce = false;
      else r.error(v, "identity.mode", "expected enforce or monitor, got \"" + s + "\"");
    }
  }
  if (auto v = n["lease"]) {
    std::uint64_t ns = 0;
    if (r.duration(v, "identity.lease", ns)) {
      if (ns < 2'000'000'000ull || ns > 7 * 86400'000'000'000ull) r.error(v, "identity.lease", "expected a lease between 2s and 168h");
      else out.lease_ns = ns;
    }
  }
  if (auto v = n["report_interval"]) {
    std::uint64_t ns = 0;
    if (r.duration(v, "identity.report_interval", ns)) {
      if (ns < 1'000'000'000ull) r.error(v, "identity.report_interval", "expected at least 1s");
      else out.report_interval_ns = ns;
    }
  }
  if (auto v = n["listen"]) {
    std::string s;
    unsigned char buf[16];
    if (r.string(v, "identity.listen", s)) {
      if (inet_pton(AF_INET, s.c_str(), buf) != 1 && inet_pton(AF_INET6, s.c_str(), buf) != 1)
        r.error(v, "identity.listen", "expected an IPv4 or IPv6 address, got \"" + s + "\"");
      else out.listen = s;
    }
  }
  if (auto v = n["port"]) r.integer<std::uint16_t>(v, "identity.port", 1, 65535, out.port);
  for (auto [key, dst] : {std::pair{"ca", &out.ca}, std::pair{"crl", &out.crl}, std::pair{"server_cert", &out.server_cert},
                          std::pair{"server_key", &out.server_key}}) {
    if (auto v = n[key]) r.string(v, std::string("identity.") + key, *dst);
  }
  // The service needs the CA and the gateway's credentials together.
  const bool any = !out.ca.empty() || !out.server_cert.empty() || !out.server_key.empty() || !out.crl.empty();
  if (any) {
    for (auto [key, val] : {std::pair{"ca", &out.ca}, std::pair{"server_cert", &out.server_cert},
                            std::pair{"server_key", &out.server_key}}) {
      if (val->empty()) r.error(n, "identity", std::string("missing \"") + key + "\" (the identity service needs ca, server_cert and server_key)");
    }
  }
}

}  // namespace fg::daemon

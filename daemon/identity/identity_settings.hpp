// The `identity:` section of the daemon configuration (docs/IDENTITY.md): enforcement mode,
// lease time, and the certificate identity service's address and credentials.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>

#include "daemon/config/yaml_reader.hpp"

namespace fg::daemon {

struct IdentitySettings {
  bool enabled = false;                    // the section is present: the identity stage runs
  bool enforce = true;                     // mode: enforce (drop) | monitor (report only)
  std::uint64_t lease_ns = 300'000'000'000ull;
  std::uint64_t report_interval_ns = 10'000'000'000ull;  // same finding, same endpoint
  std::string listen = "0.0.0.0";          // identity service address
  std::uint16_t port = 7443;
  std::string ca;                          // plant CA (PEM)
  std::string crl;                         // CRL (PEM), optional; reloaded when the file changes
  std::string server_cert;                 // the gateway's certificate and key (PEM)
  std::string server_key;
  [[nodiscard]] bool service() const noexcept { return !ca.empty(); }
};

// Reads the section; every problem goes to r's diagnostics with its line and column.
void read_identity_settings(YamlReader& r, const YAML::Node& n, IdentitySettings& out);

}  // namespace fg::daemon

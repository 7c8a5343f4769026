// The `tunnel:` section of the daemon config and the SA key file it names (or the same SA
// list sent by the console in tunnel.install / tunnel.rekey). Keys are never echoed back in
// diagnostics.
#pragma once

#include <string>
#include <vector>

#include "crypto/esp/esp_sa.hpp"
#include "daemon/config/yaml_reader.hpp"
#include "dataplane/tunnel/tunnel_settings.hpp"

namespace fg::daemon {

struct TunnelConfig {
  bool enabled = false;
  dp::TunnelSettings settings{};
  std::string sa_file;  // empty: SAs come from the console only
};

// Reads the `tunnel:` mapping.
void read_tunnel(YamlReader& r, const YAML::Node& n, TunnelConfig& out);

// Reads an SA list (`[{spi, direction, key, esn}]`); `path` names it in diagnostics.
bool read_sa_list(YamlReader& r, const YAML::Node& list, const std::string& path, std::vector<esp::SaSpec>& out);

// Reads the SA key file: refuses one that group or others may read or write (it holds keys),
// then a YAML document `sas: [...]`. False with diagnostics; `out` is only filled when valid.
bool read_sa_file(const std::string& path, std::vector<esp::SaSpec>& out, Diagnostics& diag);
// The same from text (no permission check), for tests and fuzzing.
bool read_sa_text(const std::string& text, const std::string& name, std::vector<esp::SaSpec>& out, Diagnostics& diag);

}  // namespace fg::daemon

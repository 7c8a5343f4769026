// Builds signed bundles for the update tests with a fresh key.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "daemon/update/bundle_file.hpp"
#include "daemon/update/manifest.hpp"
#include "daemon/update/signing.hpp"

namespace fg::update::test {

inline std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

struct Console {
  SigningKey key;
  Console() {
    std::string error;
    key.generate(error);
  }
  // A bundle for gateway gw-1 carrying the given (name, role, content) files.
  std::vector<std::uint8_t> bundle(std::uint64_t version, const std::vector<std::tuple<std::string, FileRole, std::string>>& files,
                                   Manifest* tweak_out = nullptr, void (*tweak)(Manifest&) = nullptr) const {
    Manifest m;
    m.version = version;
    m.created = static_cast<std::int64_t>(std::time(nullptr)) - 60;
    m.expires = m.created + 86400;
    m.gateways = {"gw-1"};
    std::vector<std::vector<std::uint8_t>> payload;
    for (const auto& [name, role, content] : files) {
      ManifestFile f{name, role, content.size(), sha256(bytes(content))};
      m.files.push_back(f);
      payload.push_back(bytes(content));
    }
    if (tweak) tweak(m);
    if (tweak_out) *tweak_out = m;
    return build_bundle(manifest_json(m), key, payload);
  }
};

}  // namespace fg::update::test

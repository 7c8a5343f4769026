// Builds signed bundles for the update tests with a fresh key, installs them into a store,
// and gives each test a scratch directory.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "daemon/update/bundle_file.hpp"
#include "daemon/update/bundle_store.hpp"
#include "daemon/update/bundle_verify.hpp"
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

// A bundle of `files` for gw-1, verified and installed (not activated) into `s`.
inline InstalledBundle install(BundleStore& s, const Console& c, std::uint64_t v,
                               const std::vector<std::tuple<std::string, FileRole, std::string>>& files) {
  const auto bytes = c.bundle(v, files);
  VerifiedBundle vb;
  REQUIRE(verify_bundle(bytes, {{c.key.public_key()}, 0}, {"gw-1", {}}, std::time(nullptr), 1 << 20, vb).ok());
  InstalledBundle ib;
  std::string error;
  REQUIRE(s.install(vb, ib, error));
  return ib;
}

// A fresh directory under /tmp, removed with everything in it at scope exit.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/fg-update-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace fg::update::test

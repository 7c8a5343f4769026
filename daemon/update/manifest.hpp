// The signed manifest of an update bundle (docs/UPDATE.md): what version it is, how long it
// may be installed, which gateways it is for, and the SHA-256 and size of every file it
// carries. Parsed only after its signature has been checked, and fuzzed anyway.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/diagnostics.hpp"
#include "daemon/update/signing.hpp"

namespace fg::update {

// What a file in a bundle is for. `config` is a daemon config fragment (the keys the daemon
// can hot-reload); `rules` a rule file (RULES-SYNTAX.md); the others are carried, verified
// and installed under the bundle directory for the services that read them.
enum class FileRole : std::uint8_t { Config, Rules, Baseline, Ca, Crl, TunnelKeys };
inline constexpr const char* kRoleNames[] = {"config", "rules", "baseline", "ca", "crl", "tunnel_keys"};
[[nodiscard]] inline const char* role_name(FileRole r) { return kRoleNames[static_cast<int>(r)]; }

struct ManifestFile {
  std::string name;   // [A-Za-z0-9_-][A-Za-z0-9._-]{0,63}: a plain file name, never a path
  FileRole role = FileRole::Config;
  std::uint64_t size = 0;
  Digest sha256{};
};

inline constexpr std::uint32_t kManifestFormat = 1;
inline constexpr std::size_t kMaxManifestFiles = 32;

struct Manifest {
  std::uint64_t version = 0;          // strictly increasing per console (anti-rollback)
  std::int64_t created = 0;           // Unix seconds, UTC
  std::int64_t expires = 0;           // Unix seconds, UTC: refused after this (freeze attacks)
  std::vector<std::string> gateways;  // target gateway ids ("*" = every gateway)
  std::vector<std::string> groups;    // target groups
  std::vector<ManifestFile> files;    // in payload order
  std::vector<PublicKey> add_keys;    // console keys to trust from now on (rotation)
  std::vector<KeyId> revoke_keys;     // console keys to stop trusting
  std::string comment;                // free text for operators (inspect, status)

  [[nodiscard]] std::uint64_t payload_size() const noexcept {
    std::uint64_t n = 0;
    for (const auto& f : files) n += f.size;
    return n;
  }
};

// Parses manifest JSON; every error is `NAME:LINE:COL: error: path: what`. `out` is only
// written when the manifest is valid.
bool parse_manifest(std::string_view text, const std::string& name, Manifest& out, daemon::Diagnostics& diag);
// The canonical JSON the bundle tool signs (one line, fixed member order).
std::string manifest_json(const Manifest& m);

// "2026-11-28T05:30:00Z" <-> Unix seconds. Only this UTC form is accepted.
bool parse_utc(std::string_view text, std::int64_t& out);
std::string format_utc(std::int64_t t);

bool valid_file_name(std::string_view name);

}  // namespace fg::update

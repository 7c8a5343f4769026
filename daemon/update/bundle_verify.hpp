// Decides whether a downloaded or carried bundle may be installed on this gateway: signature
// by a trusted console key, version above every version seen, not expired, aimed at this
// gateway, every file matching its signed size and SHA-256 (TUF/Uptane's checks).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "daemon/update/manifest.hpp"
#include "daemon/update/signing.hpp"

namespace fg::update {

// Why an update was not installed; the name goes into events, reports and fieldguardctl.
enum class Refusal : std::uint8_t {
  None,
  Malformed,          // not a bundle, or truncated
  UnknownKey,         // signed by a key this gateway does not trust
  BadSignature,       // signature does not verify with the named key
  BadManifest,        // signed, but the manifest is invalid
  OlderVersion,       // version <= the highest version seen (anti-rollback)
  Expired,            // past the manifest's expiry (freeze attack, stale console)
  WrongTarget,        // not for this gateway id or its groups
  HashMismatch,       // a file's size or SHA-256 differs from the manifest
  Oversize,           // the download exceeded update.max_bundle_size
  InvalidContent,     // the config or rules inside do not pass the checks `rules check` runs
  UntrustedServer,    // TLS: the console's certificate does not chain to the pinned CA
  DownloadFailed,     // network, HTTP status, timeout
  StoreFailed,        // the gateway could not write the bundle to disk
  HealthCheckFailed,  // applied, then rolled back
};
const char* refusal_name(Refusal r);

struct GatewayIdentity {
  std::string id;
  std::vector<std::string> groups;
};

struct TrustState {
  std::vector<PublicKey> keys;       // pinned in the config plus those added by rotation
  std::uint64_t highest_version = 0; // the highest version ever installed or tried
};

struct VerifiedBundle {
  Manifest manifest;
  std::string manifest_text;                        // exactly the signed bytes
  std::vector<std::span<const std::uint8_t>> files; // payload views, in manifest order
  PublicKey signer{};
};

struct VerifyResult {
  Refusal refusal = Refusal::None;
  std::string detail;  // a sentence naming what was wrong
  [[nodiscard]] bool ok() const noexcept { return refusal == Refusal::None; }
};

// `now` is Unix seconds. The views in `out` point into `bytes`.
VerifyResult verify_bundle(std::span<const std::uint8_t> bytes, const TrustState& trust, const GatewayIdentity& me,
                           std::int64_t now, std::uint64_t max_bytes, VerifiedBundle& out);

// Whether the manifest's targets include this gateway.
bool targets_gateway(const Manifest& m, const GatewayIdentity& me);

}  // namespace fg::update

#include "daemon/update/bundle_verify.hpp"

#include <algorithm>

#include "daemon/update/bundle_file.hpp"

namespace fg::update {

const char* refusal_name(Refusal r) {
  switch (r) {
    case Refusal::None: return "none";
    case Refusal::Malformed: return "malformed";
    case Refusal::UnknownKey: return "unknown_key";
    case Refusal::BadSignature: return "bad_signature";
    case Refusal::BadManifest: return "bad_manifest";
    case Refusal::OlderVersion: return "older_version";
    case Refusal::Expired: return "expired";
    case Refusal::WrongTarget: return "wrong_target";
    case Refusal::HashMismatch: return "hash_mismatch";
    case Refusal::Oversize: return "oversize";
    case Refusal::InvalidContent: return "invalid_content";
    case Refusal::UntrustedServer: return "untrusted_server";
    case Refusal::DownloadFailed: return "download_failed";
    case Refusal::StoreFailed: return "store_failed";
    case Refusal::HealthCheckFailed: return "health_check_failed";
  }
  return "unknown";
}

bool targets_gateway(const Manifest& m, const GatewayIdentity& me) {
  for (const auto& g : m.gateways)
    if (g == "*" || g == me.id) return true;
  for (const auto& g : m.groups)
    if (std::find(me.groups.begin(), me.groups.end(), g) != me.groups.end()) return true;
  return false;
}

VerifyResult verify_bundle(std::span<const std::uint8_t> bytes, const TrustState& trust, const GatewayIdentity& me,
                           std::int64_t now, std::uint64_t max_bytes, VerifiedBundle& out) {
  if (bytes.size() > max_bytes)
    return {Refusal::Oversize, "bundle of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " + std::to_string(max_bytes)};
  BundleView v;
  std::string error;
  if (!split_bundle(bytes, v, error)) return {Refusal::Malformed, error};

  // Signature first: nothing in the manifest is believed, or even parsed, before it.
  const PublicKey* signer = nullptr;
  for (const auto& k : trust.keys)
    if (key_id(k) == v.key) signer = &k;
  if (!signer) return {Refusal::UnknownKey, "signed by key " + to_hex(v.key) + ", which this gateway does not trust"};
  if (!ed25519_verify(*signer, v.signed_part, v.signature))
    return {Refusal::BadSignature, "the signature does not verify with key " + to_hex(v.key)};

  Manifest m;
  daemon::Diagnostics diag;
  if (!parse_manifest(v.manifest, "manifest.json", m, diag)) return {Refusal::BadManifest, diag.str()};
  if (m.version <= trust.highest_version)
    return {Refusal::OlderVersion, "version " + std::to_string(m.version) + " is not newer than " +
                                       std::to_string(trust.highest_version) + ", the highest seen"};
  if (now >= m.expires) return {Refusal::Expired, "the manifest expired at " + format_utc(m.expires)};
  if (!targets_gateway(m, me)) return {Refusal::WrongTarget, "the manifest is not for gateway \"" + me.id + "\" or its groups"};

  if (v.payload.size() != m.payload_size())
    return {Refusal::HashMismatch, "payload is " + std::to_string(v.payload.size()) + " bytes, the manifest lists " +
                                       std::to_string(m.payload_size())};
  std::vector<std::span<const std::uint8_t>> files;
  std::size_t at = 0;
  for (const auto& f : m.files) {
    const auto data = v.payload.subspan(at, f.size);
    at += f.size;
    if (sha256(data) != f.sha256) return {Refusal::HashMismatch, "file \"" + f.name + "\" does not match its SHA-256"};
    files.push_back(data);
  }
  out.manifest = std::move(m);
  out.manifest_text = std::string(v.manifest);
  out.files = std::move(files);
  out.signer = *signer;
  return {};
}

}  // namespace fg::update

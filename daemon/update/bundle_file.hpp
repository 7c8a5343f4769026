// The bundle container: one file that carries the manifest, its signature and the payload
// files, so that a bundle is one URL to serve and one file to carry to an air-gapped site.
//
//   "FGBUNDL1" | u32 BE manifest length (1..64 KiB) | manifest JSON
//   | key id (16 bytes) | Ed25519 signature (64 bytes) | payload
//
// The signature covers magic, length and manifest. The payload is the manifest's files
// concatenated in manifest order; the signed sizes and SHA-256 digests delimit and bind it,
// so nothing outside the signed part is ever interpreted before it is checked.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/update/signing.hpp"

namespace fg::update {

inline constexpr char kBundleMagic[8] = {'F', 'G', 'B', 'U', 'N', 'D', 'L', '1'};
inline constexpr std::size_t kMaxManifestBytes = 64 * 1024;
inline constexpr std::size_t kBundleHeaderBytes = 12;   // magic + length
inline constexpr std::size_t kBundleTrailerBytes = 80;  // key id + signature

struct BundleView {
  std::span<const std::uint8_t> signed_part;  // magic, length, manifest
  std::string_view manifest;
  KeyId key{};
  Signature signature{};
  std::span<const std::uint8_t> payload;
};

// Splits a bundle into its parts without interpreting the manifest. False with `error` set on a
// truncated or foreign file. The views point into `bytes`.
bool split_bundle(std::span<const std::uint8_t> bytes, BundleView& out, std::string& error);

// Signs `manifest` and appends the payload files (in manifest order).
std::vector<std::uint8_t> build_bundle(std::string_view manifest, const SigningKey& key,
                                       const std::vector<std::vector<std::uint8_t>>& files);

}  // namespace fg::update

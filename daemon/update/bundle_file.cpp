#include "daemon/update/bundle_file.hpp"

#include <algorithm>
#include <cstring>

namespace fg::update {

bool split_bundle(std::span<const std::uint8_t> bytes, BundleView& out, std::string& error) {
  if (bytes.size() < kBundleHeaderBytes + kBundleTrailerBytes) {
    error = "not a bundle: " + std::to_string(bytes.size()) + " bytes is shorter than any bundle";
    return false;
  }
  if (std::memcmp(bytes.data(), kBundleMagic, sizeof kBundleMagic) != 0) {
    error = "not a bundle: the file does not start with FGBUNDL1";
    return false;
  }
  const std::uint32_t len = std::uint32_t{bytes[8]} << 24 | std::uint32_t{bytes[9]} << 16 |
                            std::uint32_t{bytes[10]} << 8 | std::uint32_t{bytes[11]};
  if (len == 0 || len > kMaxManifestBytes) {
    error = "not a bundle: manifest length " + std::to_string(len) + " outside 1.." + std::to_string(kMaxManifestBytes);
    return false;
  }
  if (bytes.size() - kBundleHeaderBytes - kBundleTrailerBytes < len) {
    error = "truncated bundle: the manifest and its signature need more bytes than the file has";
    return false;
  }
  BundleView v;
  v.signed_part = bytes.subspan(0, kBundleHeaderBytes + len);
  v.manifest = std::string_view(reinterpret_cast<const char*>(bytes.data() + kBundleHeaderBytes), len);
  const std::uint8_t* trailer = bytes.data() + kBundleHeaderBytes + len;
  std::copy_n(trailer, v.key.size(), v.key.begin());
  std::copy_n(trailer + v.key.size(), v.signature.size(), v.signature.begin());
  v.payload = bytes.subspan(kBundleHeaderBytes + len + kBundleTrailerBytes);
  out = v;
  return true;
}

std::vector<std::uint8_t> build_bundle(std::string_view manifest, const SigningKey& key,
                                       const std::vector<std::vector<std::uint8_t>>& files) {
  std::vector<std::uint8_t> out(kBundleMagic, kBundleMagic + sizeof kBundleMagic);
  const auto len = static_cast<std::uint32_t>(manifest.size());
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<std::uint8_t>(len >> shift));
  out.insert(out.end(), manifest.begin(), manifest.end());
  Signature sig{};
  key.sign(out, sig);
  const KeyId id = key_id(key.public_key());
  out.insert(out.end(), id.begin(), id.end());
  out.insert(out.end(), sig.begin(), sig.end());
  for (const auto& f : files) out.insert(out.end(), f.begin(), f.end());
  return out;
}

}  // namespace fg::update

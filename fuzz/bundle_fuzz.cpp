// libFuzzer target for update bundles: the manifest parser on any text, the container split
// on any bytes, and (by re-signing whatever the input calls its manifest with a key the
// harness trusts) every check that runs after the signature: version, expiry, target, sizes
// and hashes. Nothing may crash, and a verified bundle's files must lie inside the input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/update/bundle_file.hpp"
#include "daemon/update/bundle_verify.hpp"
#include "daemon/update/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fg::update;
  static SigningKey* key = [] {
    auto* k = new SigningKey;
    std::string error;
    if (!k->generate(error)) __builtin_trap();
    return k;
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Manifest m;
  fg::daemon::Diagnostics d;
  if (parse_manifest(text, "fuzz.json", m, d) != d.empty()) __builtin_trap();

  const std::span<const std::uint8_t> bytes(data, size);
  BundleView v;
  std::string error;
  if (!split_bundle(bytes, v, error)) return 0;
  const std::vector<std::uint8_t> payload(v.payload.begin(), v.payload.end());
  const auto resigned = build_bundle(v.manifest, *key, {payload});
  VerifiedBundle vb;
  const VerifyResult r = verify_bundle(resigned, {{key->public_key()}, 3}, {"gw-1", {"north"}}, 1'795'000'000, 1 << 20, vb);
  if (r.ok()) {
    std::size_t total = 0;
    for (const auto& f : vb.files) {
      if (f.data() < resigned.data() || f.data() + f.size() > resigned.data() + resigned.size()) __builtin_trap();
      total += f.size();
    }
    if (total != payload.size()) __builtin_trap();
  }
  return 0;
}

// Bundle verification: a good bundle passes; each TUF/Uptane check refuses with its reason.
#include <catch2/catch.hpp>

#include <ctime>

#include "daemon/update/bundle_verify.hpp"
#include "test_bundles.hpp"

using namespace fg::update;
using fg::update::test::Console;

namespace {

const std::vector<std::tuple<std::string, FileRole, std::string>> kFiles = {
    {"policy.yaml", FileRole::Config, "acl: {default: allow}\n"}, {"ca.pem", FileRole::Ca, "not really a CA"}};

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

Refusal verify(const std::vector<std::uint8_t>& b, const TrustState& t, const GatewayIdentity& me = {"gw-1", {}},
               std::uint64_t max = 1 << 20) {
  VerifiedBundle vb;
  return verify_bundle(b, t, me, now(), max, vb).refusal;
}

}  // namespace

TEST_CASE("a bundle signed by a pinned key, newer, unexpired and for this gateway verifies with its files") {
  Console c;
  const auto b = c.bundle(5, kFiles);
  VerifiedBundle vb;
  const auto r = verify_bundle(b, {{c.key.public_key()}, 4}, {"gw-1", {}}, now(), 1 << 20, vb);
  REQUIRE(r.ok());
  CHECK(vb.manifest.version == 5);
  REQUIRE(vb.files.size() == 2);
  CHECK(std::string(vb.files[1].begin(), vb.files[1].end()) == "not really a CA");
}

TEST_CASE("a flipped signature byte is a bad signature") {
  Console c;
  auto b = c.bundle(5, kFiles);
  const std::size_t manifest_len = std::size_t{b[10]} << 8 | b[11];
  b[kBundleHeaderBytes + manifest_len + 16 + 3] ^= 1;
  CHECK(verify(b, {{c.key.public_key()}, 0}) == Refusal::BadSignature);
}

TEST_CASE("a manifest changed after signing is a bad signature") {
  Console c;
  auto b = c.bundle(5, kFiles);
  b[kBundleHeaderBytes + 20] ^= 1;
  CHECK(verify(b, {{c.key.public_key()}, 0}) == Refusal::BadSignature);
}

TEST_CASE("a bundle signed by a key the gateway does not pin is refused as unknown key") {
  Console c, other;
  CHECK(verify(other.bundle(5, kFiles), {{c.key.public_key()}, 0}) == Refusal::UnknownKey);
}

TEST_CASE("a changed payload byte under a valid signature is a hash mismatch") {
  Console c;
  auto b = c.bundle(5, kFiles);
  b[b.size() - 2] ^= 0x20;
  CHECK(verify(b, {{c.key.public_key()}, 0}) == Refusal::HashMismatch);
  auto longer = c.bundle(5, kFiles);
  longer.push_back(0);
  CHECK(verify(longer, {{c.key.public_key()}, 0}) == Refusal::HashMismatch);
}

TEST_CASE("an older or equal version is refused (anti-rollback)") {
  Console c;
  CHECK(verify(c.bundle(5, kFiles), {{c.key.public_key()}, 5}) == Refusal::OlderVersion);
  CHECK(verify(c.bundle(4, kFiles), {{c.key.public_key()}, 5}) == Refusal::OlderVersion);
  CHECK(verify(c.bundle(6, kFiles), {{c.key.public_key()}, 5}) == Refusal::None);
}

TEST_CASE("an expired manifest is refused (freeze attack)") {
  Console c;
  const auto b = c.bundle(5, kFiles, nullptr, [](Manifest& m) {
    m.created -= 10 * 86400;
    m.expires = m.created + 86400;
  });
  CHECK(verify(b, {{c.key.public_key()}, 0}) == Refusal::Expired);
}

TEST_CASE("a manifest for other gateways is refused; groups and the wildcard match") {
  Console c;
  const auto b = c.bundle(5, kFiles);
  CHECK(verify(b, {{c.key.public_key()}, 0}, {"gw-2", {"north"}}) == Refusal::WrongTarget);
  const auto g = c.bundle(5, kFiles, nullptr, [](Manifest& m) {
    m.gateways.clear();
    m.groups = {"north"};
  });
  CHECK(verify(g, {{c.key.public_key()}, 0}, {"gw-2", {"south", "north"}}) == Refusal::None);
  CHECK(verify(g, {{c.key.public_key()}, 0}, {"gw-2", {"south"}}) == Refusal::WrongTarget);
  const auto all = c.bundle(5, kFiles, nullptr, [](Manifest& m) { m.gateways = {"*"}; });
  CHECK(verify(all, {{c.key.public_key()}, 0}, {"gw-9", {}}) == Refusal::None);
}

TEST_CASE("a bundle above the size limit is refused before anything else") {
  Console c;
  const auto b = c.bundle(5, kFiles);
  CHECK(verify(b, {{c.key.public_key()}, 0}, {"gw-1", {}}, b.size() - 1) == Refusal::Oversize);
}

TEST_CASE("truncated and foreign files are malformed, at every length") {
  Console c;
  const auto b = c.bundle(5, kFiles);
  const std::size_t manifest_len = std::size_t{b[10]} << 8 | b[11];
  for (std::size_t n = 0; n < kBundleHeaderBytes + manifest_len + kBundleTrailerBytes; ++n) {
    std::vector<std::uint8_t> cut(b.begin(), b.begin() + static_cast<long>(n));
    CHECK(verify(cut, {{c.key.public_key()}, 0}) == Refusal::Malformed);
  }
  auto foreign = b;
  foreign[0] = 'X';
  CHECK(verify(foreign, {{c.key.public_key()}, 0}) == Refusal::Malformed);
}

TEST_CASE("a rotated key verifies once trusted; keys are named by id") {
  Console old_key, new_key;
  CHECK(verify(new_key.bundle(7, kFiles), {{old_key.key.public_key(), new_key.key.public_key()}, 0}) == Refusal::None);
  Manifest m;
  old_key.bundle(6, kFiles, &m, [](Manifest& mm) { mm.add_keys.push_back(PublicKey{}); });
  CHECK(m.add_keys.size() == 1);
  CHECK(key_id(old_key.key.public_key()) != key_id(new_key.key.public_key()));
}

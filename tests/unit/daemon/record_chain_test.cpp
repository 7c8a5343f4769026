// Hash-chained, sealed record files: stamping, resuming, rotation and retention, and the
// offline verifier finding deleted, reordered and edited records and forged seals.
#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/export/chain_verify.hpp"
#include "daemon/export/hash_chain.hpp"
#include "daemon/export/jsonl_file.hpp"
#include "daemon/export/seal_key.hpp"

using namespace fg::daemon;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/fg-chain-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  [[nodiscard]] std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// A fresh Ed25519 key pair as PEM files (private 0600).
void make_keys(const std::string& priv, const std::string& pub, mode_t mode = 0600) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  REQUIRE(k != nullptr);
  std::FILE* f = std::fopen(priv.c_str(), "w");
  PEM_write_PrivateKey(f, k, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  ::chmod(priv.c_str(), mode);
  f = std::fopen(pub.c_str(), "w");
  PEM_write_PUBKEY(f, k);
  std::fclose(f);
  EVP_PKEY_free(k);
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
}

std::string record(int i) { return "{\"n\":" + std::to_string(i) + ",\"verdict\":\"allow\"}\n"; }

// Ten records and a seal at close.
void write_log(const std::string& path, const SealKey& key) {
  StreamOptions o;
  o.chain = true;
  o.seal_key = &key;
  o.name = "audit";
  JsonlFile f;
  REQUIRE(f.open(path, o));
  for (int i = 1; i <= 10; ++i) f.write(record(i));
  f.close();
}

bool has_problem(const ChainReport& r, const std::string& kind, std::uint64_t line) {
  for (const auto& p : r.problems)
    if (p.kind == kind && p.line == line) return true;
  return false;
}

}  // namespace

TEST_CASE("sha256_hex matches the FIPS 180-2 test vector") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("a stamped line carries seq and the previous line's hash, and parses back") {
  HashChain c;
  std::string a = "{\"x\":1}", b = "{\"x\":2}";
  c.stamp(a);
  c.stamp(b);
  const auto fa = parse_chain_fields(a), fb = parse_chain_fields(b);
  REQUIRE(fa);
  REQUIRE(fb);
  CHECK(fa->seq == 1);
  CHECK(fa->prev == kGenesisHash);
  CHECK(fb->seq == 2);
  CHECK(fb->prev == sha256_hex(a));
  CHECK_FALSE(parse_chain_fields("{\"x\":1}"));
  CHECK_FALSE(parse_chain_fields("{\"seq\":1,\"prev\":\"zz\"}"));
  HashChain resumed;
  resumed.resume(b);
  CHECK(resumed.next_seq() == 3);
  CHECK(resumed.last_hash() == sha256_hex(b));
}

TEST_CASE("an intact sealed log verifies; reopening the file continues its chain") {
  TempDir d;
  make_keys(d / "seal.key", d / "seal.pub");
  SealKey priv, pub;
  std::string err;
  REQUIRE(priv.load_private(d / "seal.key", err));
  REQUIRE(pub.load_public(d / "seal.pub", err));
  CHECK(priv.key_id() == pub.key_id());
  write_log(d / "audit.jsonl", priv);
  write_log(d / "audit.jsonl", priv);  // a daemon restart appends to the same chain
  const auto r = verify_chain({d / "audit.jsonl"}, &pub);
  INFO((r.problems.empty() ? "" : r.problems.front().message));
  CHECK(r.ok());
  CHECK(r.records == 22);  // 2 x (10 records + 1 seal)
  CHECK(r.seals == 2);
  CHECK(r.first_seq == 1);
  CHECK(r.last_seq == 22);
  CHECK(r.last_sealed_seq == 22);
}

TEST_CASE("verify names a deleted, a reordered and an edited record by file and line") {
  TempDir d;
  make_keys(d / "seal.key", d / "seal.pub");
  SealKey priv, pub;
  std::string err;
  REQUIRE(priv.load_private(d / "seal.key", err));
  REQUIRE(pub.load_public(d / "seal.pub", err));
  write_log(d / "audit.jsonl", priv);
  const auto lines = read_lines(d / "audit.jsonl");
  REQUIRE(lines.size() == 11);

  SECTION("deleted") {
    auto bad = lines;
    bad.erase(bad.begin() + 4);  // record 5
    write_lines(d / "audit.jsonl", bad);
    const auto r = verify_chain({d / "audit.jsonl"}, &pub);
    CHECK(has_problem(r, "deleted", 5));  // reported at the record after the gap
    REQUIRE_FALSE(r.problems.empty());
    CHECK(r.problems.front().message.find("record 5 deleted") != std::string::npos);
  }
  SECTION("a deleted run with one of its records moved to the end") {
    const std::vector<std::string> bad{lines[0], lines[1], lines[7], lines[8], lines[9], lines[10], lines[4]};
    write_lines(d / "audit.jsonl", bad);
    const auto r = verify_chain({d / "audit.jsonl"}, &pub);
    CHECK(has_problem(r, "deleted", 3));    // records 3-7 are missing before record 8...
    CHECK(has_problem(r, "reordered", 3));  // ...and record 5 is one of them, found later
    CHECK(has_problem(r, "reordered", 7));
    CHECK(r.problems.front().message.find("records 3-7 deleted") != std::string::npos);
  }
  SECTION("a forged sequence number near 2^64 is reported at once, not walked") {
    auto bad = lines;
    const std::size_t at = bad[10].rfind("\"seq\":11,");
    REQUIRE(at != std::string::npos);
    bad[10].replace(at, 9, "\"seq\":18446744073709551615,");
    write_lines(d / "audit.jsonl", bad);
    const auto r = verify_chain({d / "audit.jsonl"}, &pub);
    REQUIRE(has_problem(r, "deleted", 11));
    for (const auto& p : r.problems)
      if (p.kind == "deleted") CHECK(p.message.find("records 11-18446744073709551614 deleted") != std::string::npos);
  }
  SECTION("reordered") {
    auto bad = lines;
    std::swap(bad[3], bad[4]);
    write_lines(d / "audit.jsonl", bad);
    const auto r = verify_chain({d / "audit.jsonl"}, &pub);
    CHECK(has_problem(r, "reordered", 4));
    CHECK_FALSE(has_problem(r, "deleted", 4));
  }
  SECTION("edited") {
    auto bad = lines;
    bad[6].replace(bad[6].find("allow"), 5, "alert");
    write_lines(d / "audit.jsonl", bad);
    const auto r = verify_chain({d / "audit.jsonl"}, &pub);
    CHECK(has_problem(r, "edited", 7));
    CHECK(r.problems.size() == 1);
  }
  SECTION("edited and the chain rebuilt after it: the seal no longer verifies") {
    std::vector<std::string> bad;
    HashChain c;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string l = lines[i].substr(0, lines[i].rfind(",\"seq\":")) + "}";
      if (i == 2) l.replace(l.find("allow"), 5, "block");
      c.stamp(l);
      bad.push_back(l);
    }
    write_lines(d / "audit.jsonl", bad);
    const auto r = verify_chain({d / "audit.jsonl"}, &pub);
    CHECK(has_problem(r, "bad_seal", 11));
  }
  SECTION("another key's public half does not verify the seals") {
    make_keys(d / "other.key", d / "other.pub");
    SealKey other;
    REQUIRE(other.load_public(d / "other.pub", err));
    const auto r = verify_chain({d / "audit.jsonl"}, &other);
    CHECK(has_problem(r, "bad_seal", 11));
  }
  SECTION("a line without chain members is reported") {
    auto bad = lines;
    bad.insert(bad.begin() + 2, "{\"inserted\":true}");
    write_lines(d / "audit.jsonl", bad);
    CHECK(has_problem(verify_chain({d / "audit.jsonl"}, &pub), "edited", 3));
  }
}

TEST_CASE("a seal key readable by others is refused") {
  TempDir d;
  make_keys(d / "seal.key", d / "seal.pub", 0644);
  SealKey k;
  std::string err;
  CHECK_FALSE(k.load_private(d / "seal.key", err));
  CHECK(err.find("chmod 600") != std::string::npos);
  CHECK_FALSE(k.load_private(d / "seal.pub", err));  // a public key is no private key
}

TEST_CASE("rotation keeps files under max_size, keeps `keep` of them, and the chain spans them") {
  TempDir d;
  make_keys(d / "seal.key", d / "seal.pub");
  SealKey priv, pub;
  std::string err;
  REQUIRE(priv.load_private(d / "seal.key", err));
  REQUIRE(pub.load_public(d / "seal.pub", err));
  StreamOptions o;
  o.chain = true;
  o.seal_key = &priv;
  o.max_size = 4096;
  o.keep = 3;
  std::vector<std::string> forwarded;
  o.forward = [&](const std::string& l) { forwarded.push_back(l); };
  {
    JsonlFile f;
    REQUIRE(f.open(d / "events.jsonl", o));
    for (int i = 1; i <= 300; ++i) f.write(record(i));  // ~30 KB: several rotations
    CHECK(f.rotations() >= 4);
  }
  CHECK(fs::exists(d / "events.jsonl.3"));
  CHECK_FALSE(fs::exists(d / "events.jsonl.4"));  // retention
  std::vector<std::string> files = {d / "events.jsonl.3", d / "events.jsonl.2", d / "events.jsonl.1", d / "events.jsonl"};
  for (const auto& f : files) CHECK(fs::file_size(f) <= 4096);
  const auto r = verify_chain(files, &pub);
  INFO((r.problems.empty() ? "" : r.problems.front().message));
  CHECK(r.ok());
  CHECK(r.first_seq > 1);  // the oldest files are gone: the first kept record's prev is taken as given
  CHECK(r.last_sealed_seq == r.last_seq);
  // Every line went to the forwarder, stamped, in order.
  REQUIRE(forwarded.size() > 300);
  for (std::size_t i = 0; i < forwarded.size(); ++i) CHECK(parse_chain_fields(forwarded[i])->seq == i + 1);
  // Oldest-first order matters: given newest first, the verifier sees the records reordered.
  CHECK_FALSE(verify_chain({d / "events.jsonl", d / "events.jsonl.1"}, &pub).ok());
}

TEST_CASE("the tail keeps the newest records and answers what came after a sequence number") {
  RecordTail t(5);
  for (std::uint64_t i = 1; i <= 8; ++i) t.add(i, "{\"n\":" + std::to_string(i) + "}");
  CHECK(t.last_seq() == 8);
  auto all = t.since(0, 100);
  REQUIRE(all.size() == 5);
  for (std::size_t i = 0; i < all.size(); ++i) {  // oldest first, each with its own line
    CHECK(all[i].first == 4 + i);
    CHECK(all[i].second == "{\"n\":" + std::to_string(4 + i) + "}");
  }
  auto two = t.since(0, 2);
  REQUIRE(two.size() == 2);
  CHECK(two.front().first == 7);
  CHECK(t.since(6, 100).size() == 2);
  CHECK(t.since(8, 100).empty());

  RecordTail young(5);  // not yet full
  CHECK(young.last_seq() == 0);
  CHECK(young.since(0, 10).empty());
  young.add(1, "a");
  young.add(2, "b");
  REQUIRE(young.since(0, 10).size() == 2);
  CHECK(young.since(0, 10).back().second == "b");
  CHECK(young.since(1, 10).front().second == "b");
}

TEST_CASE("a bare key name is a systemd credential, an absolute path is taken as given") {
  ::setenv("CREDENTIALS_DIRECTORY", "/run/credentials/fieldguardd.service", 1);
  CHECK(resolve_key_path("seal.key") == "/run/credentials/fieldguardd.service/seal.key");
  CHECK(resolve_key_path("/etc/fieldguard/seal.key") == "/etc/fieldguard/seal.key");
  ::unsetenv("CREDENTIALS_DIRECTORY");
  CHECK(resolve_key_path("seal.key") == "seal.key");
}

TEST_CASE("after a torn last line (crash mid-write) the chain goes on from the last whole record") {
  TempDir d;
  StreamOptions o;
  o.chain = true;
  {
    JsonlFile f;
    REQUIRE(f.open(d / "audit.jsonl", o));
    for (int i = 1; i <= 3; ++i) f.write(record(i));
  }
  { std::ofstream(d / "audit.jsonl", std::ios::app) << "{\"n\":4,\"verdict\":\"al"; }  // no newline
  {
    JsonlFile f;
    REQUIRE(f.open(d / "audit.jsonl", o));
    f.write(record(5));
  }
  const auto lines = read_lines(d / "audit.jsonl");
  REQUIRE(lines.size() == 5);
  CHECK(parse_chain_fields(lines[4])->seq == 4);  // continues after record 3
  const auto r = verify_chain({d / "audit.jsonl"}, nullptr);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].line == 4);  // the torn line, and nothing else
  CHECK(r.problems[0].kind == "edited");
}

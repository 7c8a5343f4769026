// fieldguard-bundle: the console side of remote update (docs/UPDATE.md). Makes console keys,
// signs bundles, verifies and inspects them, so that any HTTPS server can be the console.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "daemon/config/yaml_reader.hpp"
#include "daemon/update/bundle_file.hpp"
#include "daemon/update/bundle_verify.hpp"
#include "daemon/update/manifest.hpp"
#include "daemon/update/signing.hpp"

namespace {

using namespace fg::update;

constexpr const char* kUsage = R"(usage: fieldguard-bundle COMMAND [OPTIONS]

  keygen --out NAME
      Writes an Ed25519 console key pair: NAME.key (private, mode 0600) and NAME.pub.
  keyid PUBKEY.pub
      Prints the key id bundles name their signer by.
  sign --key NAME.key --version N (--gateway ID | --group G)... [--expires 7d | --expires-at UTC]
       [--created UTC] [--add-key NEW.pub]... [--revoke-key KEYID]... [--comment TEXT]
       --out BUNDLE ROLE=FILE...
      Builds and signs a bundle. ROLE is config, rules, baseline, ca, crl or tunnel_keys; the
      file keeps its base name inside the bundle. --gateway '*' targets every gateway.
  verify --key PUB.pub... [--gateway ID] [--group G]... [--min-version N] [--now UTC] BUNDLE
      Runs the gateway's checks (signature, version, expiry, target, hashes); exit 0 or 1.
  inspect [--json] BUNDLE
      Prints the manifest and the signer's key id WITHOUT checking the signature.

Times are UTC like 2026-11-28T05:30:00Z; durations take s, m, h or d.
)";

int usage_error(const std::string& msg) {
  std::cerr << "fieldguard-bundle: " << msg << "\n(run fieldguard-bundle --help)\n";
  return 2;
}

bool read_file(const std::string& path, std::vector<std::uint8_t>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// Options as NAME -> values, the rest as positional words.
struct Args {
  std::map<std::string, std::vector<std::string>> opts;
  std::vector<std::string> words;
  bool has(const std::string& k) const { return opts.count(k) != 0; }
  std::string one(const std::string& k) const { return has(k) ? opts.at(k).back() : std::string(); }
  std::vector<std::string> all(const std::string& k) const { return has(k) ? opts.at(k) : std::vector<std::string>{}; }
};

bool parse_args(int argc, char** argv, int from, const std::vector<std::string>& flags, Args& a, std::string& error) {
  for (int i = from; i < argc; ++i) {
    const std::string w = argv[i];
    if (w.rfind("--", 0) != 0) {
      a.words.push_back(w);
      continue;
    }
    const std::string name = w.substr(2);
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
      a.opts[name].push_back("");
      continue;
    }
    if (i + 1 >= argc) {
      error = w + " needs a value";
      return false;
    }
    a.opts[name].push_back(argv[++i]);
  }
  return true;
}

bool parse_span_s(const std::string& text, std::int64_t& out) {
  if (text.size() >= 2 && text.back() == 'd') {
    std::uint64_t ns = 0;
    if (!fg::daemon::parse_duration_ns(text.substr(0, text.size() - 1) + "h", ns)) return false;
    out = static_cast<std::int64_t>(ns / 1'000'000'000ull) * 24;
    return true;
  }
  std::uint64_t ns = 0;
  if (!fg::daemon::parse_duration_ns(text, ns)) return false;
  out = static_cast<std::int64_t>(ns / 1'000'000'000ull);
  return true;
}

int cmd_keygen(const Args& a) {
  if (!a.has("out")) return usage_error("keygen needs --out NAME");
  SigningKey key;
  std::string error;
  if (!key.generate(error) || !key.save_pem(a.one("out") + ".key", error) ||
      !save_public_pem(a.one("out") + ".pub", key.public_key(), error)) {
    std::cerr << "fieldguard-bundle: " << error << "\n";
    return 1;
  }
  std::cout << "wrote " << a.one("out") << ".key and " << a.one("out") << ".pub (key id "
            << to_hex(key_id(key.public_key())) << ")\n";
  return 0;
}

int cmd_keyid(const Args& a) {
  if (a.words.size() != 1) return usage_error("keyid takes one public key file");
  PublicKey pub{};
  std::string error;
  if (!load_public_pem(a.words[0], pub, error)) {
    std::cerr << "fieldguard-bundle: " << error << "\n";
    return 1;
  }
  std::cout << to_hex(key_id(pub)) << "\n";
  return 0;
}

int cmd_sign(const Args& a) {
  for (const char* k : {"key", "version", "out"})
    if (!a.has(k)) return usage_error(std::string("sign needs --") + k);
  if (!a.has("gateway") && !a.has("group")) return usage_error("sign needs at least one --gateway or --group");
  if (a.words.empty()) return usage_error("sign needs at least one ROLE=FILE");
  SigningKey key;
  std::string error;
  if (!key.load_pem(a.one("key"), error)) {
    std::cerr << "fieldguard-bundle: " << error << "\n";
    return 1;
  }
  Manifest m;
  try {
    m.version = std::stoull(a.one("version"));
  } catch (...) {
    return usage_error("--version expects a whole number");
  }
  m.created = static_cast<std::int64_t>(std::time(nullptr));
  if (a.has("created") && !parse_utc(a.one("created"), m.created)) return usage_error("--created expects a UTC time");
  std::int64_t span = 7 * 86400;
  if (a.has("expires") && !parse_span_s(a.one("expires"), span)) return usage_error("--expires expects a duration like 7d or 12h");
  m.expires = m.created + span;
  if (a.has("expires-at") && !parse_utc(a.one("expires-at"), m.expires)) return usage_error("--expires-at expects a UTC time");
  m.gateways = a.all("gateway");
  m.groups = a.all("group");
  m.comment = a.one("comment");
  for (const auto& path : a.all("add-key")) {
    PublicKey k{};
    if (!load_public_pem(path, k, error)) {
      std::cerr << "fieldguard-bundle: " << error << "\n";
      return 1;
    }
    m.add_keys.push_back(k);
  }
  for (const auto& hex : a.all("revoke-key")) {
    KeyId id{};
    if (!from_hex(hex, id)) return usage_error("--revoke-key expects a key id (32 hex digits, see keyid)");
    m.revoke_keys.push_back(id);
  }
  std::vector<std::vector<std::uint8_t>> payloads;
  for (const auto& w : a.words) {
    const auto eq = w.find('=');
    if (eq == std::string::npos) return usage_error("expected ROLE=FILE, got \"" + w + "\"");
    ManifestFile f;
    const std::string role = w.substr(0, eq), path = w.substr(eq + 1);
    bool known = false;
    for (std::size_t i = 0; i < std::size(kRoleNames); ++i)
      if (role == kRoleNames[i]) {
        f.role = static_cast<FileRole>(i);
        known = true;
      }
    if (!known) return usage_error("unknown role \"" + role + "\" (config, rules, baseline, ca, crl, tunnel_keys)");
    f.name = std::filesystem::path(path).filename().string();
    if (!valid_file_name(f.name)) return usage_error("file name \"" + f.name + "\" is not allowed in a bundle ([A-Za-z0-9._-])");
    std::vector<std::uint8_t> data;
    if (!read_file(path, data)) {
      std::cerr << "fieldguard-bundle: " << path << ": cannot read\n";
      return 1;
    }
    f.size = data.size();
    f.sha256 = sha256(data);
    m.files.push_back(f);
    payloads.push_back(std::move(data));
  }
  const std::string text = manifest_json(m);
  // The tool never writes a manifest the gateway's parser would reject.
  fg::daemon::Diagnostics diag;
  Manifest check;
  if (!parse_manifest(text, "manifest.json", check, diag)) {
    std::cerr << diag.str();
    return 1;
  }
  const auto bundle = build_bundle(text, key, payloads);
  const std::string tmp = a.one("out") + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bundle.data()), static_cast<std::streamsize>(bundle.size()));
    if (!out) {
      std::cerr << "fieldguard-bundle: " << tmp << ": write failed\n";
      return 1;
    }
  }
  // Rename: a web server never serves a half-written bundle.
  if (std::rename(tmp.c_str(), a.one("out").c_str()) != 0) {
    std::cerr << "fieldguard-bundle: " << a.one("out") << ": rename failed\n";
    return 1;
  }
  std::cout << "signed bundle " << a.one("out") << ": version " << m.version << ", " << m.files.size()
            << " file(s), expires " << format_utc(m.expires) << ", key " << to_hex(key_id(key.public_key())) << "\n";
  return 0;
}

int cmd_verify(const Args& a) {
  if (a.words.size() != 1) return usage_error("verify takes one bundle file");
  if (!a.has("key")) return usage_error("verify needs --key PUB.pub (the gateway's pinned keys)");
  TrustState trust;
  std::string error;
  for (const auto& path : a.all("key")) {
    PublicKey k{};
    if (!load_public_pem(path, k, error)) {
      std::cerr << "fieldguard-bundle: " << error << "\n";
      return 1;
    }
    trust.keys.push_back(k);
  }
  if (a.has("min-version")) trust.highest_version = std::stoull(a.one("min-version"));
  std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  if (a.has("now") && !parse_utc(a.one("now"), now)) return usage_error("--now expects a UTC time");
  std::vector<std::uint8_t> bytes;
  if (!read_file(a.words[0], bytes)) {
    std::cerr << "fieldguard-bundle: " << a.words[0] << ": cannot read\n";
    return 1;
  }
  GatewayIdentity me{a.one("gateway"), a.all("group")};
  if (!a.has("gateway") && !a.has("group")) {
    // No gateway named: check everything but the target, by standing in for its first one.
    BundleView v;
    Manifest m;
    fg::daemon::Diagnostics diag;
    if (split_bundle(bytes, v, error) && parse_manifest(v.manifest, "manifest.json", m, diag)) {
      me.id = m.gateways.empty() ? std::string() : m.gateways[0];
      me.groups = m.groups;
    }
  }
  VerifiedBundle vb;
  const VerifyResult r = verify_bundle(bytes, trust, me, now, ~0ull, vb);
  if (!r.ok()) {
    std::cout << a.words[0] << ": refused: " << refusal_name(r.refusal) << ": " << r.detail << "\n";
    return 1;
  }
  std::cout << a.words[0] << ": ok: version " << vb.manifest.version << ", " << vb.files.size()
            << " file(s), signed by " << to_hex(key_id(vb.signer)) << "\n";
  return 0;
}

int cmd_inspect(const Args& a) {
  if (a.words.size() != 1) return usage_error("inspect takes one bundle file");
  std::vector<std::uint8_t> bytes;
  if (!read_file(a.words[0], bytes)) {
    std::cerr << "fieldguard-bundle: " << a.words[0] << ": cannot read\n";
    return 1;
  }
  BundleView v;
  std::string error;
  if (!split_bundle(bytes, v, error)) {
    std::cerr << "fieldguard-bundle: " << a.words[0] << ": " << error << "\n";
    return 1;
  }
  if (a.has("json")) {
    std::cout << v.manifest;
    return 0;
  }
  Manifest m;
  fg::daemon::Diagnostics diag;
  std::cout << a.words[0] << " (signature NOT checked; use verify)\n  signer key   " << to_hex(v.key) << "\n";
  if (!parse_manifest(v.manifest, a.words[0] + ":manifest", m, diag)) {
    std::cout << diag.str();
    return 1;
  }
  std::cout << "  version      " << m.version << "\n  created      " << format_utc(m.created) << "\n  expires      "
            << format_utc(m.expires) << "\n";
  for (const auto& g : m.gateways) std::cout << "  gateway      " << g << "\n";
  for (const auto& g : m.groups) std::cout << "  group        " << g << "\n";
  for (const auto& k : m.add_keys) std::cout << "  adds key     " << to_hex(key_id(k)) << "\n";
  for (const auto& k : m.revoke_keys) std::cout << "  revokes key  " << to_hex(k) << "\n";
  if (!m.comment.empty()) std::cout << "  comment      " << m.comment << "\n";
  for (const auto& f : m.files)
    std::cout << "  file         " << f.name << " (" << role_name(f.role) << ", " << f.size << " bytes, sha256 "
              << to_hex(f.sha256) << ")\n";
  std::cout << "  payload      " << v.payload.size() << " bytes" << (v.payload.size() == m.payload_size() ? "" : " (DOES NOT MATCH the manifest)") << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  Args a;
  std::string error;
  if (!parse_args(argc, argv, 2, {"json"}, a, error)) return usage_error(error);
  if (cmd == "keygen") return cmd_keygen(a);
  if (cmd == "keyid") return cmd_keyid(a);
  if (cmd == "sign") return cmd_sign(a);
  if (cmd == "verify") return cmd_verify(a);
  if (cmd == "inspect") return cmd_inspect(a);
  return usage_error("unknown command \"" + cmd + "\"");
}

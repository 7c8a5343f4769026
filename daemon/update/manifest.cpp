#include "daemon/update/manifest.hpp"

#include <yaml-cpp/yaml.h>

#include <ctime>

#include "daemon/config/yaml_reader.hpp"
#include "protocols/common/json_writer.hpp"

namespace fg::update {

namespace {

using daemon::YamlReader;

void read_string_list(YamlReader& r, const YAML::Node& n, const std::string& path, std::vector<std::string>& out) {
  if (!n.IsSequence()) {
    r.error(n, path, "expected a list of strings");
    return;
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    std::string s;
    if (r.string(n[i], path + "[" + std::to_string(i) + "]", s)) {
      if (s.empty() || s.size() > 128) r.error(n[i], path + "[" + std::to_string(i) + "]", "expected 1 to 128 characters");
      else out.push_back(s);
    }
  }
}

void read_time(YamlReader& r, const YAML::Node& root, const char* key, std::int64_t& out) {
  const YAML::Node n = root[key];
  if (!n) {
    r.error(root, "(manifest)", std::string("missing \"") + key + "\"");
    return;
  }
  std::string s;
  if (r.string(n, key, s) && !parse_utc(s, out))
    r.error(n, key, "expected a UTC time like 2026-11-28T05:30:00Z, got \"" + s + "\"");
}

void read_file(YamlReader& r, const YAML::Node& n, const std::string& path, Manifest& m) {
  if (!r.map(n, path, {"name", "role", "size", "sha256"})) return;
  ManifestFile f;
  bool ok = true;
  for (const char* k : {"name", "role", "size", "sha256"})
    if (!n[k]) {
      r.error(n, path, std::string("missing \"") + k + "\"");
      ok = false;
    }
  if (!ok) return;
  if (r.string(n["name"], path + ".name", f.name) && !valid_file_name(f.name)) {
    r.error(n["name"], path + ".name", "expected a plain file name ([A-Za-z0-9._-], at most 64, not starting with '.'), got \"" + f.name + "\"");
    ok = false;
  }
  for (const auto& other : m.files)
    if (other.name == f.name) {
      r.error(n["name"], path + ".name", "duplicate file name \"" + f.name + "\"");
      ok = false;
    }
  std::string role;
  if (r.string(n["role"], path + ".role", role)) {
    bool known = false;
    for (std::size_t i = 0; i < std::size(kRoleNames); ++i)
      if (role == kRoleNames[i]) {
        f.role = static_cast<FileRole>(i);
        known = true;
      }
    if (!known) {
      std::vector<std::string> names(std::begin(kRoleNames), std::end(kRoleNames));
      const std::string near = daemon::closest_match(role, names);
      r.error(n["role"], path + ".role", "unknown role \"" + role + "\"" +
              (near.empty() ? " (expected config, rules, baseline, ca, crl or tunnel_keys)" : " (did you mean \"" + near + "\"?)"));
      ok = false;
    }
  } else {
    ok = false;
  }
  ok &= r.integer<std::uint64_t>(n["size"], path + ".size", 0, std::uint64_t{1} << 40, f.size);
  std::string hex;
  if (r.string(n["sha256"], path + ".sha256", hex) && !from_hex(hex, f.sha256)) {
    r.error(n["sha256"], path + ".sha256", "expected 64 hex digits");
    ok = false;
  }
  if (ok) m.files.push_back(f);
}

void read_keys(YamlReader& r, const YAML::Node& n, Manifest& m) {
  if (!r.map(n, "keys", {"add", "revoke"})) return;
  for (auto [key, is_add] : {std::pair{"add", true}, std::pair{"revoke", false}}) {
    const YAML::Node list = n[key];
    if (!list) continue;
    std::vector<std::string> hexes;
    read_string_list(r, list, std::string("keys.") + key, hexes);
    for (std::size_t i = 0; i < hexes.size(); ++i) {
      const std::string path = std::string("keys.") + key + "[" + std::to_string(i) + "]";
      if (is_add) {
        PublicKey k{};
        if (from_hex(hexes[i], k)) m.add_keys.push_back(k);
        else r.error(list[i], path, "expected a raw Ed25519 public key as 64 hex digits");
      } else {
        KeyId id{};
        if (from_hex(hexes[i], id)) m.revoke_keys.push_back(id);
        else r.error(list[i], path, "expected a key id as 32 hex digits");
      }
    }
  }
}

}  // namespace

bool valid_file_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

bool parse_utc(std::string_view text, std::int64_t& out) {
  // Fixed form YYYY-MM-DDTHH:MM:SSZ; strptime would accept too much (spaces, missing parts).
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z')
    return false;
  auto num = [&](std::size_t at, std::size_t len, int& v) {
    v = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      v = v * 10 + (text[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, s;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, s)) return false;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t t = ::timegm(&tm);
  std::tm back{};
  ::gmtime_r(&t, &back);
  if (back.tm_mday != d || back.tm_mon != mo - 1) return false;  // 31 February and the like
  out = static_cast<std::int64_t>(t);
  return true;
}

std::string format_utc(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool parse_manifest(std::string_view text, const std::string& name, Manifest& out, daemon::Diagnostics& diag) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    diag.error(name, e.mark.line + 1, e.mark.column + 1, e.msg);
    return false;
  }
  YamlReader r(name, diag);
  Manifest m;
  try {
    if (!r.map(root, "(manifest)", {"format", "version", "created", "expires", "targets", "files", "keys", "comment"}))
      return false;
    std::uint32_t format = 0;
    if (!root["format"]) r.error(root, "(manifest)", "missing \"format\"");
    else if (r.integer<std::uint32_t>(root["format"], "format", 0, 1u << 30, format) && format != kManifestFormat)
      r.error(root["format"], "format", "unsupported format " + std::to_string(format) + " (this gateway reads format 1)");
    if (!root["version"]) r.error(root, "(manifest)", "missing \"version\"");
    else r.integer<std::uint64_t>(root["version"], "version", 1, std::uint64_t{1} << 53, m.version);
    read_time(r, root, "created", m.created);
    read_time(r, root, "expires", m.expires);
    if (m.expires != 0 && m.created != 0 && m.expires <= m.created)
      r.error(root["expires"], "expires", "must be later than \"created\"");
    if (const YAML::Node t = root["targets"]) {
      if (r.map(t, "targets", {"gateways", "groups"})) {
        if (t["gateways"]) read_string_list(r, t["gateways"], "targets.gateways", m.gateways);
        if (t["groups"]) read_string_list(r, t["groups"], "targets.groups", m.groups);
      }
      if (m.gateways.empty() && m.groups.empty()) r.error(t, "targets", "names no gateway and no group");
    } else {
      r.error(root, "(manifest)", "missing \"targets\"");
    }
    const YAML::Node files = root["files"];
    if (!files) r.error(root, "(manifest)", "missing \"files\"");
    else if (!files.IsSequence()) r.error(files, "files", "expected a list of files");
    else if (files.size() > kMaxManifestFiles) r.error(files, "files", "more than " + std::to_string(kMaxManifestFiles) + " files");
    else for (std::size_t i = 0; i < files.size(); ++i) read_file(r, files[i], "files[" + std::to_string(i) + "]", m);
    if (const YAML::Node k = root["keys"]) read_keys(r, k, m);
    if (const YAML::Node c = root["comment"]) r.string(c, "comment", m.comment);
  } catch (const YAML::Exception& e) {
    diag.error(name, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  if (!diag.empty()) return false;
  out = std::move(m);
  return true;
}

std::string manifest_json(const Manifest& m) {
  std::string out;
  proto::JsonWriter w(out);
  w.begin_object().field("format", kManifestFormat).field("version", m.version);
  w.field("created", format_utc(m.created)).field("expires", format_utc(m.expires));
  w.key("targets").begin_object();
  if (!m.gateways.empty()) {
    w.key("gateways").begin_array();
    for (const auto& g : m.gateways) w.value(g);
    w.end_array();
  }
  if (!m.groups.empty()) {
    w.key("groups").begin_array();
    for (const auto& g : m.groups) w.value(g);
    w.end_array();
  }
  w.end_object();
  w.key("files").begin_array();
  for (const auto& f : m.files) {
    w.begin_object().field("name", f.name).field("role", role_name(f.role)).field("size", f.size);
    w.field("sha256", to_hex(f.sha256)).end_object();
  }
  w.end_array();
  if (!m.add_keys.empty() || !m.revoke_keys.empty()) {
    w.key("keys").begin_object();
    if (!m.add_keys.empty()) {
      w.key("add").begin_array();
      for (const auto& k : m.add_keys) w.value(to_hex(k));
      w.end_array();
    }
    if (!m.revoke_keys.empty()) {
      w.key("revoke").begin_array();
      for (const auto& k : m.revoke_keys) w.value(to_hex(k));
      w.end_array();
    }
    w.end_object();
  }
  if (!m.comment.empty()) w.field("comment", m.comment);
  w.end_object();
  out += '\n';
  return out;
}

}  // namespace fg::update

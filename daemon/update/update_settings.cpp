#include "daemon/update/update_settings.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>

namespace fg::update {

std::uint64_t poll_delay_ns(const UpdateSettings& s, std::uint32_t failures, std::uint64_t jitter_draw) {
  const std::uint64_t cap = std::max(s.max_backoff_ns, s.interval_ns);
  std::uint64_t base = s.interval_ns;
  for (std::uint32_t i = 0; i < failures && base < cap; ++i) base *= 2;
  return std::min(base, cap) + (s.jitter_ns ? jitter_draw % s.jitter_ns : 0);
}

bool parse_size_bytes(const std::string& text, std::uint64_t& out) {
  std::uint64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc{} || r.ptr == text.data()) return false;
  const std::string unit(r.ptr, text.data() + text.size());
  std::uint64_t mul = 0;
  if (unit.empty() || unit == "B") mul = 1;
  else if (unit == "KiB") mul = 1ull << 10;
  else if (unit == "MiB") mul = 1ull << 20;
  else if (unit == "GiB") mul = 1ull << 30;
  else return false;
  if (v > (1ull << 40) / mul) return false;
  out = v * mul;
  return true;
}

void read_update_settings(daemon::YamlReader& r, const YAML::Node& n, UpdateSettings& out) {
  if (!r.map(n, "update", {"state_dir", "gateway_id", "groups", "keys", "url", "report_url", "ca", "cert", "key",
                           "interval", "jitter", "max_backoff", "timeout", "max_bundle_size", "health"}))
    return;
  UpdateSettings s;
  s.enabled = true;
  auto list = [&](const char* key, std::vector<std::string>& dst) {
    const YAML::Node v = n[key];
    if (!v) return;
    const std::string path = std::string("update.") + key;
    if (!v.IsSequence()) {
      r.error(v, path, "expected a list");
      return;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::string item;
      if (r.string(v[i], path + "[" + std::to_string(i) + "]", item)) dst.push_back(item);
    }
  };
  for (auto [key, dst] : {std::pair{"state_dir", &s.state_dir}, std::pair{"gateway_id", &s.gateway_id},
                          std::pair{"url", &s.url}, std::pair{"report_url", &s.report_url}, std::pair{"ca", &s.ca},
                          std::pair{"cert", &s.cert}, std::pair{"key", &s.key}})
    if (const YAML::Node v = n[key]) r.string(v, std::string("update.") + key, *dst);
  list("groups", s.groups);
  list("keys", s.keys);
  for (auto [key, dst] : {std::pair{"interval", &s.interval_ns}, std::pair{"jitter", &s.jitter_ns},
                          std::pair{"max_backoff", &s.max_backoff_ns}, std::pair{"timeout", &s.timeout_ns}})
    if (const YAML::Node v = n[key]) r.duration(v, std::string("update.") + key, *dst);
  if (const YAML::Node v = n["max_bundle_size"]) {
    std::string t;
    if (r.string(v, "update.max_bundle_size", t) && (!parse_size_bytes(t, s.max_bundle_bytes) || s.max_bundle_bytes < 1024))
      r.error(v, "update.max_bundle_size", "expected a size of at least 1KiB like 16MiB, 512KiB or 4096, got \"" + t + "\"");
  }
  if (const YAML::Node h = n["health"]) {
    if (r.map(h, "update.health", {"window", "require_traffic"})) {
      if (const YAML::Node v = h["window"]) r.duration(v, "update.health.window", s.health_window_ns);
      if (const YAML::Node v = h["require_traffic"]) r.boolean(v, "update.health.require_traffic", s.health_requires_traffic);
    }
  }
  if (s.gateway_id.empty()) r.error(n, "update", "missing \"gateway_id\" (the id manifests target)");
  if (s.keys.empty()) r.error(n, "update", "missing \"keys\" (at least one pinned console public key)");
  if (s.interval_ns < 1'000'000'000ull) r.error(n["interval"] ? n["interval"] : n, "update.interval", "must be at least 1s");
  for (auto [key, val] : {std::pair{"url", &s.url}, std::pair{"report_url", &s.report_url}})
    if (!val->empty() && val->rfind("https://", 0) != 0)
      r.error(n[key], std::string("update.") + key, "must be an https:// URL (TLS verification is always on)");
  if (!s.url.empty())
    for (auto [key, val] : {std::pair{"ca", &s.ca}, std::pair{"cert", &s.cert}, std::pair{"key", &s.key}})
      if (val->empty()) r.error(n, "update", std::string("missing \"") + key + "\" (needed for mutual TLS with the console)");
  // Relative paths are taken from the configuration file's folder, like `rules:`.
  const std::filesystem::path dir = std::filesystem::path(r.file()).parent_path();
  auto resolve = [&](std::string& p) {
    if (!p.empty() && std::filesystem::path(p).is_relative() && r.file().find('/') != std::string::npos)
      p = (dir / p).string();
  };
  for (std::string* p : {&s.state_dir, &s.ca, &s.cert, &s.key}) resolve(*p);
  for (auto& k : s.keys) resolve(k);
  out = std::move(s);
}

}  // namespace fg::update

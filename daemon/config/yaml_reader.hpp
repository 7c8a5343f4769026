// Walks YAML documents (config, rule files, bundles), checking keys and types; every error
// names the node's FILE:LINE:COL so a user can go straight to it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/config/diagnostics.hpp"
#include "dataplane/pipeline/verdict.hpp"

namespace fg::daemon {

// "10s", "500ms", "2m", "1h" → nanoseconds. False on anything else.
bool parse_duration_ns(const std::string& text, std::uint64_t& ns);

// Walks one YAML document, checking keys and types; every error names the node's mark.
class YamlReader {
 public:
  YamlReader(std::string file, Diagnostics& diag) : file_(std::move(file)), diag_(diag) {}

  void error(const YAML::Node& n, const std::string& path, const std::string& msg) {
    const YAML::Mark m = n.Mark();
    diag_.error(file_, m.line + 1, m.column + 1, path + ": " + msg);
  }

  // Checks that `n` is a map whose keys are all in `allowed`.
  bool map(const YAML::Node& n, const std::string& path, const std::vector<std::string>& allowed) {
    if (!n.IsMap()) {
      error(n, path, "expected a mapping");
      return false;
    }
    for (const auto& kv : n) {
      const std::string key = kv.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string msg = "unknown key \"" + key + "\"";
        const std::string near = closest_match(key, allowed);
        if (!near.empty()) msg += " (did you mean \"" + near + "\"?)";
        else {
          msg += " (expected one of:";
          for (const auto& a : allowed) msg += " " + a;
          msg += ")";
        }
        error(kv.first, path, msg);
      }
    }
    return true;
  }

  template <class T>
  bool integer(const YAML::Node& n, const std::string& path, T lo, T hi, T& out) {
    if (!n.IsScalar()) {
      error(n, path, "expected a number");
      return false;
    }
    const std::string s = n.Scalar();
    long long v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) {
      error(n, path, "expected a whole number, got \"" + s + "\"");
      return false;
    }
    if (v < static_cast<long long>(lo) || v > static_cast<long long>(hi)) {
      error(n, path, std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return false;
    }
    out = static_cast<T>(v);
    return true;
  }

  bool string(const YAML::Node& n, const std::string& path, std::string& out) {
    if (!n.IsScalar()) {
      error(n, path, "expected a string");
      return false;
    }
    out = n.Scalar();
    return true;
  }

  bool duration(const YAML::Node& n, const std::string& path, std::uint64_t& ns) {
    std::string s;
    if (!string(n, path, s)) return false;
    if (!parse_duration_ns(s, ns)) {
      error(n, path, "expected a duration with a unit (ms, s, m, h), got \"" + s + "\"");
      return false;
    }
    return true;
  }

  bool action(const YAML::Node& n, const std::string& path, dp::Action& out) {
    std::string s;
    if (!string(n, path, s)) return false;
    static const std::vector<std::string> kNames = {"allow", "alert", "drop", "reset", "block"};
    for (std::size_t i = 0; i < kNames.size(); ++i) {
      if (s == kNames[i]) {
        out = static_cast<dp::Action>(i);
        return true;
      }
    }
    std::string msg = "unknown action \"" + s + "\"";
    const std::string near = closest_match(s, kNames);
    msg += near.empty() ? " (expected allow, alert, drop, reset or block)" : " (did you mean \"" + near + "\"?)";
    error(n, path, msg);
    return false;
  }

  // An IP protocol by name (tcp, udp, icmp, icmpv6; any = 0), as the ACL, the rule language
  // and the tunnel's selectors write it.
  bool ip_protocol(const YAML::Node& n, const std::string& path, std::uint8_t& out) {
    std::string s;
    if (!string(n, path, s)) return false;
    static const std::vector<std::pair<std::string, std::uint8_t>> kProtocols = {
        {"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmpv6", 58}, {"any", 0}};
    std::vector<std::string> names;
    for (const auto& [name, number] : kProtocols) {
      if (s == name) {
        out = number;
        return true;
      }
      names.push_back(name);
    }
    const std::string near = closest_match(s, names);
    error(n, path, "unknown protocol \"" + s + "\"" +
                       (near.empty() ? " (expected tcp, udp, icmp, icmpv6 or any)" : " (did you mean \"" + near + "\"?)"));
    return false;
  }

  bool boolean(const YAML::Node& n, const std::string& path, bool& out) {
    if (!n.IsScalar() || (n.Scalar() != "true" && n.Scalar() != "false")) {
      error(n, path, "expected true or false");
      return false;
    }
    out = n.Scalar() == "true";
    return true;
  }

  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] Diagnostics& diagnostics() noexcept { return diag_; }

 private:
  std::string file_;
  Diagnostics& diag_;
};

}  // namespace fg::daemon

#include "rules/anomaly/anomaly_settings_reader.hpp"

#include <string>
#include <vector>

#include "rules/anomaly/event_catalog.hpp"

namespace fg::anomaly {

namespace {

void read_conformance(daemon::YamlReader& r, const YAML::Node& n, ConformanceSettings& c) {
  if (!r.map(n, "anomaly.conformance", {"default", "overrides"})) return;
  if (auto v = n["default"]) r.action(v, "anomaly.conformance.default", c.default_action);
  const YAML::Node o = n["overrides"];
  if (!o) return;
  if (!o.IsMap()) {
    r.error(o, "anomaly.conformance.overrides", "expected a mapping of event name to action");
    return;
  }
  std::vector<std::string> names;
  for (const CatalogEntry& e : event_catalog())
    if (e.conformance) names.emplace_back(e.kind->name);
  for (const auto& kv : o) {
    const std::string name = kv.first.as<std::string>();
    const std::string path = "anomaly.conformance.overrides." + name;
    const CatalogEntry* e = find_event(name);
    if (e == nullptr || !e->conformance) {
      std::string msg = "\"" + name + "\" is not a conformance event";
      const std::string near = daemon::closest_match(name, names);
      msg += near.empty() ? " (docs/ANOMALY.md lists them)" : " (did you mean \"" + near + "\"?)";
      r.error(kv.first, path, msg);
      continue;
    }
    dp::Action a = dp::Action::Alert;
    if (r.action(kv.second, path, a)) c.overrides.emplace_back(name, a);
  }
}

void read_baseline(daemon::YamlReader& r, const YAML::Node& n, BaselineSettings& b) {
  if (!r.map(n, "anomaly.baseline", {"mode", "state_dir", "action", "save_interval", "event_holdoff"})) return;
  if (auto v = n["mode"]) {
    std::string s;
    if (r.string(v, "anomaly.baseline.mode", s)) {
      if (s == "off") b.mode = Mode::Off;
      else if (s == "learn") b.mode = Mode::Learn;
      else if (s == "enforce") b.mode = Mode::Enforce;
      else r.error(v, "anomaly.baseline.mode", "expected off, learn or enforce, got \"" + s + "\"");
      b.mode_set = true;
    }
  }
  if (auto v = n["state_dir"]) {
    if (r.string(v, "anomaly.baseline.state_dir", b.state_dir) && b.state_dir.empty())
      r.error(v, "anomaly.baseline.state_dir", "expected a directory");
  }
  if (auto v = n["action"]) r.action(v, "anomaly.baseline.action", b.action);
  if (auto v = n["save_interval"]) r.duration(v, "anomaly.baseline.save_interval", b.save_interval_ns);
  if (auto v = n["event_holdoff"]) r.duration(v, "anomaly.baseline.event_holdoff", b.event_holdoff_ns);
}

bool read_ratio(daemon::YamlReader& r, const YAML::Node& n, const std::string& path, double lo, double hi, double& out) {
  if (!n.IsScalar()) {
    r.error(n, path, "expected a number");
    return false;
  }
  try {
    const double v = std::stod(n.Scalar());
    if (v < lo || v > hi) {
      r.error(n, path, n.Scalar() + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return false;
    }
    out = v;
    return true;
  } catch (const std::exception&) {
    r.error(n, path, "expected a number, got \"" + n.Scalar() + "\"");
    return false;
  }
}

void read_rates(daemon::YamlReader& r, const YAML::Node& n, RateSettings& s) {
  if (!r.map(n, "anomaly.rates", {"enabled", "syn_per_s", "connections_per_s", "device_requests_per_s",
                                  "flow_requests_per_s", "syn_floor", "connection_floor", "request_floor", "k_sigma",
                                  "ewma_alpha", "warmup_windows", "action"}))
    return;
  if (auto v = n["enabled"]) r.boolean(v, "anomaly.rates.enabled", s.enabled);
  const std::uint32_t kMax = 100'000'000;
  for (auto [key, dst] : {std::pair{"syn_per_s", &s.syn_per_s}, std::pair{"connections_per_s", &s.connections_per_s},
                          std::pair{"device_requests_per_s", &s.device_requests_per_s},
                          std::pair{"flow_requests_per_s", &s.flow_requests_per_s}, std::pair{"syn_floor", &s.syn_floor},
                          std::pair{"connection_floor", &s.connection_floor},
                          std::pair{"request_floor", &s.request_floor}, std::pair{"warmup_windows", &s.warmup_windows}})
    if (auto v = n[key]) r.integer<std::uint32_t>(v, std::string("anomaly.rates.") + key, 0, kMax, *dst);
  if (auto v = n["k_sigma"]) read_ratio(r, v, "anomaly.rates.k_sigma", 0.5, 100, s.k_sigma);
  if (auto v = n["ewma_alpha"]) read_ratio(r, v, "anomaly.rates.ewma_alpha", 0.001, 1, s.ewma_alpha);
  if (auto v = n["action"]) r.action(v, "anomaly.rates.action", s.action);
}

void read_clustering(daemon::YamlReader& r, const YAML::Node& n, ClusteringSettings& c) {
  if (!r.map(n, "anomaly.clustering", {"enabled", "window", "max_k", "threshold_margin", "min_windows", "max_training_windows"}))
    return;
  if (auto v = n["enabled"]) r.boolean(v, "anomaly.clustering.enabled", c.enabled);
  if (auto v = n["window"]) {
    std::uint64_t ns = 0;
    if (r.duration(v, "anomaly.clustering.window", ns)) {
      if (ns < 1'000'000'000ull) r.error(v, "anomaly.clustering.window", "must be at least 1s");
      else c.window_ns = ns;
    }
  }
  if (auto v = n["max_k"]) r.integer<std::uint32_t>(v, "anomaly.clustering.max_k", 1, 32, c.max_k);
  if (auto v = n["threshold_margin"]) read_ratio(r, v, "anomaly.clustering.threshold_margin", 1.0, 100, c.threshold_margin);
  if (auto v = n["min_windows"]) r.integer<std::uint32_t>(v, "anomaly.clustering.min_windows", 3, 1'000'000, c.min_windows);
  if (auto v = n["max_training_windows"])
    r.integer<std::uint32_t>(v, "anomaly.clustering.max_training_windows", 100, 1'000'000, c.max_training_windows);
}

}  // namespace

bool read_anomaly_settings(daemon::YamlReader& r, const YAML::Node& n, AnomalySettings& out) {
  const std::size_t before = r.diagnostics().items().size();
  out.configured = true;
  if (n.IsNull()) return true;  // `anomaly:` with nothing: defaults
  if (!r.map(n, "anomaly", {"conformance", "baseline", "rates", "clustering"})) return false;
  if (auto v = n["conformance"]) read_conformance(r, v, out.conformance);
  if (auto v = n["baseline"]) read_baseline(r, v, out.baseline);
  if (auto v = n["rates"]) read_rates(r, v, out.rates);
  if (auto v = n["clustering"]) read_clustering(r, v, out.clustering);
  return r.diagnostics().items().size() == before;
}

}  // namespace fg::anomaly

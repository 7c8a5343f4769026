// libFuzzer target for the anomaly engine's inputs: the `anomaly:` settings section, the
// learned-state file (also a bundle's `baseline`) and the quarantine file. Any text either loads or is an error; a loaded state exports, scores
// and checks without crashing.
#include <cstddef>
#include <cstdint>
#include <string>

#include <yaml-cpp/yaml.h>

#include "rules/anomaly/anomaly_engine.hpp"
#include "rules/anomaly/anomaly_settings_reader.hpp"
#include "rules/anomaly/dataplane_guard.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fg;
  const std::string text(reinterpret_cast<const char*>(data), size);

  // As an `anomaly:` section.
  anomaly::AnomalySettings s;
  daemon::Diagnostics d;
  try {
    const YAML::Node root = YAML::Load(text);
    daemon::YamlReader r("fuzz.yaml", d);
    const bool ok = anomaly::read_anomaly_settings(r, root, s);
    if (ok != d.empty()) __builtin_trap();
    (void)anomaly::make_guard_config(s);
  } catch (const YAML::Exception&) {
    // Syntax errors are the caller's to report (config_loader turns them into diagnostics).
  }

  // As a learned-state file.
  anomaly::AnomalyEngine e(anomaly::AnomalySettings{}, nullptr, nullptr);
  std::string error;
  if (e.load_text(text, "fuzz-state.yaml", error)) {
    if (!error.empty()) __builtin_trap();
    (void)e.export_rules("drop");
    (void)e.show_json();
    anomaly::FeatureVector v{};
    for (std::size_t i = 0; i < v.size() && i < size; ++i) v[i] = data[i];
    (void)e.behaviour().score(v);
  } else if (error.empty()) {
    __builtin_trap();
  }

  // As a quarantine file: loaded pairs make a sealed table that answers lookups.
  anomaly::AnomalyEngine q(anomaly::AnomalySettings{}, nullptr, nullptr);
  error.clear();
  if (q.load_quarantine_text(text, "fuzz-quarantine.yaml", error)) {
    const anomaly::Quarantine table = q.quarantine();
    if (table.pairs.size() != q.quarantined().size() || table.pairs.size() > anomaly::Quarantine::kMaxPairs) __builtin_trap();
    for (const auto& p : table.pairs)
      if (!table.contains(p.client, p.server, p.port)) __builtin_trap();
    (void)q.show_json();
  } else if (error.empty()) {
    __builtin_trap();
  }
  return 0;
}

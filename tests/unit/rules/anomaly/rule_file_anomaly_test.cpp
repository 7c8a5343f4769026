// A rule file's `anomaly:` section is read with read_anomaly_settings and applied over the
// daemon config's, key by key; its mistakes are FILE:LINE:COL diagnostics.
#include <catch2/catch.hpp>

#include "daemon/anomaly_service.hpp"
#include "daemon/config/config_loader.hpp"
#include "protocols/dnp3/anomalies.hpp"

using namespace fg;

namespace {

rules::LoadedRules loaded_with(const std::string& anomaly_yaml) {
  rules::LoadedRules l;
  l.anomaly.push_back({"rules.yaml", YAML::Load(anomaly_yaml)});
  return l;
}

}  // namespace

TEST_CASE("the rule file's anomaly section overrides the config's, key by key, workers included") {
  daemon::Config cfg;
  daemon::Diagnostics d;
  REQUIRE(daemon::load_config_text("anomaly: {rates: {syn_per_s: 10}, baseline: {state_dir: /tmp/a}}\n", "fg.yaml", cfg, d));
  REQUIRE(daemon::apply_rule_file_anomaly(
      loaded_with("{conformance: {overrides: {dnp3.bad_link_crc: drop}}, baseline: {state_dir: /tmp/b}}"), cfg, d));
  CHECK(d.empty());
  CHECK(cfg.anomaly.rates.syn_per_s == 10);          // from the config, untouched
  CHECK(cfg.anomaly.baseline.state_dir == "/tmp/b");  // the rule file wins
  CHECK(cfg.pipeline.anomaly.syn.fixed == 10);
  bool drop = false;
  for (std::uint32_t i = 0; i < cfg.pipeline.anomaly.conformance_count; ++i)
    drop |= cfg.pipeline.anomaly.conformance[i].kind == &dnp3::kBadLinkCrc &&
            cfg.pipeline.anomaly.conformance[i].action == dp::Action::Drop;
  CHECK(drop);
}

TEST_CASE("a bad rule-file anomaly section is refused with its position") {
  daemon::Config cfg = daemon::monitor_default();
  daemon::Diagnostics d;
  CHECK_FALSE(daemon::apply_rule_file_anomaly(loaded_with("{clustering: {max_k: 0}}"), cfg, d));
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].file == "rules.yaml");
  CHECK(d.items()[0].message.find("anomaly.clustering.max_k") != std::string::npos);
}

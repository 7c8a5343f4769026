// The daemon configuration's `rules:` key: a path, relative to the configuration file.
#include <catch2/catch.hpp>

#include "daemon/config/config_loader.hpp"

using namespace fg;

TEST_CASE("rules: names the rule file, relative to the configuration's folder") {
  daemon::Config c;
  daemon::Diagnostics d;
  REQUIRE(daemon::load_config_text("rules: policy/plant.yaml\n", "/etc/fieldguard/fieldguard.yaml", c, d));
  CHECK(c.rules_path == "/etc/fieldguard/policy/plant.yaml");
  REQUIRE(daemon::load_config_text("rules: /srv/rules\n", "/etc/fieldguard/fieldguard.yaml", c, d));
  CHECK(c.rules_path == "/srv/rules");
  REQUIRE(daemon::load_config_text("dataplane: {workers: 1}\n", "x.yaml", c, d));
  CHECK(c.rules_path.empty());
}

TEST_CASE("rules: with an old acl: section is refused, naming both") {
  daemon::Config c;
  daemon::Diagnostics d;
  CHECK_FALSE(daemon::load_config_text("acl: {default: drop}\nrules: r.yaml\n", "f.yaml", c, d));
  REQUIRE(d.items().size() == 1);
  CHECK_THAT(d.items()[0].str(), Catch::StartsWith("f.yaml:1:6: error: acl: acl: and rules: both set"));
  daemon::Diagnostics d2;
  CHECK_FALSE(daemon::load_config_text("rules: [a]\n", "f.yaml", c, d2));
  CHECK(d2.items()[0].str() == "f.yaml:1:8: error: rules: expected a string");
}

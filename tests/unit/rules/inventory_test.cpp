// Device inventory: bindings load with their values; every mistake names line:col.
#include <catch2/catch.hpp>

#include "rules/inventory/inventory.hpp"

using namespace fg;

namespace {
bool load(const std::string& yaml, rules::Inventory& inv, daemon::Diagnostics& d) {
  daemon::YamlReader r("rules.yaml", d);
  return rules::read_devices(r, YAML::Load(yaml)["devices"], inv);
}
}  // namespace

TEST_CASE("devices load with MAC, addresses, VLAN, zone and identity kind") {
  rules::Inventory inv;
  daemon::Diagnostics d;
  REQUIRE(load(R"(
devices:
  - {id: plc-3, mac: "00:1B:1b:00:00:03", ip: 10.0.0.3, vlan: 10, zone: field}
  - {id: hmi-1, ip: [10.0.0.20, "fe80::20"], identity: certificate}
  - {id: historian, identity: none, description: "cloud side"}
)", inv, d));
  CHECK(d.empty());
  REQUIRE(inv.devices.size() == 3);
  const rules::Device* plc = inv.find("plc-3");
  REQUIRE(plc != nullptr);
  CHECK(rules::format_mac(*plc->mac) == "00:1b:1b:00:00:03");
  CHECK(rules::format_ip(plc->ips.at(0)) == "10.0.0.3");
  CHECK(plc->vlan == 10);
  CHECK(plc->zone == "field");
  CHECK(plc->identity == rules::IdentityKind::Static);
  CHECK(plc->line == 3);
  const rules::Device* hmi = inv.find("hmi-1");
  REQUIRE(hmi != nullptr);
  CHECK(hmi->identity == rules::IdentityKind::Certificate);
  CHECK(rules::format_ip(hmi->ips.at(1)) == "fe80::20");
  CHECK(inv.find("nobody") == nullptr);
}

TEST_CASE("inventory mistakes are reported with file:line:col") {
  rules::Inventory inv;
  daemon::Diagnostics d;
  CHECK_FALSE(load(R"(
devices:
  - {id: plc-3, mac: "00:1b:1b:00:00", ip: 10.0.0.3}
  - {id: plc-3, ip: 10.0.0.4}
  - {id: rtu, ip: 10.0.0.300}
  - {id: hmi, ip: 10.0.0.5, identity: certificat}
  - {id: sensor}
  - {id: x, ip: 10.0.0.6, vlna: 3}
)", inv, d));
  const std::string s = d.str();
  CHECK_THAT(s, Catch::Contains("rules.yaml:3:22: error: devices[0].mac: expected a MAC address"));
  CHECK_THAT(s, Catch::Contains("rules.yaml:4:10: error: devices[1].id: duplicate device id \"plc-3\""));
  CHECK_THAT(s, Catch::Contains("rules.yaml:5:19: error: devices[2].ip: expected an IPv4 or IPv6 address"));
  CHECK_THAT(s, Catch::Contains("did you mean \"certificate\"?"));
  CHECK_THAT(s, Catch::Contains("rules.yaml:7:5: error: devices[4]: a static identity needs a \"mac\" or an \"ip\""));
  CHECK_THAT(s, Catch::Contains("devices[5]: unknown key \"vlna\" (did you mean \"vlan\"?)"));
}

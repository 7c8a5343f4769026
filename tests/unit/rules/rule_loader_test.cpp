// Rule files: every field of the syntax loads; every kind of mistake is reported at its
// FILE:LINE:COL with what was expected.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "rules/check/shadow.hpp"
#include "rules/load/rule_loader.hpp"

using namespace fg;

namespace {

struct Result {
  bool ok = false;
  rules::LoadedRules loaded;
  daemon::Diagnostics diag;
  [[nodiscard]] std::string text() const { return diag.str(); }
};

Result load(const std::string& yaml, std::vector<std::string> ports = {}) {
  Result r;
  rules::LoadOptions opt;
  opt.port_names = std::move(ports);
  r.ok = rules::load_rules_text(yaml, "r.yaml", opt, r.loaded, r.diag);
  return r;
}

// The one error a bad file must give, exactly.
std::string only_error(const std::string& yaml, std::vector<std::string> ports = {}) {
  Result r = load(yaml, std::move(ports));
  CHECK_FALSE(r.ok);
  REQUIRE(r.diag.items().size() == 1);
  return r.diag.items()[0].str();
}

constexpr const char* kDevices = R"(
devices:
  - {id: hmi-1, ip: 198.18.0.20, zone: field}
  - {id: plc-3, ip: 198.18.0.3}
zones:
  field: {ports: [south]}
)";

}  // namespace

TEST_CASE("a rule file with every keyword of the syntax loads with its values") {
  Result r = load(std::string(kDevices) + R"(
default_action: drop
rules:
  - name: hmi-reads-plc3
    action: allow
    from: hmi-1
    to: [plc-3, 198.18.1.0/24]
    proto: tcp
    dst_port: 502
    src_port: "1024-65535"
    modbus: {function: [read_holding_registers, 4], unit_id: [1, 2], address: "0-999", quantity: "1-125", value: "0-100"}
    log: true
    rate: {limit: 50, per: 1s}
    rate_action: alert
  - name: no-plc-stop
    action: reset
    from: field
    s7comm: {function: [plc_stop, request_download, download_block], area: db, db: "1-10", address: "0-1023", group: cpu_functions, subfunction: 1}
  - name: plus
    action: alert
    s7comm_plus: {opcode: [0x31], function: [0x04ca]}
  - name: ua
    action: allow
    direction: any
    opcua: {service: [read, create_session], msg_type: [HEL, MSG], security_mode: [sign_and_encrypt], security_policy: [Basic256Sha256]}
  - name: dnp3
    action: drop
    dnp3: {function: [cold_restart, 14], object: ["12:1", "41:*", 30], address: "0-99"}
  - name: mb-exceptions
    action: alert
    direction: response
    modbus: {exception: [illegal_data_address]}
anomaly: {learn: true}
)", {"south", "north"});
  INFO(r.text());
  REQUIRE(r.ok);
  const rules::RuleSet& s = r.loaded.set;
  CHECK(s.default_action == dp::Action::Drop);
  REQUIRE(s.rules.size() == 6);
  const rules::Rule& a = s.rules[0];
  CHECK(a.name == "hmi-reads-plc3");
  CHECK(a.where.line == 10);
  CHECK(a.from.size() == 1);
  CHECK(a.from[0].kind == rules::Endpoint::Kind::Device);
  REQUIRE(a.to.size() == 2);
  CHECK(a.to[1].kind == rules::Endpoint::Kind::Cidr);
  CHECK(a.ip_proto == 6);
  CHECK(a.dst_port.values.contains(502));
  CHECK_FALSE(a.dst_port.values.contains(503));
  CHECK(a.src_port.values.contains_all(1024, 65535));
  CHECK(a.section == rules::Section::Modbus);
  CHECK(a.modbus.function.values.contains(3));
  CHECK(a.modbus.function.values.contains(4));
  CHECK_FALSE(a.modbus.function.values.contains(5));
  CHECK(a.modbus.address.values.contains_all(0, 999));
  CHECK(a.log);
  CHECK(a.rate_limit == 50);
  CHECK(a.rate_per_ns == 1'000'000'000ull);
  CHECK(a.rate_action == dp::Action::Alert);
  CHECK(s.rules[1].from[0].kind == rules::Endpoint::Kind::Zone);
  CHECK(s.rules[1].s7comm.function.values.contains(0x29));
  CHECK(s.rules[1].s7comm.area.values.contains(0x84));
  CHECK(s.rules[1].s7comm.group.values.contains(4));
  CHECK(s.rules[2].s7comm_plus.function.values.contains(0x04ca));
  // A service name stands for its request (631) and its response (634) encoding.
  CHECK(s.rules[3].opcua.service.values.contains(631));
  CHECK(s.rules[3].opcua.service.values.contains(634));
  CHECK_FALSE(s.rules[3].opcua.service.values.contains(673));
  CHECK(s.rules[3].direction == rules::PduDirection::Any);
  CHECK(s.rules[3].opcua.security_mode.values.contains(3));
  CHECK(s.rules[4].dnp3.function.values.contains(13));
  CHECK(s.rules[4].dnp3.function.values.contains(14));
  CHECK(s.rules[4].dnp3.object.values.contains(12 << 8 | 1));
  CHECK_FALSE(s.rules[4].dnp3.object.values.contains(12 << 8 | 2));
  CHECK(s.rules[4].dnp3.object.values.contains_all(41 << 8, 41 << 8 | 255));
  CHECK(s.rules[4].dnp3.object.values.contains(30 << 8 | 7));
  CHECK(s.rules[5].modbus.exception.values.contains(2));
  CHECK(s.rules[5].direction == rules::PduDirection::Response);
  // The anomaly engine's settings are kept for it, unread.
  REQUIRE(r.loaded.anomaly.size() == 1);
  CHECK(r.loaded.anomaly[0].node["learn"].as<bool>());
  CHECK(s.hash.size() == 16);
  CHECK(rules::find_unreachable(s).empty());
}

TEST_CASE("an unknown key names its line and column and the key meant") {
  CHECK(only_error("rules:\n  - name: a\n    action: allow\n    form: any\n") ==
        "r.yaml:4:5: error: rules[0]: unknown key \"form\" (did you mean \"from\"?)");
  CHECK(only_error("rule:\n  - {name: a, action: allow}\n") ==
        "r.yaml:1:1: error: (top level): unknown key \"rule\" (did you mean \"rules\"?)");
}

TEST_CASE("a value of the wrong type says what was expected") {
  CHECK(only_error("rules:\n  - name: a\n    action: allow\n    modbus: {unit_id: {x: 1}}\n") ==
        "r.yaml:4:23: error: rules[0].modbus.unit_id: expected a unit id (number, or \"lo-hi\")");
  CHECK(only_error("rules:\n  - name: a\n    action: allow\n    log: yes please\n") ==
        "r.yaml:4:10: error: rules[0].log: expected true or false");
  CHECK(only_error("rules: {a: 1}\n") == "r.yaml:1:8: error: rules: expected a list of rules");
}

TEST_CASE("an unknown function name suggests the nearest one") {
  CHECK(only_error("rules:\n  - name: a\n    action: drop\n    modbus: {function: wirte_single_coil}\n") ==
        "r.yaml:4:24: error: rules[0].modbus.function: unknown function \"wirte_single_coil\" (did you mean "
        "\"write_single_coil\"?)");
  CHECK(only_error("rules:\n  - name: a\n    action: drop\n    dnp3: {function: [read, cold_restrat]}\n") ==
        "r.yaml:4:29: error: rules[0].dnp3.function[1]: unknown function \"cold_restrat\" (did you mean \"cold_restart\"?)");
  CHECK(only_error("rules:\n  - name: a\n    action: drop\n    s7comm: {function: plc_stp}\n") ==
        "r.yaml:4:24: error: rules[0].s7comm.function: unknown function \"plc_stp\" (did you mean \"plc_stop\"?)");
}

TEST_CASE("an unknown OPC UA service name suggests the nearest one") {
  CHECK(only_error("rules:\n  - name: a\n    action: allow\n    opcua: {service: [read, wrte]}\n") ==
        "r.yaml:4:29: error: rules[0].opcua.service[1]: unknown service \"wrte\" (did you mean \"write\"?)");
  CHECK(only_error("rules:\n  - name: a\n    action: allow\n    opcua: {service: frobnicate}\n") ==
        "r.yaml:4:22: error: rules[0].opcua.service: unknown service \"frobnicate\", expected a number or a name "
        "listed in docs/RULES.md");
}

TEST_CASE("an empty range is refused") {
  CHECK(only_error("rules:\n  - name: a\n    action: allow\n    modbus: {address: \"100-99\"}\n") ==
        "r.yaml:4:23: error: rules[0].modbus.address: empty range \"100-99\", expected lo-hi with lo <= hi");
  CHECK(only_error("rules:\n  - name: a\n    action: allow\n    dst_port: []\n") ==
        "r.yaml:4:15: error: rules[0].dst_port: empty list, expected at least one port");
}

TEST_CASE("an error in one side of a range quotes the whole text written") {
  CHECK(only_error("rules:\n  - name: a\n    action: allow\n    modbus: {quantity: \"1-5,3-8\"}\n") ==
        "r.yaml:4:24: error: rules[0].modbus.quantity: expected a quantity number or \"lo-hi\", got \"1-5,3-8\"");
  CHECK(only_error("rules:\n  - name: a\n    action: allow\n    modbus: {address: \"0-70000\"}\n") ==
        "r.yaml:4:23: error: rules[0].modbus.address: address 70000 is out of range, expected 0-65535 (in \"0-70000\")");
}

TEST_CASE("overlapping ranges in one condition are refused") {
  CHECK(only_error("rules:\n  - name: a\n    action: allow\n    modbus: {address: [\"0-10\", \"5-20\"]}\n") ==
        "r.yaml:4:32: error: rules[0].modbus.address: \"5-20\" overlaps \"0-10\", expected ranges that do not overlap");
  CHECK(only_error("rules:\n  - name: a\n    action: allow\n    dnp3: {object: [\"41:*\", \"41:2\"]}\n") ==
        "r.yaml:4:29: error: rules[0].dnp3.object[1]: \"41:2\" overlaps \"41:*\", expected objects listed once");
}

TEST_CASE("a rule naming an unknown device or zone is refused with a suggestion") {
  CHECK(only_error(std::string(kDevices) + "rules:\n  - name: a\n    action: allow\n    to: plc-4\n") ==
        "r.yaml:10:9: error: rules[0].to: unknown device or zone \"plc-4\" (did you mean \"plc-3\"?)");
  CHECK(only_error(std::string(kDevices) + "rules:\n  - name: a\n    action: allow\n    from: [hmi-1, feild]\n") ==
        "r.yaml:10:19: error: rules[0].from[1]: unknown device or zone \"feild\" (did you mean \"field\"?)");
}

TEST_CASE("a zone naming a port the dataplane does not have is refused") {
  CHECK(only_error("zones:\n  field: {ports: [sooth]}\n", {"south", "north"}) ==
        "r.yaml:2:19: error: zones.field.ports: unknown port \"sooth\" (did you mean \"south\"?)");
}

TEST_CASE("duplicate rule names, two protocol sections and a bad rate are refused") {
  Result r = load(
      "rules:\n"
      "  - {name: a, action: allow}\n"
      "  - {name: a, action: allow, modbus: {}, dnp3: {}}\n"
      "  - {name: b, action: allow, rate: {limit: 5, per: 0s}}\n");
  CHECK_FALSE(r.ok);
  const std::string t = r.text();
  CHECK_THAT(t, Catch::Contains("r.yaml:3:5: error: rules[1].name: duplicate rule name \"a\", first used at r.yaml:2"));
  CHECK_THAT(t, Catch::Contains("r.yaml:3:48: error: rules[1].dnp3: a rule judges one protocol"));
  CHECK_THAT(t, Catch::Contains("r.yaml:4:52: error: rules[2].rate.per: period out of range"));
}

TEST_CASE("a YAML syntax error names its position") {
  Result r = load("rules:\n  - name: [a\n");
  CHECK_FALSE(r.ok);
  REQUIRE_FALSE(r.diag.empty());
  CHECK(r.diag.items()[0].file == "r.yaml");
  CHECK(r.diag.items()[0].line == 3);
}

TEST_CASE("rules that an earlier rule shadows, and an unreachable default, are reported") {
  Result r = load(std::string(kDevices) + R"(
default_action: drop
rules:
  - {name: reads, action: allow, to: 198.18.0.0/24, modbus: {function: "1-4"}}
  - {name: plc-reads, action: drop, to: plc-3, modbus: {function: 3, address: "0-9"}}
  - {name: plc-writes, action: drop, to: plc-3, modbus: {function: 6}}
  - {name: field-only, action: alert, from: field}
  - {name: field-modbus, action: alert, from: field, dnp3: {}}
  - {name: everything, action: allow}
)");
  INFO(r.text());
  REQUIRE(r.ok);
  const auto f = rules::find_unreachable(r.loaded.set);
  REQUIRE(f.size() == 3);
  CHECK(f[0].where.line == 11);
  CHECK_THAT(f[0].message, Catch::Contains("rule \"plc-reads\" can never match: rule \"reads\""));
  CHECK_THAT(f[1].message, Catch::Contains("rule \"field-modbus\" can never match: rule \"field-only\""));
  CHECK(f[2].where.line == 8);
  CHECK_THAT(f[2].message, Catch::Contains("default_action: can never apply: rule \"everything\""));
}

TEST_CASE("a directory of rule files merges zones and devices and appends rules in name order") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("fg_rules_dir_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "20-rules.yaml") << "default_action: drop\nrules:\n  - {name: second, action: allow, to: plc-3}\n";
  std::ofstream(dir / "10-inventory.yaml") << "devices:\n  - {id: plc-3, ip: 198.18.0.3}\nrules:\n  - {name: first, action: alert}\n";
  std::ofstream(dir / "notes.txt") << "not a rule file";
  rules::LoadedRules loaded;
  daemon::Diagnostics diag;
  const bool ok = rules::load_rules_path(dir.string(), {}, loaded, diag);
  INFO(diag.str());
  CHECK(ok);
  REQUIRE(loaded.set.rules.size() == 2);
  CHECK(loaded.set.rules[0].name == "first");
  CHECK(loaded.set.rules[1].name == "second");
  CHECK(loaded.set.files.size() == 2);
  CHECK(loaded.set.default_action == dp::Action::Drop);
  // A mistake in the second file names that file.
  std::ofstream(dir / "30-bad.yaml") << "default_action: allow\n";
  daemon::Diagnostics diag2;
  CHECK_FALSE(rules::load_rules_path(dir.string(), {}, loaded, diag2));
  REQUIRE(diag2.items().size() == 1);
  CHECK(diag2.items()[0].file == (dir / "30-bad.yaml").string());
  CHECK_THAT(diag2.items()[0].message, Catch::Contains("conflicts with default_action drop"));
  fs::remove_all(dir);
}

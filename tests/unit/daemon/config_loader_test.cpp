// Config loading: every error names file:line:col and what was expected; good files load.
#include <catch2/catch.hpp>

#include "daemon/config/config_loader.hpp"

using namespace fg::daemon;

namespace {
std::string errors_of(const std::string& yaml) {
  Config c;
  Diagnostics d;
  CHECK_FALSE(load_config_text(yaml, "fg.yaml", c, d));
  return d.str();
}
}  // namespace

TEST_CASE("a complete config loads with its values") {
  Config c;
  Diagnostics d;
  const bool ok = load_config_text(R"(
dataplane:
  backend: dpdk
  eal: [--no-huge, -l, "0"]
  ports:
    - {name: field, device: net_af_packet0}
    - {name: plant, device: net_af_packet1}
  pairs:
    - {south: field, north: plant}
  idle_exit: 500ms
flows:
  max: 1000
  timeouts: {embryonic: 5s, established: 2m}
  holes: skip
acl:
  default: drop
  rules:
    - {name: modbus, action: allow, proto: tcp, dst: 10.0.0.0/8, dst_port: "502"}
protocols:
  modbus_rtu_ports: [4001]
)", "fg.yaml", c, d);
  INFO(d.str());
  REQUIRE(ok);
  CHECK(c.ports.size() == 2);
  CHECK(c.pairs[0].north == "plant");
  CHECK(c.idle_exit_ms == 500);
  CHECK(c.pipeline.max_flows == 1000);
  CHECK(c.pipeline.timeouts.embryonic_ns == 5'000'000'000ull);
  CHECK(c.pipeline.timeouts.established_ns == 120'000'000'000ull);
  CHECK(c.holes == fg::dp::HolePolicy::Skip);
  CHECK(c.acl.default_action == fg::dp::Action::Drop);
  REQUIRE(c.acl.rules.size() == 1);
  CHECK(c.acl.rules[0].dport.lo == 502);
  CHECK(c.acl.rules[0].dst.prefix_bits == 96 + 8);
  CHECK(c.pipeline.app.modbus_rtu_ports == std::vector<std::uint16_t>{4001});
}

TEST_CASE("an empty file is the monitor default") {
  Config c;
  Diagnostics d;
  REQUIRE(load_config_text("", "fg.yaml", c, d));
  CHECK(c.acl.rules.empty());
  CHECK(c.acl.default_action == fg::dp::Action::Allow);
}

TEST_CASE("an unknown key is an error with its position and a suggestion") {
  const std::string e = errors_of("flows:\n  timeouts:\n    establshed: 10s\n");
  CHECK(e == "fg.yaml:3:5: error: flows.timeouts: unknown key \"establshed\" (did you mean \"established\"?)\n");
}

TEST_CASE("a misspelt action names the action it meant") {
  const std::string e = errors_of("acl:\n  rules:\n    - action: dorp\n");
  CHECK(e.find("fg.yaml:3:15: error: acl.rules[0].action: unknown action \"dorp\" (did you mean \"drop\"?)") != std::string::npos);
}

TEST_CASE("wrong types, ranges, durations, CIDRs and port ranges are all reported at once") {
  const std::string e = errors_of(R"(flows:
  max: lots
  stream_buffers: 0
  timeouts: {closing: 10}
acl:
  rules:
    - {action: allow, dst: 10.0.0.0/40, dst_port: "600-500"}
)");
  CHECK(e.find("fg.yaml:2:8: error: flows.max: expected a whole number, got \"lots\"") != std::string::npos);
  CHECK(e.find("fg.yaml:3:19: error: flows.stream_buffers: 0 is out of range") != std::string::npos);
  CHECK(e.find("fg.yaml:4:23: error: flows.timeouts.closing: expected a duration with a unit") != std::string::npos);
  CHECK(e.find("fg.yaml:7:28: error: acl.rules[0].dst: expected an address or CIDR") != std::string::npos);
  CHECK(e.find("fg.yaml:7:51: error: acl.rules[0].dst_port: expected a port, a range lo-hi with lo <= hi") != std::string::npos);
}

TEST_CASE("a pair naming an unknown port is an error") {
  const std::string e = errors_of(R"(dataplane:
  ports:
    - {name: field, device: x}
  pairs:
    - {south: feild, north: field}
)");
  CHECK(e.find("fg.yaml:5:15: error: dataplane.pairs[0].south: unknown port \"feild\" (did you mean \"field\"?)") != std::string::npos);
}

TEST_CASE("a YAML syntax error names its position") {
  const std::string e = errors_of("flows: [1, 2\n");
  CHECK(e.rfind("fg.yaml:", 0) == 0);
  CHECK(e.find("error:") != std::string::npos);
}

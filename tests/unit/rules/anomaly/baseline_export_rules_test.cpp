// The baseline export is a rule file the rule loader accepts, for every protocol learned.
#include <catch2/catch.hpp>

#include "rules/anomaly/anomaly_engine.hpp"
#include "rules/anomaly/observation.hpp"
#include "rules/load/rule_loader.hpp"
#include "tests/unit/rules/anomaly/anomaly_test_support.hpp"

using namespace fg;
using namespace fg::anomaly;
using namespace fg::anomaly::test;

namespace {

constexpr std::uint64_t kSec = 1'000'000'000ull;

dp::AuditEntry entry(std::uint8_t client, std::uint8_t server, std::uint16_t port, std::uint64_t ts) {
  dp::AuditEntry e;
  e.ctx.ts_ns = ts;
  e.ctx.src = ip(client);
  e.ctx.dst = ip(server);
  e.ctx.sport = 40001;
  e.ctx.dport = port;
  e.ctx.ip_proto = 6;
  return e;
}

dp::AuditEntry s7_read(std::uint64_t ts, std::uint8_t function) {
  dp::AuditEntry e = entry(12, 103, 102, ts);
  s7comm::Record r;
  r.has_s7 = true;
  r.rosctr = 1;
  r.has_function = true;
  r.function = function;
  r.tpkt_length = 31;
  if (function == 4) {
    r.items_len = 1;
    r.items[0] = {0x10, 0x02, 0x84, 64, 1, 0};
  }
  e.record = r;
  return e;
}

dp::AuditEntry s7_userdata(std::uint64_t ts) {
  dp::AuditEntry e = entry(12, 103, 102, ts);
  s7comm::Record r;
  r.has_s7 = true;
  r.rosctr = 7;
  r.has_userdata = true;
  r.userdata_type = 4;
  r.userdata_group = 4;
  r.userdata_subfunc = 1;
  e.record = r;
  return e;
}

dp::AuditEntry s7_plus(std::uint64_t ts) {
  dp::AuditEntry e = entry(14, 103, 102, ts);
  s7comm::Record r;
  r.protocol = proto::Protocol::S7commPlus;
  r.has_plus_opcode = true;
  r.plus_opcode = 0x31;
  r.has_plus_function = true;
  r.plus_function = 0x04ca;
  e.record = r;
  return e;
}

dp::AuditEntry dnp3_read(std::uint64_t ts) {
  dp::AuditEntry e = entry(13, 104, 20000, ts);
  dnp3::Record r;
  r.has_app = true;
  r.app_function = 1;
  r.link_dst = 4;
  r.object_count = 2;
  r.objects[0] = {60, 2, 0x06, false, false, 0, 0, 0};
  r.objects[1] = {30, 1, 0x00, true, false, 0, 7, 0};
  e.record = r;
  return e;
}

dp::AuditEntry opcua_read(std::uint64_t ts) {
  dp::AuditEntry e = entry(15, 105, 4840, ts);
  opcua::Record r;
  r.msg_type = opcua::MsgType::Msg;
  r.has_service = true;
  r.service_id = 631;  // ReadRequest
  e.record = r;
  return e;
}

}  // namespace

TEST_CASE("the export of Modbus, S7comm, S7comm-plus, DNP3 and OPC UA baselines loads as rules") {
  AnomalySettings s;
  char tmpl[] = "/tmp/fg-anomaly-export-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  s.baseline.state_dir = tmpl;
  AnomalyEngine e(s, nullptr, nullptr);
  std::string json, error;
  REQUIRE(e.learn_start(json, error));
  for (int i = 0; i < 10; ++i) {
    const std::uint64_t t = 100 * kSec + i * kSec;
    e.on_audit(modbus_request(10, 101, t, 1, 3, 0, 10));
    e.on_audit(modbus_request(10, 101, t, 1, 6, 20, 1, {50}));
    e.on_audit(s7_read(t, 4));
    e.on_audit(s7_read(t, 0xf0));
    e.on_audit(s7_userdata(t));
    e.on_audit(s7_plus(t));
    e.on_audit(dnp3_read(t));
    e.on_audit(opcua_read(t));
  }
  REQUIRE(e.learn_stop(json, error));
  CHECK(e.baseline().pairs().size() == 5);
  for (const char* def : {"alert", "drop"}) {
    const std::string text = e.export_rules(def);
    INFO(text);
    rules::LoadedRules loaded;
    daemon::Diagnostics diag;
    CHECK(rules::load_rules_text(text, "export.yaml", {}, loaded, diag));
    CHECK(diag.str() == "");
    CHECK(loaded.set.rules.size() == 14);  // 8 function rules, 5 response rules, OPC UA connection
  }
}

TEST_CASE("an empty baseline exports a valid rule file with no rules") {
  AnomalySettings s;
  AnomalyEngine e(s, nullptr, nullptr);
  rules::LoadedRules loaded;
  daemon::Diagnostics diag;
  CHECK(rules::load_rules_text(e.export_rules("alert"), "empty.yaml", {}, loaded, diag));
  CHECK(diag.str() == "");
  CHECK(loaded.set.rules.empty());
}

// The compiled matcher: each protocol's fields, first match, the default, direction, rates,
// L3/L4 conditions, and flows matching more protocol rules than a flow keeps.
#include <catch2/catch.hpp>

#include <cstring>

#include "rules_fixture.hpp"

using namespace fg;
using test::Compiled;
using dp::Action;

namespace {

modbus::Record mb(std::uint8_t function, std::uint16_t address = 0, std::uint16_t quantity = 0, std::uint8_t unit = 1) {
  modbus::Record r;
  r.function = function;
  r.unit_id = unit;
  r.address = address;
  r.set(modbus::kHasAddress);
  if (quantity > 0) {
    r.quantity = quantity;
    r.set(modbus::kHasWordCount);
  }
  return r;
}

// FC 16 with register values.
modbus::Record mb_write(std::uint16_t address, std::initializer_list<std::uint16_t> values) {
  modbus::Record r = mb(16, address, static_cast<std::uint16_t>(values.size()));
  std::size_t i = 0;
  for (std::uint16_t v : values) {
    r.data[i++] = static_cast<std::uint8_t>(v >> 8);
    r.data[i++] = static_cast<std::uint8_t>(v);
  }
  r.data_len = static_cast<std::uint8_t>(i);
  r.value_kind = modbus::ValueKind::Registers;
  r.value_count = static_cast<std::uint16_t>(values.size());
  return r;
}

constexpr const char* kInventory = R"(
zones:
  field: {ports: [south]}
  plant: {ports: [north]}
devices:
  - {id: hmi-1, ip: 198.18.0.20}
  - {id: plc-3, ip: 198.18.0.3}
)";

}  // namespace

TEST_CASE("modbus rules match on function, unit id, address span, quantity and written values") {
  Compiled c(std::string(kInventory) + R"(
default_action: drop
rules:
  - {name: reads, action: allow, from: hmi-1, to: plc-3, dst_port: 502,
     modbus: {function: [read_holding_registers, 4], unit_id: [1, 2], address: "0-999", quantity: "1-125"}}
  - {name: setpoint, action: allow, from: hmi-1, to: plc-3, modbus: {function: write_multiple_registers, address: "40-40", value: "0-100"}}
)");
  auto fp = c.flow("198.18.0.20", "198.18.0.3");
  CHECK(fp.inspect());
  CHECK(c.rule_of(c.judge(mb(3, 0, 125), fp)) == "reads");
  CHECK(c.judge(mb(3, 0, 125), fp).action == Action::Allow);
  CHECK(c.judge(mb(4, 990, 10), fp).action == Action::Allow);
  CHECK(c.judge(mb(3, 990, 11), fp).action == Action::Drop);   // 990..1000 leaves the range
  CHECK(c.judge(mb(3, 0, 126), fp).action == Action::Drop);    // quantity
  CHECK(c.judge(mb(3, 0, 1, 3), fp).action == Action::Drop);   // unit id 3
  CHECK(c.judge(mb(1, 0, 1), fp).action == Action::Drop);      // read coils: no rule
  CHECK(c.rule_of(c.judge(mb(1, 0, 1), fp)) == "default");
  CHECK(c.judge(mb_write(40, {100}), fp).action == Action::Allow);
  CHECK(c.rule_of(c.judge(mb_write(40, {100}), fp)) == "setpoint");
  CHECK(c.judge(mb_write(40, {101}), fp).action == Action::Drop);
  CHECK(c.judge(mb_write(40, {5, 6}), fp).action == Action::Drop);  // touches 41
  // Responses are not judged by request rules: they pass with the exchange their request opened.
  modbus::Record answer = mb(3, 0, 125);
  answer.is_response = true;
  CHECK_FALSE(c.judge(answer, fp, true).judged);
  CHECK(c.judge(answer, fp, true).action == Action::Allow);
  // Another client: no rule names it, the default decides the flow outright.
  auto other = c.flow("198.18.0.21", "198.18.0.3");
  CHECK_FALSE(other.inspect());
  CHECK(other.fall_action == Action::Drop);
  CHECK(c.judge(mb(3, 0, 1), other).action == Action::Drop);
}

TEST_CASE("modbus responses are judged by direction, with the paired request's span and exceptions") {
  Compiled c(R"(
rules:
  - {name: exceptions, action: alert, direction: response, modbus: {exception: [illegal_data_address]}}
  - {name: reads-of-secret, action: drop, direction: response, modbus: {function: 3, address: "100-199"}}
  - {name: any-dir, action: alert, direction: any, modbus: {function: 8}}
)");
  auto fp = c.flow("198.18.0.20", "198.18.0.3");
  modbus::Record ex;
  ex.is_response = true;
  ex.function = 3;
  ex.exception = 2;
  ex.set(modbus::kHasException);
  CHECK(c.rule_of(c.judge(ex, fp, true)) == "exceptions");
  CHECK(c.rule_of(c.judge(ex, fp, false)) == "default");  // as a request it is not judged by them
  modbus::Record resp;
  resp.is_response = true;
  resp.function = 3;
  resp.request_address = 150;
  resp.request_quantity = 2;
  resp.set(modbus::kHasRequest);
  CHECK(c.judge(resp, fp, true).action == Action::Drop);
  resp.request_address = 10;
  CHECK(c.judge(resp, fp, true).action == Action::Allow);
  modbus::Record diag;
  diag.function = 8;
  CHECK(c.rule_of(c.judge(diag, fp, false)) == "any-dir");
  CHECK(c.rule_of(c.judge(diag, fp, true)) == "any-dir");
}

TEST_CASE("s7comm rules match functions, areas, DBs and byte addresses of every item; userdata groups") {
  Compiled c(R"(
default_action: allow
rules:
  - {name: no-stop, action: reset, s7comm: {function: [plc_stop, request_download, download_block]}}
  - {name: db-reads, action: allow, s7comm: {function: read_var, area: db, db: "1-10", address: "0-1023"}}
  - {name: other-reads, action: drop, s7comm: {function: read_var}}
  - {name: cpu-functions, action: alert, s7comm: {group: cpu_functions, subfunction: 1}}
  - {name: plus, action: alert, s7comm_plus: {opcode: 0x31, function: [0x04ca]}}
)");
  auto fp = c.flow("198.18.0.20", "198.18.0.3", 102);
  s7comm::Record stop;
  stop.has_s7 = true;
  stop.has_function = true;
  stop.function = 0x29;
  CHECK(c.judge(stop, fp).action == Action::Reset);
  s7comm::Record read;
  read.has_s7 = true;
  read.has_function = true;
  read.function = 0x04;
  read.items_len = 2;
  read.items[0] = {0x10, 0x02, 0x84, 4, 1, 0};            // DB1, bytes 0..3
  read.items[1] = {0x10, 0x04, 0x84, 2, 10, 1020 * 8};    // DB10, words at 1020: bytes 1020..1023
  CHECK(c.rule_of(c.judge(read, fp)) == "db-reads");
  read.items[1].length = 3;                               // bytes 1020..1025: beyond 1023
  CHECK(c.rule_of(c.judge(read, fp)) == "other-reads");
  read.items[1] = {0x10, 0x02, 0x83, 1, 0, 0};            // flags (M), not a DB
  CHECK(c.judge(read, fp).action == Action::Drop);
  read.items[1] = {0xb0, 0x02, 0x84, 1, 5, 0};            // DBREAD addressing: not checkable,
  CHECK(c.rule_of(c.judge(read, fp)) == "other-reads");    // so the allow rule does not match
  s7comm::Record ud;
  ud.has_s7 = true;
  ud.has_userdata = true;
  ud.userdata_group = 4;
  ud.userdata_subfunc = 1;
  CHECK(c.rule_of(c.judge(ud, fp)) == "cpu-functions");
  ud.userdata_subfunc = 2;
  CHECK(c.rule_of(c.judge(ud, fp)) == "default");
  s7comm::Record cotp;  // connection set-up only: transport, the flow's verdict applies
  cotp.has_cotp = true;
  CHECK_FALSE(c.judge(cotp, fp).judged);
  s7comm::Record plus;
  plus.protocol = proto::Protocol::S7commPlus;
  plus.has_plus_opcode = true;
  plus.plus_opcode = 0x31;
  plus.has_plus_function = true;
  plus.plus_function = 0x04ca;
  CHECK(c.rule_of(c.judge(plus, fp)) == "plus");
  plus.plus_function = 0x0542;
  CHECK(c.rule_of(c.judge(plus, fp)) == "default");
}

TEST_CASE("opcua rules match services (request and response ids), message types and security") {
  Compiled c(R"(
default_action: drop
rules:
  - {name: handshake, action: allow, opcua: {msg_type: [HEL, OPN, CLO]}}
  - {name: reads, action: allow, direction: any, opcua: {service: [read, browse], security_mode: [sign_and_encrypt, none]}}
)");
  auto fp = c.flow("198.18.0.20", "198.18.0.3", 4840);
  opcua::Record hel;
  hel.msg_type = opcua::MsgType::Hel;
  CHECK(c.rule_of(c.judge(hel, fp)) == "handshake");
  opcua::Record msg;
  msg.msg_type = opcua::MsgType::Msg;
  msg.has_service = true;
  msg.service_id = 631;  // ReadRequest
  msg.security_mode = opcua::SecurityMode::None;
  CHECK(c.rule_of(c.judge(msg, fp)) == "reads");
  msg.service_id = 634;  // ReadResponse
  CHECK(c.rule_of(c.judge(msg, fp, true)) == "reads");
  msg.service_id = 673;  // WriteRequest
  CHECK(c.judge(msg, fp).action == Action::Drop);
  msg.service_id = 631;
  msg.security_mode = opcua::SecurityMode::Sign;
  CHECK(c.judge(msg, fp).action == Action::Drop);
  msg.chunk = 'C';  // an intermediate chunk waits for the one that completes the message
  CHECK_FALSE(c.judge(msg, fp).judged);
}

TEST_CASE("the syntax example's OPC UA rule admits the handshake and reads, not writes") {
  Compiled c(R"(
default_action: drop
rules:
  - name: opcua-read-only
    action: allow
    opcua: {service: [read, browse, create_session, activate_session, get_endpoints, open_secure_channel,
                      close_secure_channel, close_session], msg_type: [HEL, OPN, MSG, CLO],
            security_mode: [none, sign, sign_and_encrypt], security_policy: [None, Basic256Sha256]}
)");
  auto fp = c.flow("198.18.0.20", "198.18.0.3", 4840);
  opcua::Record hel;  // before any channel: no service, mode or policy yet
  hel.msg_type = opcua::MsgType::Hel;
  CHECK(c.judge(hel, fp).action == Action::Allow);
  opcua::Record ack = hel;
  ack.msg_type = opcua::MsgType::Ack;
  CHECK(c.judge(ack, fp, true).action == Action::Allow);  // a response: not judged by request rules
  opcua::Record opn;
  opn.msg_type = opcua::MsgType::Opn;
  opn.security_policy = opcua::SecurityPolicy::None;  // mode still unknown: OPN negotiates it
  CHECK(c.rule_of(c.judge(opn, fp)) == "opcua-read-only");
  opn.security_policy = opcua::SecurityPolicy::Basic256;  // a policy the rule does not list
  CHECK(c.judge(opn, fp).action == Action::Drop);
  opcua::Record read;
  read.msg_type = opcua::MsgType::Msg;
  read.security_policy = opcua::SecurityPolicy::None;
  read.security_mode = opcua::SecurityMode::None;
  read.has_service = true;
  read.service_id = 631;
  CHECK(c.judge(read, fp).action == Action::Allow);
  read.service_id = 673;  // WriteRequest
  CHECK(c.judge(read, fp).action == Action::Drop);
  read.service_id = 712;  // CallRequest
  CHECK(c.judge(read, fp).action == Action::Drop);
  read.has_service = false;  // encrypted: the service cannot be vouched for
  CHECK(c.judge(read, fp).action == Action::Drop);
  CHECK(c.rule_of(c.judge(read, fp)) == "default");
  opcua::Record clo;
  clo.msg_type = opcua::MsgType::Clo;
  clo.security_policy = opcua::SecurityPolicy::None;
  clo.security_mode = opcua::SecurityMode::None;
  CHECK(c.judge(clo, fp).action == Action::Allow);
}

TEST_CASE("opcua: a service condition never matches a Hello; it matches an encrypted MSG unless it allows") {
  Compiled c(R"(
default_action: drop
rules:
  - {name: no-writes, action: reset, opcua: {service: [write, call]}}
  - {name: no-plain, action: alert, opcua: {security_mode: [none]}}
  - {name: hello, action: allow, opcua: {msg_type: [HEL]}}
  - {name: answers, action: allow, direction: response, opcua: {msg_type: [ACK]}}
  - {name: reads, action: allow, opcua: {msg_type: [MSG], service: [read]}}
)");
  auto fp = c.flow("198.18.0.20", "198.18.0.3", 4840);
  opcua::Record hel;  // carries no service, mode or policy: the deny rules do not apply to it
  hel.msg_type = opcua::MsgType::Hel;
  CHECK(c.rule_of(c.judge(hel, fp)) == "hello");
  CHECK(c.judge(hel, fp).action == Action::Allow);
  opcua::Record ack = hel;
  ack.msg_type = opcua::MsgType::Ack;
  CHECK(c.rule_of(c.judge(ack, fp, true)) == "answers");
  opcua::Record msg;
  msg.msg_type = opcua::MsgType::Msg;
  msg.security_mode = opcua::SecurityMode::SignAndEncrypt;
  msg.has_service = true;
  msg.service_id = 673;  // WriteRequest, readable
  CHECK(c.rule_of(c.judge(msg, fp)) == "no-writes");
  msg.service_id = 631;  // ReadRequest
  CHECK(c.rule_of(c.judge(msg, fp)) == "reads");
  msg.has_service = false;  // encrypted body: the deny rule cannot be bypassed by encrypting
  CHECK(c.rule_of(c.judge(msg, fp)) == "no-writes");
  CHECK(c.judge(msg, fp).action == Action::Reset);
}

TEST_CASE("opcua: a Hello matches a rule with a service condition only when its msg_type names HEL") {
  Compiled c(R"(
default_action: allow
rules:
  - {name: explicit, action: drop, opcua: {msg_type: [HEL, MSG], service: [write]}}
  - {name: implicit, action: alert, opcua: {service: [write], security_policy: [None]}}
)");
  auto fp = c.flow("198.18.0.20", "198.18.0.3", 4840);
  opcua::Record hel;
  hel.msg_type = opcua::MsgType::Hel;
  CHECK(c.rule_of(c.judge(hel, fp)) == "explicit");
  opcua::Record rhe = hel;
  rhe.msg_type = opcua::MsgType::Rhe;
  CHECK(c.judge(rhe, fp).action == Action::Allow);
  CHECK(c.rule_of(c.judge(rhe, fp)) == "default");
}

TEST_CASE("dnp3 rules match functions, objects and point indexes; link frames are transport") {
  Compiled c(R"(
default_action: allow
rules:
  - {name: no-restart, action: drop, dnp3: {function: [cold_restart, warm_restart]}}
  - {name: operate-low, action: alert, dnp3: {function: direct_operate, object: ["12:1"], address: "0-9"}}
  - {name: operate-other, action: drop, dnp3: {function: direct_operate}}
  - {name: unsolicited, action: alert, direction: response, dnp3: {function: unsolicited_response, object: ["2:*"]}}
)");
  auto fp = c.flow("198.18.0.20", "198.18.0.3", 20000);
  dnp3::Record cold;
  cold.has_app = true;
  cold.app_function = 13;
  CHECK(c.rule_of(c.judge(cold, fp)) == "no-restart");
  dnp3::Record op;
  op.has_app = true;
  op.app_function = 5;
  op.object_count = 1;
  op.objects[0] = {12, 1, 0x00, true, false, 3, 3, 0};
  CHECK(c.rule_of(c.judge(op, fp)) == "operate-low");
  op.objects[0].stop = op.objects[0].start = 10;
  CHECK(c.rule_of(c.judge(op, fp)) == "operate-other");
  op.objects[0] = {12, 1, 0x28, true, true, 0, 0, 1};  // count with 2-byte index prefixes: unchecked,
  CHECK(c.rule_of(c.judge(op, fp)) == "operate-low");   // so a rule that alerts (or drops) matches
  dnp3::Record unsol;
  unsol.has_app = true;
  unsol.app_function = 130;
  unsol.object_count = 1;
  unsol.objects[0] = {2, 2, 0x17, false, true, 0, 0, 1};
  CHECK(c.rule_of(c.judge(unsol, fp, true)) == "unsolicited");
  CHECK(c.rule_of(c.judge(unsol, fp, false)) == "default");
  dnp3::Record link;  // no application fragment completed
  CHECK_FALSE(c.judge(link, fp).judged);
}

TEST_CASE("first match wins, and a rule without a protocol section decides its flows") {
  Compiled c(std::string(kInventory) + R"(
default_action: allow
rules:
  - {name: first, action: alert, modbus: {function: 3}}
  - {name: second, action: drop, modbus: {function: "1-6"}}
  - {name: block-plant-to-field, action: block, from: plant, to: field}
  - {name: never-for-that-flow, action: drop, modbus: {}}
)");
  auto fp = c.flow("198.18.0.20", "198.18.0.3");
  CHECK(c.rule_of(c.judge(mb(3), fp)) == "first");
  CHECK(c.rule_of(c.judge(mb(4), fp)) == "second");
  CHECK(c.rule_of(c.judge(mb(16), fp)) == "never-for-that-flow");
  // From the plant side (port index 1, "north"): the flow rule comes before the last rule.
  auto back = c.flow("198.18.0.3", "198.18.0.20", 502, 6, 1);
  CHECK(back.fall_action == Action::Block);
  CHECK(c.rule_of(c.judge(mb(16), back)) == "block-plant-to-field");
  CHECK(c.rule_of(c.judge(mb(3), back)) == "first");
}

TEST_CASE("L3/L4 conditions: CIDRs, devices, zones, protocols and port ranges") {
  Compiled c(std::string(kInventory) + R"(
default_action: drop
rules:
  - {name: subnet, action: allow, from: 198.18.0.0/28, to: plc-3, proto: tcp, dst_port: ["502", "20000-20010"]}
  - {name: v6, action: alert, from: "fd00::/8", proto: udp, src_port: 1024-65535}
  - {name: zone, action: allow, from: field, to: plant, proto: icmp}
)");
  CHECK(c.flow("198.18.0.5", "198.18.0.3", 502).fall_action == Action::Allow);
  CHECK(c.flow("198.18.0.5", "198.18.0.3", 20005).fall_action == Action::Allow);
  CHECK(c.flow("198.18.0.5", "198.18.0.3", 20011).fall_action == Action::Drop);
  CHECK(c.flow("198.18.0.16", "198.18.0.3", 502).fall_action == Action::Drop);  // outside /28
  CHECK(c.flow("198.18.0.5", "198.18.0.4", 502).fall_action == Action::Drop);   // not plc-3
  CHECK(c.flow("198.18.0.5", "198.18.0.3", 502, 17).fall_action == Action::Drop);
  CHECK(c.flow("fd00::1", "fe80::1", 53, 17, 0, 5000).fall_action == Action::Alert);
  CHECK(c.flow("fd00::1", "fe80::1", 53, 17, 0, 1000).fall_action == Action::Drop);
  CHECK(c.flow("10.0.0.1", "10.0.0.2", 0, 1, 0).fall_action == Action::Allow);   // field -> plant
  CHECK(c.flow("10.0.0.1", "10.0.0.2", 0, 1, 1).fall_action == Action::Drop);    // plant -> field
}

TEST_CASE("rate limits: a token bucket per rule per flow; the excess takes rate_action") {
  Compiled c(R"(
rules:
  - {name: polled, action: allow, modbus: {function: 3}, rate: {limit: 2, per: 1s}, rate_action: drop}
)");
  auto fp = c.flow("198.18.0.20", "198.18.0.3");
  auto other = c.flow("198.18.0.21", "198.18.0.3");
  const std::uint64_t s = 1'000'000'000ull;
  CHECK(c.judge(mb(3), fp, false, 10 * s).action == Action::Allow);
  CHECK(c.judge(mb(3), fp, false, 10 * s + 1).action == Action::Allow);
  const auto over = c.judge(mb(3), fp, false, 10 * s + 2);
  CHECK(over.action == Action::Drop);
  CHECK(over.rate_limited);
  CHECK(c.rule_of(over) == "polled");
  CHECK(c.judge(mb(3), other, false, 10 * s + 3).action == Action::Allow);  // per flow
  CHECK(c.judge(mb(3), fp, false, 10 * s + s / 2).action == Action::Allow);  // half a period: one token back
  CHECK(c.judge(mb(3), fp, false, 10 * s + s / 2 + 1).action == Action::Drop);
  CHECK(c.judge(mb(3), fp, false, 20 * s).action == Action::Allow);
}

TEST_CASE("a flow matching more protocol rules than it keeps is still judged in rule order") {
  std::string yaml = "default_action: allow\nrules:\n";
  for (int i = 0; i < 40; ++i)
    yaml += "  - {name: r" + std::to_string(i) + ", action: alert, modbus: {function: 3, address: \"" +
            std::to_string(i * 10) + "-" + std::to_string(i * 10 + 9) + "\"}}\n";
  yaml += "  - {name: last, action: drop, modbus: {}}\n";
  Compiled c(yaml);
  auto fp = c.flow("198.18.0.20", "198.18.0.3");
  CHECK(fp.overflow);
  CHECK(c.rule_of(c.judge(mb(3, 5, 1), fp)) == "r0");
  CHECK(c.rule_of(c.judge(mb(3, 155, 1), fp)) == "r15");
  CHECK(c.rule_of(c.judge(mb(3, 395, 1), fp)) == "r39");
  CHECK(c.rule_of(c.judge(mb(3, 400, 1), fp)) == "last");
  CHECK(c.stats.overflow_scans >= 2);
}

TEST_CASE("the old ACL compiles into the same engine") {
  rules::Acl acl;
  acl.default_action = Action::Drop;
  rules::AclRule r;
  r.name = "engineering";
  r.action = Action::Reset;
  r.ip_proto = 6;
  r.dport = {5020, 5020};
  acl.rules.push_back(r);
  rules::RuleNames names;
  std::string error;
  auto set = rules::compile_rules(rules::rule_set_from_acl(acl), {}, names, error);
  REQUIRE(set != nullptr);
  rules::FlowTuple t;
  t.ip_proto = 6;
  t.server_port = 5020;
  rules::FlowPolicy fp;
  set->judge_flow(t, fp);
  CHECK(fp.fall_action == Action::Reset);
  CHECK(names.name(fp.fall_rule) == "engineering");
  t.server_port = 502;
  set->judge_flow(t, fp);
  CHECK(fp.fall_action == Action::Drop);
  CHECK(fp.fall_rule == 0);
}

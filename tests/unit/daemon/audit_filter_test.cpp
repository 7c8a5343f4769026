// logging.audit: which records each level writes. Flagged records (a verdict, an anomaly, a
// rule with `log: true`) at every level; `changes` leaves out data acquisition and transport.
#include <catch2/catch.hpp>

#include "daemon/export/audit_filter.hpp"
#include "protocols/dnp3/anomalies.hpp"
#include "protocols/s7comm/codes.hpp"

using namespace fg;
using namespace fg::daemon;

namespace {

dp::AuditEntry modbus_pdu(std::uint8_t function, bool response = false) {
  dp::AuditEntry e;
  modbus::Record r;
  r.function = function;
  r.is_response = response;
  e.record = r;
  return e;
}

dp::AuditEntry s7(std::uint8_t rosctr, std::uint8_t function) {
  dp::AuditEntry e;
  s7comm::Record r;
  r.has_s7 = true;
  r.rosctr = rosctr;
  r.has_function = true;
  r.function = function;
  e.record = r;
  return e;
}

dp::AuditEntry opcua_service(std::uint32_t service_id) {
  dp::AuditEntry e;
  opcua::Record r;
  r.msg_type = opcua::MsgType::Msg;
  r.has_service = true;
  r.service_id = service_id;
  e.record = r;
  return e;
}

dp::AuditEntry dnp3_app(std::uint8_t function, std::uint8_t object_group = 0) {
  dp::AuditEntry e;
  dnp3::Record r;
  r.has_app = true;
  r.app_function = function;
  if (object_group != 0) {
    r.object_count = 1;
    r.objects[0].group = object_group;
    r.objects[0].variation = 1;
  }
  e.record = r;
  return e;
}

bool changes(const dp::AuditEntry& e) { return audit_wanted(e, AuditLevel::Changes); }

}  // namespace

TEST_CASE("levels parse by name and print back") {
  for (const char* name : {"all", "changes", "flagged"}) {
    AuditLevel l = AuditLevel::All;
    REQUIRE(parse_audit_level(name, l));
    CHECK(std::string(audit_level_name(l)) == name);
  }
  AuditLevel l = AuditLevel::Changes;
  CHECK_FALSE(parse_audit_level("everything", l));
  CHECK(l == AuditLevel::Changes);
}

TEST_CASE("all writes every record") {
  for (const dp::AuditEntry& e : {modbus_pdu(3), modbus_pdu(3, true), dnp3_app(0), s7(1, s7comm::kFuncReadVar), dp::AuditEntry{}})
    CHECK(audit_wanted(e, AuditLevel::All));
}

TEST_CASE("changes leaves out reads and their answers, keeps writes, control and unknown functions") {
  CHECK_FALSE(changes(modbus_pdu(3)));
  CHECK_FALSE(changes(modbus_pdu(3, true)));
  CHECK_FALSE(changes(modbus_pdu(1)));
  CHECK_FALSE(changes(modbus_pdu(20)));  // read file record
  CHECK(changes(modbus_pdu(6)));
  CHECK(changes(modbus_pdu(16, true)));
  CHECK(changes(modbus_pdu(23)));  // read/write multiple registers writes
  CHECK(changes(modbus_pdu(8)));   // diagnostics
  CHECK(changes(modbus_pdu(90)));  // a vendor function (UMAS can download programs): kept

  CHECK_FALSE(changes(s7(1, s7comm::kFuncReadVar)));
  CHECK_FALSE(changes(s7(3, s7comm::kFuncReadVar)));
  CHECK(changes(s7(1, s7comm::kFuncWriteVar)));
  CHECK(changes(s7(1, s7comm::kFuncPlcStop)));
  CHECK(changes(s7(1, s7comm::kFuncSetupCommunication)));

  CHECK_FALSE(changes(opcua_service(631)));  // ReadRequest
  CHECK_FALSE(changes(opcua_service(634)));  // ReadResponse
  CHECK_FALSE(changes(opcua_service(826)));  // PublishRequest: subscription data
  CHECK_FALSE(changes(opcua_service(829)));
  CHECK(changes(opcua_service(673)));  // WriteRequest
  CHECK(changes(opcua_service(712)));  // CallRequest

  CHECK_FALSE(changes(dnp3_app(1, 60)));    // read class data
  CHECK_FALSE(changes(dnp3_app(0x81, 30)));  // its answer: analog inputs
  CHECK_FALSE(changes(dnp3_app(0x82, 2)));   // unsolicited binary input events
  CHECK_FALSE(changes(dnp3_app(0)));         // confirm
  CHECK(changes(dnp3_app(5, 12)));           // direct operate (CROB)
  CHECK(changes(dnp3_app(0x81, 12)));        // its answer echoes the command
  CHECK(changes(dnp3_app(0x81, 41)));        // an analog output block echoed
  CHECK(changes(dnp3_app(13)));              // cold restart
  CHECK(changes(dnp3_app(2, 50)));           // write (time)
}

TEST_CASE("changes leaves out transport, but keeps what it cannot read") {
  dp::AuditEntry cotp;
  cotp.record = s7comm::Record{};  // COTP connect, no S7 PDU
  CHECK_FALSE(changes(cotp));
  dnp3::Record link;
  link.has_app = false;
  dp::AuditEntry link_frame;
  link_frame.record = link;
  CHECK_FALSE(changes(link_frame));
  opcua::Record middle;
  middle.msg_type = opcua::MsgType::Msg;
  middle.chunk = 'C';
  dp::AuditEntry chunk;
  chunk.record = middle;
  CHECK_FALSE(changes(chunk));
  opcua::Record sealed = middle;
  sealed.chunk = 'F';
  sealed.body = opcua::Body::Encrypted;
  dp::AuditEntry encrypted;
  encrypted.record = sealed;
  CHECK(changes(encrypted));
}

TEST_CASE("flagged records are written at every level, and only they at flagged") {
  dp::AuditEntry read = modbus_pdu(3);
  CHECK_FALSE(audit_wanted(read, AuditLevel::Flagged));
  CHECK_FALSE(audit_wanted(modbus_pdu(6), AuditLevel::Flagged));
  dp::AuditEntry logged = read;
  logged.logged = true;  // a rule with `log: true` decided it
  dp::AuditEntry dropped = read;
  dropped.verdict = dp::Action::Drop;
  dp::AuditEntry alerted = read;
  alerted.verdict = dp::Action::Alert;
  dp::AuditEntry odd = read;
  odd.anomaly_count = 1;
  odd.anomalies[0] = &dnp3::kBadDataCrc;
  for (const dp::AuditEntry& e : {logged, dropped, alerted, odd}) {
    CHECK(audit_wanted(e, AuditLevel::Flagged));
    CHECK(audit_wanted(e, AuditLevel::Changes));
    CHECK(audit_wanted(e, AuditLevel::All));
  }
}

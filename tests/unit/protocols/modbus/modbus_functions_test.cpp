// Function code layouts, spec limits, written values and the audit JSON member.
#include <catch2/catch.hpp>

#include "modbus_test_support.hpp"

using namespace fg::modbus;
using namespace fg::modbus::test;

namespace {

// Wraps a PDU in an MBAP header (tid 1, unit 1) and parses it in one direction.
CollectSink run(std::string_view pdu_hex, fg::proto::Direction dir = kToServer, FlowState* state = nullptr) {
  auto pdu = hex(pdu_hex);
  std::vector<std::uint8_t> adu = {0x00, 0x01, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(pdu.size() + 1), 0x01};
  adu.insert(adu.end(), pdu.begin(), pdu.end());
  FlowState local{};
  CollectSink sink;
  feed(adu, dir, state != nullptr ? *state : local, sink);
  return sink;
}

}  // namespace

TEST_CASE("read quantities above the spec limits are anomalies") {
  CHECK(run("01 0000 07d0").anomalies.empty());
  CHECK(run("01 0000 07d1").count(kQuantityOutOfRange) == 1);
  CHECK(run("02 0000 0000").count(kQuantityOutOfRange) == 1);
  CHECK(run("03 0000 007d").anomalies.empty());
  CHECK(run("04 0000 007e").count(kQuantityOutOfRange) == 1);
  CHECK(run("03 ffff 0002").count(kAddressOverflow) == 1);
}

TEST_CASE("write multiple registers keeps every written value and checks the byte count") {
  auto sink = run("10 0028 0003 06 0001 0064 00c8");
  REQUIRE(sink.records.size() == 1);
  const Record& r = sink.records[0];
  CHECK(r.address == 40);
  CHECK(r.quantity == 3);
  CHECK(r.has(kHasWordCount));
  CHECK(r.byte_count == 6);
  CHECK(r.value_count == 3);
  CHECK(value_at(r, 0) == 1);
  CHECK(value_at(r, 1) == 100);
  CHECK(value_at(r, 2) == 200);
  CHECK(sink.anomalies.empty());
  CHECK(run("10 0028 0003 04 0001 0064").count(kByteCountMismatch) == 1);
  // 124 registers cannot fit a 253-byte PDU: the quantity alone is over the limit.
  CHECK(run("10 0000 007c 02 0000").count(kQuantityOutOfRange) == 1);
}

TEST_CASE("write multiple coils keeps the coil bits") {
  auto sink = run("0f 0013 000a 02 cd 01");
  REQUIRE(sink.records.size() == 1);
  const Record& r = sink.records[0];
  CHECK(r.has(kHasBitCount));
  CHECK(r.value_count == 10);
  CHECK(value_at(r, 0) == 1);
  CHECK(value_at(r, 1) == 0);
  CHECK(value_at(r, 8) == 1);
  CHECK(sink.anomalies.empty());
  CHECK(run("0f 0000 07b1 f7" + std::string(494, '0')).count(kQuantityOutOfRange) == 1);
}

TEST_CASE("write single coil accepts only 0x0000 and 0xFF00") {
  CHECK(run("05 00ac ff00").anomalies.empty());
  CHECK(run("05 00ac 1234").count(kBadCoilValue) == 1);
  CHECK(value_at(run("06 0001 0003").records.at(0), 0) == 3);
}

TEST_CASE("diagnostics reports its sub-function") {
  auto sink = run("08 0004 0000");
  CHECK(sink.records.at(0).has(kHasSubfunction));
  CHECK(sink.records.at(0).subfunction == 4);
  CHECK_FALSE(sink.records.at(0).has(kHasAddress));
  CHECK(run("08 0013 0000").count(kBadSubfunction) == 1);
}

TEST_CASE("mask write and read/write multiple registers decode their fields") {
  const Record m = run("16 0004 00f2 0025").records.at(0);
  CHECK(m.address == 4);
  CHECK(m.and_mask == 0xf2);
  CHECK(m.or_mask == 0x25);
  const Record rw = run("17 0003 0006 000e 0003 06 00ff 00ff 00ff").records.at(0);
  CHECK(rw.has(kHasReadWrite));
  CHECK(rw.read_address == 3);
  CHECK(rw.read_quantity == 6);
  CHECK(rw.write_address == 14);
  CHECK(rw.write_quantity == 3);
  CHECK(rw.value_count == 3);
  CHECK_FALSE(rw.has(kHasAddress));  // Wireshark uses read/write reference fields for FC 23
  // A request too short for its fixed part shows nothing (as Wireshark) and is an anomaly.
  auto short_rw = run("17 0000 0000");
  CHECK_FALSE(short_rw.records.at(0).has(kHasReadWrite));
  CHECK(short_rw.count(kBadPduLength) == 1);
}

TEST_CASE("read/write multiple registers response is checked against the read quantity") {
  FlowState st{};
  run("17 0003 0002 000e 0001 02 00ff", kToServer, &st);
  auto ok = run("17 04 0001 0002", kToClient, &st);
  CHECK(ok.anomalies.empty());
  CHECK(ok.records.at(0).request_quantity == 2);
  run("17 0003 0002 000e 0001 02 00ff", kToServer, &st);
  CHECK(run("17 02 0001", kToClient, &st).count(kByteCountMismatch) == 1);
}

TEST_CASE("FIFO queue and file records decode") {
  CHECK(run("18 04de").records.at(0).address == 0x4de);
  const Record f = run("18 0006 0002 01b8 1284", kToClient).records.at(0);
  CHECK(f.has(kHasFifoCount));
  CHECK(f.quantity == 2);
  CHECK(f.value_count == 2);
  const Record rd = run("14 0e 06 0004 0001 0002 06 0003 0009 0002").records.at(0);
  CHECK(rd.has(kHasByteCount));
  CHECK(rd.file_subrequests == 2);
  CHECK(rd.file_number == 4);
  CHECK(rd.record_number == 1);
  const Record wr = run("15 0d 06 0004 0007 0003 06af 04be 100d").records.at(0);
  CHECK(wr.file_subrequests == 1);
  CHECK(wr.value_count == 3);
  CHECK(value_at(wr, 2) == 0x100d);
  CHECK(run("14 07 05 0004 0001 0002").count(kBadFileReference) == 1);
}

TEST_CASE("read device identification reports MEI type and objects") {
  const Record q = run("2b 0e 01 00").records.at(0);
  CHECK(q.has(kHasMeiType));
  CHECK(q.mei_type == 14);
  CHECK(q.device_id_code == 1);
  auto rsp = run("2b 0e 01 01 00 00 03 00 04 41424344 01 02 4546 02 03 474849", kToClient);
  CHECK(rsp.records.at(0).object_count == 3);
  CHECK(rsp.anomalies.empty());
  CHECK(run("2b 0f 00").count(kBadMeiType) == 1);
  CHECK(run("2b 0d 00 01 02").anomalies.empty());  // CANopen general reference: recognised
}

TEST_CASE("reserved and user-defined function codes are flagged") {
  CHECK(run("09 0000").count(kIllegalFunction) == 1);
  CHECK(run("00 0000").count(kIllegalFunction) == 1);
  CHECK(run("41 0000").count(kUserDefinedFunction) == 1);
  CHECK(run("81 0000").count(kExceptionInRequest) == 1);
  CHECK(run("84 09", kToClient).count(kBadExceptionCode) == 1);
}

TEST_CASE("partial PDUs show the fields that are present, as Wireshark does") {
  auto sink = run("16 0000 0000");  // mask write without the OR mask
  const Record& r = sink.records.at(0);
  CHECK(r.has(kHasAddress));
  CHECK_FALSE(r.has(kHasMasks));
  CHECK(sink.count(kBadPduLength) == 1);
}

TEST_CASE("write_json writes the issue 3 fields and omits absent ones") {
  const std::string req = json(run("10 0028 0002 04 0001 0064").records.at(0));
  CHECK(req.find("\"modbus\":{") != std::string::npos);
  CHECK(req.find("\"transaction_id\":1") != std::string::npos);
  CHECK(req.find("\"unit_id\":1") != std::string::npos);
  CHECK(req.find("\"function\":16") != std::string::npos);
  CHECK(req.find("\"address\":40") != std::string::npos);
  CHECK(req.find("\"quantity\":2") != std::string::npos);
  CHECK(req.find("\"byte_count\":4") != std::string::npos);
  CHECK(req.find("\"values\":[1,100]") != std::string::npos);
  CHECK(req.find("exception") == std::string::npos);
  const std::string ex = json(run("83 02", kToClient).records.at(0));
  CHECK(ex.find("\"function\":3") != std::string::npos);
  CHECK(ex.find("\"exception\":2") != std::string::npos);
  CHECK(ex.find("\"is_response\":true") != std::string::npos);
  CHECK(ex.find("address") == std::string::npos);
}

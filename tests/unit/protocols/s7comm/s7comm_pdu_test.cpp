// S7comm PDU decoding (header, functions, items, userdata) and S7comm-plus classification.
#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>

#include "s7comm_test_support.hpp"

using namespace fg;
using namespace fg::s7comm;
using namespace fg::s7comm::test;

namespace {
Record one(const std::string& h, CollectSink& sink) {
  auto b = hex(h);
  auto st = std::make_unique<FlowState>();
  REQUIRE(parse_all(b, *st, sink) == 0);
  REQUIRE(sink.records.size() == 1);
  return sink.records[0];
}
}  // namespace

TEST_CASE("read var job: S7ANY items with area, DB and address") {
  CollectSink sink;
  // ctsamples_s7comm_opc_server frame 3: one item, area 0x83 (M), byte 0, 1 byte.
  Record r = one("0300001f02f08032010000008e000e00000401120a10020001000083000000", sink);
  CHECK(sink.anomalies.empty());
  CHECK(r.rosctr == 1);
  CHECK(r.pdu_ref == 0x8e);
  CHECK(r.function == 0x04);
  CHECK(r.item_count == 1);
  REQUIRE(r.items_len == 1);
  CHECK(r.items[0].area == 0x83);
  CHECK(r.items[0].db == 0);
  CHECK(r.items[0].address == 0);
  CHECK(r.items[0].transport_size == 2);
  CHECK(r.items[0].length == 1);
  CHECK(to_json(r) == R"({"s7comm":{"tpkt_length":31,"cotp_type":15,"rosctr":1,"pdu_ref":142,"function":4,"item_count":1,)"
                      R"("items":[{"syntax_id":16,"area":131,"db":0,"address":0,"transport_size":2,"length":1}]}})");
}

TEST_CASE("read var response: return codes of the data items") {
  CollectSink sink;
  Record r = one("0300001a02f08032030000008e0002000500000401ff04000801", sink);
  CHECK(sink.anomalies.empty());
  CHECK(r.rosctr == 3);
  CHECK(r.has_error);
  CHECK(r.error_class == 0);
  CHECK(r.item_count == 1);
  REQUIRE(r.return_codes_len == 1);
  CHECK(r.return_codes[0] == 0xff);
}

TEST_CASE("write var job: five items in several areas and their data items") {
  CollectSink sink;
  Record r = one("030000c302f080320100001a00003e00740505120a10040010000083000000120a10020010000081000000120a10020010000082"
                 "000000120a101d000800001d000000120a101c000800001c00000000040100addeaddeaddeaddeaddeaddeaddeaddeefbeefbe"
                 "efbeefbeefbeefbeefbeefbe00040080aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb00040080bbbbbbbbbbbbbbbbaddeaddeaddead"
                 "de00090010efbeefbeefbeefbeefbeefbeefbeefbe00090010fecafecafecafecafecafecafecafeca", sink);
  CHECK(sink.anomalies.empty());
  CHECK(r.function == 0x05);
  REQUIRE(r.items_len == 5);
  CHECK(r.items[1].area == 0x81);
  CHECK(r.items[3].area == 0x1d);
  CHECK(r.items[4].area == 0x1c);
  CHECK(r.return_codes_len == 5);
}

TEST_CASE("write var response: one return code per item") {
  CollectSink sink;
  Record r = one(dt("320300001b000002000500000505 ff0affffff"), sink);
  REQUIRE(r.return_codes_len == 5);
  CHECK(r.return_codes[1] == 0x0a);
}

TEST_CASE("setup communication carries AmQ and PDU size") {
  CollectSink sink;
  Record r = one("0300001b02f080320300000200000800000000f0000001000100f0", sink);
  CHECK(r.has_setup);
  CHECK(r.max_amq_calling == 1);
  CHECK(r.max_amq_called == 1);
  CHECK(r.pdu_size == 240);
}

TEST_CASE("PLC stop names its PI service") {
  CollectSink sink;
  Record r = one("0300002102f0803201000000020010000029000000000009505f50524f4752414d", sink);
  CHECK(r.function == 0x29);
  CHECK(std::string_view(r.pi_service, r.pi_service_len) == "P_PROGRAM");
}

TEST_CASE("PI service _INSE names the inserted block") {
  CollectSink sink;
  Record r = one("0300002b02f08032010000be0a001a000028000000000000fd000a01003038303030303150055f494e5345", sink);
  CHECK(std::string_view(r.pi_service, r.pi_service_len) == "_INSE");
  CHECK(r.has_block);
  CHECK(r.block_type == 0x08);
  CHECK(r.block_number == 1);
}

TEST_CASE("start upload decodes block type and number from the file name") {
  CollectSink sink;
  Record r = one("0300002302f080320100000800001200001d00000000000000095f3042303030303041", sink);
  CHECK(r.function == 0x1d);
  CHECK(r.has_block);
  CHECK(r.block_type == 0x0b);  // SDB
  CHECK(r.block_number == 0);
  CHECK(r.filesystem == 'A');
}

TEST_CASE("an ack with an error class and code") {
  CollectSink sink;
  Record r = one("0300001302f08032020000150000000000d20c", sink);
  CHECK(r.rosctr == 2);
  CHECK(r.error_class == 0xd2);
  CHECK(r.error_code == 0x0c);
  CHECK_FALSE(r.has_function);
}

TEST_CASE("userdata: group, subfunction and data return code") {
  CollectSink sink;
  Record r = one("0300002102f080320700000300000800080001120411440100ff09000401320004", sink);
  CHECK(sink.anomalies.empty());
  CHECK(r.rosctr == 7);
  CHECK(r.userdata_type == 4);
  CHECK(r.userdata_group == 4);
  CHECK(r.userdata_subfunc == 1);
  REQUIRE(r.return_codes_len == 1);
  CHECK(r.return_codes[0] == 0xff);
}

TEST_CASE("userdata cyclic data: item count and the items' return codes") {
  CollectSink sink;
  // gym_wincc_s400_production: push of cyclic data (group 2), one item.
  Record r = one(dt("320700000000000c000a000112081202070100000000ff0900060001ff04000801"), sink);
  CHECK(r.userdata_group == 2);
  CHECK(r.has_item_count);
  CHECK(r.item_count == 1);
  CHECK(r.return_codes_len == 2);
}

TEST_CASE("an unknown ROSCTR and an unknown function are reported") {
  CollectSink s1;
  one(dt("32090000000100000000"), s1);
  CHECK(s1.has(kUnknownRosctr));
  CollectSink s2;
  one(dt("3201000000010001000077"), s2);
  CHECK(s2.has(kUnknownFunction));
}

TEST_CASE("declared lengths that disagree with the PDU raise bad_length") {
  CollectSink sink;
  Record r = one(dt("3201000000010009000004"), sink);
  CHECK(sink.has(kBadLength));
  CHECK(r.function == 0x04);
}

TEST_CASE("a malformed item raises item_out_of_spec") {
  CollectSink sink;
  one(dt("3201000000010008000004011306100200"), sink);
  CHECK(sink.has(kItemOutOfSpec));
}

TEST_CASE("more items than the record holds are cut and flagged") {
  std::string items;
  for (int i = 0; i < 40; ++i) items += "120a10020001000083000000";
  std::size_t param = 2 + 40 * 12;
  std::size_t total = 7 + 10 + param;
  char head[64];
  std::snprintf(head, sizeof head, "0300%04zx02f080320100000001%04zx000004%02x", total, param, 40);
  CollectSink sink;
  Record r = one(std::string(head) + items, sink);
  CHECK(r.truncated);
  CHECK(r.items_len == kMaxItems);
  CHECK(sink.has(kTooManyItems));
}

TEST_CASE("S7comm-plus V1 request: opcode and function") {
  CollectSink sink;
  Record r = one("0300001b02f080720100ce31000004ca0000000100000120360000", sink);
  CHECK(r.protocol == proto::Protocol::S7commPlus);
  CHECK(r.plus_version == 1);
  CHECK(r.plus_data_length == 0xce);
  CHECK(r.plus_opcode == 0x31);
  CHECK(r.plus_function == 0x04ca);
  CHECK(r.plus_seq == 1);
  CHECK(to_json(r) == R"({"s7comm_plus":{"tpkt_length":27,"cotp_type":15,"version":1,"data_length":206,"opcode":49,"function":1226,"seq":1}})");
}

TEST_CASE("S7comm-plus V3: the integrity digest is skipped before the opcode") {
  CollectSink sink;
  Record r = one(dt("7203005920e969a95a852ab0e288480ccecb618e48779f4b68a1ce9a9c42cd6aa53680068331000004f20000831a"), sink);
  CHECK(r.plus_version == 3);
  CHECK(r.plus_integrity);
  CHECK(r.plus_opcode == 0x31);
  CHECK(r.plus_function == 0x04f2);
  CHECK(r.plus_seq == 0x831a);
}

TEST_CASE("S7comm-plus notification has no function code") {
  CollectSink sink;
  Record r = one("0300002102f080720200123310000073040000000000000400000000007202000000", sink);
  CHECK(r.plus_opcode == 0x33);
  CHECK_FALSE(r.has_plus_function);
}

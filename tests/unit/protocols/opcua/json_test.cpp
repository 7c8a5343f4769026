// The "opcua" audit member: field names of the issue 3 contract, absent fields omitted.
#include <catch2/catch.hpp>

#include <string>

#include "tests/unit/protocols/opcua/opcua_test_support.hpp"

using namespace fg;
using namespace fg::opcua;
using namespace fg::opcua::test;
using proto::Direction;

namespace {
std::string json_of(const Record& r) {
  std::string out;
  proto::JsonWriter w(out);
  w.begin_object();
  write_json(r, w);
  w.end_object();
  return out;
}
}  // namespace

TEST_CASE("an OPN request writes policy, channel, sequence, service and mode", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(hex(kCapturedOpnRequest), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 1);
  CHECK(json_of(sink.records[0]) ==
        R"({"opcua":{"msg_type":"OPN","chunk":"F","size":132,"secure_channel_id":0,)"
        R"("security_policy":"http://opcfoundation.org/UA/SecurityPolicy#None",)"
        R"("sender_certificate_len":-1,"receiver_thumbprint_len":-1,"security_mode":"None",)"
        R"("sequence_number":1,"request_id":1,"request_type":"Issue","service_id":446,)"
        R"("service":"OpenSecureChannelRequest"}})");
}

TEST_CASE("a HEL writes its limits and endpoint; an ERR its code", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(hex(kCapturedHel), Direction::ToServer, st, sink);
  feed(hex(kCapturedErr), Direction::ToClient, st, sink);
  REQUIRE(sink.records.size() == 2);
  CHECK(json_of(sink.records[0]) ==
        R"({"opcua":{"msg_type":"HEL","chunk":"F","size":56,"protocol_version":0,)"
        R"("receive_buffer_size":65535,"send_buffer_size":65535,"max_message_size":0,)"
        R"("max_chunk_count":0,"endpoint_url":"opc.tcp://localhost:4840"}})");
  CHECK(json_of(sink.records[1]) == R"({"opcua":{"msg_type":"ERR","chunk":"F","size":16,"error":2147614720}})");
}

TEST_CASE("an unreadable MSG says encrypted and carries no sequence or service", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(Builder("MSG").u32(5).u32(2).fill(40, 0xC3).finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 1);
  CHECK(json_of(sink.records[0]) ==
        R"({"opcua":{"msg_type":"MSG","chunk":"F","size":56,"secure_channel_id":5,"token_id":2,"encrypted":false}})");
}

TEST_CASE("a truncated endpoint URL is flagged in the JSON", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(hello(65535, 65535, 0, 0, std::string(200, 'u')), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 1);
  CHECK(json_of(sink.records[0]).find(R"("endpoint_url_truncated":true)") != std::string::npos);
}

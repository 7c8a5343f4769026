// HEL, ACK, ERR and RHE: fields, limits kept in the flow, direction checks.
#include <catch2/catch.hpp>

#include "tests/unit/protocols/opcua/opcua_test_support.hpp"

using namespace fg;
using namespace fg::opcua;
using namespace fg::opcua::test;
using proto::Direction;

TEST_CASE("a captured HEL and ACK give limits, endpoint and negotiated flow state", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(hex(kCapturedHel), Direction::ToServer, st, sink);
  feed(hex(kCapturedAck), Direction::ToClient, st, sink);
  REQUIRE(sink.records.size() == 2);
  const Record& h = sink.records[0];
  CHECK(h.msg_type == MsgType::Hel);
  CHECK(h.size == 56);
  CHECK(h.has_limits);
  CHECK(h.receive_buffer_size == 65535);
  CHECK(h.endpoint_url.view() == "opc.tcp://localhost:4840");
  CHECK_FALSE(h.endpoint_url.truncated);
  CHECK(sink.records[1].msg_type == MsgType::Ack);
  CHECK(st.hello.known);
  CHECK(st.ack.known);
  CHECK(st.ack.receive_buffer_size == 65535);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("a HEL with small buffers, a new version or a huge URL is flagged", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  std::string url(5000, 'x');
  feed(Builder("HEL").u32(1).u32(1024).u32(65535).u32(0).u32(0).str(url).finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 1);
  CHECK(sink.records[0].endpoint_url.truncated);
  CHECK(sink.records[0].endpoint_url.wire_len == 5000);
  CHECK(sink.records[0].endpoint_url.len == kUrlCap);
  int bad = 0;
  for (auto& a : sink.anomalies) bad += a.kind == &kBadHello;
  CHECK(bad == 3);  // version, buffer, url
}

TEST_CASE("a HEL whose endpoint length overruns the chunk is a bad string", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(Builder("HEL").u32(0).u32(65535).u32(65535).u32(0).u32(0).u32(100).fill(4).finish(), Direction::ToServer, st, sink);
  CHECK(sink.records.size() == 1);
  CHECK(sink.has(kBadString));
  CHECK_FALSE(sink.records[0].endpoint_url.present);
}

TEST_CASE("a truncated HEL is reported, its record still emitted", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(Builder("HEL").u32(0).u32(65535).finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 1);
  CHECK_FALSE(sink.records[0].has_limits);
  CHECK(sink.has(kBadHello));
}

TEST_CASE("HEL from the server side, a second HEL and ACK from the client are unexpected", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(hello(), Direction::ToClient, st, sink);
  CHECK(sink.has(kUnexpectedMessage));
  FlowState st2{};
  CollectSink sink2;
  feed(hello(), Direction::ToServer, st2, sink2);
  CHECK(sink2.anomalies.empty());
  feed(hello(), Direction::ToServer, st2, sink2);
  CHECK(sink2.has(kUnexpectedMessage));
  FlowState st3{};
  CollectSink sink3;
  feed(ack(), Direction::ToServer, st3, sink3);
  CHECK(sink3.has(kUnexpectedMessage));
}

TEST_CASE("a captured ERR gives its status code", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(hex(kCapturedErr), Direction::ToClient, st, sink);
  REQUIRE(sink.records.size() == 1);
  CHECK(sink.records[0].has_error);
  CHECK(sink.records[0].error == 0x80020000u);
  CHECK_FALSE(sink.records[0].reason.present);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("an ERR with a reason keeps it", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(Builder("ERR").u32(0x807F0000).str("Bad_TcpEndpointUrlInvalid").finish(), Direction::ToClient, st, sink);
  REQUIRE(sink.records.size() == 1);
  CHECK(sink.records[0].reason.view() == "Bad_TcpEndpointUrlInvalid");
}

TEST_CASE("RHE from the TCP client switches UA roles for reverse connect", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(Builder("RHE").str("urn:plc").str("opc.tcp://plc:4840").finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 1);
  CHECK(sink.records[0].server_uri.view() == "urn:plc");
  CHECK(sink.records[0].endpoint_url.view() == "opc.tcp://plc:4840");
  CHECK(st.reverse);
  // The UA client is now the TCP server: its HEL travels ToClient and is expected.
  feed(hello(), Direction::ToClient, st, sink);
  feed(ack(), Direction::ToServer, st, sink);
  CHECK(sink.anomalies.empty());
  CHECK(st.hello.known);
  CHECK(st.ack.known);
}

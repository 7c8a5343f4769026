// Chunk reassembly (C/F/A) and the negotiated limits on chunks and messages.
#include <catch2/catch.hpp>

#include "tests/unit/protocols/opcua/opcua_test_support.hpp"

using namespace fg;
using namespace fg::opcua;
using namespace fg::opcua::test;
using proto::Direction;

namespace {

// A plaintext channel with the given server (ACK) limits.
FlowState negotiated(std::uint32_t rbs, std::uint32_t mms, std::uint32_t mcc) {
  FlowState st{};
  CollectSink sink;
  feed(hello(65535, 65535, 0, 0), Direction::ToServer, st, sink);
  feed(ack(rbs, rbs, mms, mcc), Direction::ToClient, st, sink);
  feed(hex(kCapturedOpnRequest), Direction::ToServer, st, sink);
  return st;
}

}  // namespace

TEST_CASE("C, C, F chunks make one message; the service appears on the final chunk", "[opcua]") {
  FlowState st = negotiated(65535, 0, 0);
  CollectSink sink;
  feed(symmetric("MSG", 'C', 8, 8, 2, 7).service(673).fill(50).finish(), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'C', 8, 8, 3, 7).fill(50).finish(), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'F', 8, 8, 4, 7).fill(10).finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 3);
  CHECK_FALSE(sink.records[0].has_service);
  CHECK_FALSE(sink.records[1].has_service);
  CHECK(sink.records[2].has_service);
  CHECK(sink.records[2].service_id == 673);
  CHECK(sink.records[2].chunk_count == 3);
  CHECK(sink.records[2].message_size == 4 + 50 + 50 + 10);
  CHECK(sink.anomalies.empty());
  for (const auto& p : st.side[0].partial) CHECK_FALSE(p.used);
}

TEST_CASE("chunks of two requests may interleave and are kept apart by request id", "[opcua]") {
  FlowState st = negotiated(65535, 0, 0);
  CollectSink sink;
  feed(symmetric("MSG", 'C', 8, 8, 2, 7).service(673).finish(), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'C', 8, 8, 3, 9).service(631).finish(), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'F', 8, 8, 4, 7).finish(), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'F', 8, 8, 5, 9).finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 4);
  CHECK(sink.records[2].service_id == 673);
  CHECK(sink.records[3].service_id == 631);
}

TEST_CASE("an abort chunk ends the message without a service; an orphan abort is reported", "[opcua]") {
  FlowState st = negotiated(65535, 0, 0);
  CollectSink sink;
  feed(symmetric("MSG", 'C', 8, 8, 2, 7).service(673).finish(), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'A', 8, 8, 3, 7).u32(0x80AB0000).str("too big").finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 2);
  CHECK_FALSE(sink.records[1].has_service);
  CHECK(sink.records[1].has_error);
  CHECK(sink.records[1].error == 0x80AB0000u);
  CHECK(sink.records[1].reason.view() == "too big");
  CHECK(sink.anomalies.empty());
  feed(symmetric("MSG", 'A', 8, 8, 4, 99).u32(0x80AB0000).null_str().finish(), Direction::ToServer, st, sink);
  CHECK(sink.has(kOrphanChunk));
}

TEST_CASE("a chunk over the negotiated receive buffer is too large", "[opcua]") {
  FlowState st = negotiated(8192, 0, 0);
  CollectSink sink;
  feed(symmetric("MSG", 'F', 8, 8, 2, 2).service(631).fill(9000).finish(), Direction::ToServer, st, sink);
  CHECK(sink.has(kChunkTooLarge));
}

TEST_CASE("a message over the negotiated max message size is reported once", "[opcua]") {
  FlowState st = negotiated(65535, 1000, 0);
  CollectSink sink;
  for (int i = 0; i < 3; ++i)
    feed(symmetric("MSG", 'C', 8, 8, 2 + i, 7).service(673).fill(600).finish(), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'F', 8, 8, 5, 7).finish(), Direction::ToServer, st, sink);
  int n = 0;
  for (auto& a : sink.anomalies) n += a.kind == &kMessageTooLarge;
  CHECK(n == 1);
}

TEST_CASE("a message with more chunks than negotiated is reported", "[opcua]") {
  FlowState st = negotiated(65535, 0, 2);
  CollectSink sink;
  for (int i = 0; i < 3; ++i)
    feed(symmetric("MSG", 'C', 8, 8, 2 + i, 7).service(673).finish(), Direction::ToServer, st, sink);
  CHECK(sink.has(kTooManyChunks));
}

TEST_CASE("responses are held to the client's HEL limits", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(hello(65535, 65535, 4000, 0), Direction::ToServer, st, sink);
  feed(ack(), Direction::ToClient, st, sink);
  feed(hex(kCapturedOpnRequest), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'F', 8, 8, 2, 2).service(431).fill(5000).finish(), Direction::ToClient, st, sink);
  CHECK(sink.has(kMessageTooLarge));
}

TEST_CASE("more partial messages than slots evicts the oldest with an anomaly", "[opcua]") {
  FlowState st = negotiated(65535, 0, 0);
  CollectSink sink;
  for (std::uint32_t id = 1; id <= kMaxPartialMessages + 1; ++id)
    feed(symmetric("MSG", 'C', 8, 8, id, id).service(631).finish(), Direction::ToServer, st, sink);
  CHECK(sink.has(kTooManyPartialMessages));
  // The evicted message's final chunk now has no start: no service, no crash.
  feed(symmetric("MSG", 'F', 8, 8, 99, 1).fill(4).finish(), Direction::ToServer, st, sink);
  CHECK_FALSE(sink.records.back().has_service);
}

TEST_CASE("encrypted chunks are counted per side without a request id", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(Builder("OPN").u32(0).str("http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256").u32(0).u32(0).fill(64).finish(),
       Direction::ToServer, st, sink);
  feed(Builder("MSG", 'C').u32(5).u32(1).fill(64, 0xEE).finish(), Direction::ToServer, st, sink);
  feed(Builder("MSG", 'F').u32(5).u32(1).fill(64, 0xEE).finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 3);
  CHECK(sink.records[2].chunk_count == 2);
  CHECK_FALSE(sink.records[2].has_service);
}

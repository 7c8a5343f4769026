// Detection and chunk framing: split input, resync, size sanity.
#include <catch2/catch.hpp>

#include "tests/unit/protocols/opcua/opcua_test_support.hpp"

using namespace fg;
using namespace fg::opcua;
using namespace fg::opcua::test;
using proto::Detect;
using proto::Direction;
using proto::Status;

TEST_CASE("detect says yes for a captured HEL and for a mid-stream MSG header", "[opcua]") {
  auto hel = hex(kCapturedHel);
  CHECK(detect(hel, Direction::ToServer) == Detect::Yes);
  auto msg = hex(kCapturedGetEndpointsResponse);
  CHECK(detect(msg, Direction::ToClient) == Detect::Yes);
}

TEST_CASE("detect says maybe on a short prefix and no on other protocols", "[opcua]") {
  auto hel = hex(kCapturedHel);
  for (std::size_t n = 0; n < 8; ++n) CHECK(detect(proto::Bytes(hel).first(n), Direction::ToServer) == Detect::Maybe);
  auto http = hex("474554202f20485454502f312e310d0a");  // "GET / HTTP/1.1"
  CHECK(detect(http, Direction::ToServer) == Detect::No);
  auto modbus = hex("000100000006010300000001");
  CHECK(detect(modbus, Direction::ToServer) == Detect::No);
  auto bad_chunk = Builder("HEL", 'C').u32(0).fill(20).finish();
  CHECK(detect(bad_chunk, Direction::ToServer) == Detect::No);
  auto tiny = hex("4d5347460400000000000000");  // MSG F with size 4
  CHECK(detect(tiny, Direction::ToServer) == Detect::No);
}

TEST_CASE("detect does not depend on field values a non-conformant HEL may carry", "[opcua]") {
  auto odd = Builder("HEL").u32(7).u32(100).u32(100).u32(0).u32(0).null_str().finish();
  CHECK(detect(odd, Direction::ToServer) == Detect::Yes);
}

TEST_CASE("parse asks for more on 1 byte, the header only, and n-1 bytes", "[opcua]") {
  auto hel = hex(kCapturedHel);
  FlowState st{};
  CollectSink sink;
  auto r = parse(proto::Bytes(hel).first(1), Direction::ToServer, st, sink);
  CHECK(r.status() == Status::NeedMore);
  CHECK(r.needed() == 0);
  r = parse(proto::Bytes(hel).first(8), Direction::ToServer, st, sink);
  CHECK(r.status() == Status::NeedMore);
  CHECK(r.needed() == hel.size());
  r = parse(proto::Bytes(hel).first(hel.size() - 1), Direction::ToServer, st, sink);
  CHECK(r.status() == Status::NeedMore);
  CHECK(r.needed() == hel.size());
  CHECK(sink.records.empty());
  r = parse(hel, Direction::ToServer, st, sink);
  CHECK(r.status() == Status::Ok);
  CHECK(r.consumed() == hel.size());
  REQUIRE(sink.records.size() == 1);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("parse takes one chunk at a time from a segment holding several", "[opcua]") {
  auto a = hex(kCapturedGetEndpointsResponse);
  std::vector<std::uint8_t> both = a;
  both.insert(both.end(), a.begin(), a.end());
  FlowState st{};
  CollectSink sink;
  auto r = parse(both, Direction::ToClient, st, sink);
  CHECK(r.status() == Status::Ok);
  CHECK(r.consumed() == a.size());
  CHECK(sink.records.size() == 1);
}

TEST_CASE("garbage before a chunk is skipped with one anomaly and parsing resumes", "[opcua]") {
  auto junk = hex("0102030405060708090a");
  auto msg = hex(kCapturedGetEndpointsResponse);
  junk.insert(junk.end(), msg.begin(), msg.end());
  FlowState st{};
  CollectSink sink;
  auto r = parse(junk, Direction::ToClient, st, sink);
  CHECK(r.status() == Status::Malformed);
  CHECK(r.consumed() == 10);
  CHECK(sink.has(kBadMessageType));
  r = parse(proto::Bytes(junk).subspan(r.consumed()), Direction::ToClient, st, sink);
  CHECK(r.status() == Status::Ok);
  CHECK(sink.records.size() == 1);
}

TEST_CASE("a garbage-only buffer keeps its last 3 bytes for a header that may follow", "[opcua]") {
  auto junk = hex("0102030405060708090a4d5347");  // ends with "MSG"
  FlowState st{};
  CollectSink sink;
  auto r = parse(junk, Direction::ToClient, st, sink);
  CHECK(r.status() == Status::Malformed);
  CHECK(r.consumed() == junk.size() - 3);
}

TEST_CASE("a header with an impossible size is an anomaly and a resync, never Ok with 0", "[opcua]") {
  for (std::uint32_t size : {0u, 7u, kMaxSaneChunkSize + 1}) {
    auto b = hex("4d534746");
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(size >> (8 * i)));
    FlowState st{};
    CollectSink sink;
    auto r = parse(b, Direction::ToClient, st, sink);
    CHECK(r.status() == Status::Malformed);
    CHECK(r.consumed() > 0);
    CHECK(sink.has(kBadChunkSize));
  }
}

TEST_CASE("a bad chunk byte frames by size but is reported", "[opcua]") {
  auto b = symmetric("MSG", 'X', 1, 1, 1, 1).service(631).finish();
  FlowState st{};
  CollectSink sink;
  auto r = parse(b, Direction::ToServer, st, sink);
  CHECK(r.status() == Status::Ok);
  CHECK(sink.has(kBadChunkType));
  auto hel = Builder("HEL", 'C').u32(0).u32(65535).u32(65535).u32(0).u32(0).null_str().finish();
  CollectSink sink2;
  FlowState st2{};
  CHECK(parse(hel, Direction::ToServer, st2, sink2).status() == Status::Ok);
  CHECK(sink2.has(kBadChunkType));
}

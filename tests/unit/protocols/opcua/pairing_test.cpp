// Responses paired with requests by secure channel and RequestId (opcua.unmatched_response):
// what fires, and what legitimate OPC UA (Publish queues, ServiceFault, chunked messages,
// mid-stream pickup, encrypted channels) must never fire.
#include <catch2/catch.hpp>

#include "tests/unit/protocols/opcua/opcua_test_support.hpp"

using namespace fg;
using namespace fg::opcua;
using namespace fg::opcua::test;
using proto::Direction;

namespace {

constexpr std::uint16_t kRead = 631, kReadResponse = 634, kPublish = 826, kPublishResponse = 829,
                        kGetEndpointsResponse = 431, kCreateMonitoredItems = 751;

struct Channel {
  FlowState st{};
  CollectSink sink;
  std::uint32_t client_seq = 1, server_seq = 1;

  // Sends a chunk and returns how many opcua.unmatched_response it raised.
  int send(std::vector<std::uint8_t> bytes, Direction dir) {
    const std::size_t before = sink.anomalies.size();
    feed(std::move(bytes), dir, st, sink);
    int n = 0;
    for (std::size_t i = before; i < sink.anomalies.size(); ++i) n += sink.anomalies[i].kind == &kUnmatchedResponse;
    return n;
  }
  int request(std::uint32_t id, std::uint16_t service = kRead, char chunk = 'F', std::uint32_t scid = 4) {
    return send(symmetric("MSG", chunk, scid, 1, client_seq++, id).service(service).fill(24).finish(), Direction::ToServer);
  }
  int response(std::uint32_t id, std::uint16_t service = kReadResponse, char chunk = 'F', std::uint32_t scid = 4) {
    return send(symmetric("MSG", chunk, scid, 1, server_seq++, id).service(service).fill(24).finish(), Direction::ToClient);
  }
  // A chunk continuing a message: no service id, just body bytes.
  int more(Direction dir, std::uint32_t id, char chunk) {
    std::uint32_t& seq = dir == Direction::ToServer ? client_seq : server_seq;
    return send(symmetric("MSG", chunk, 4, 1, seq++, id).fill(24).finish(), dir);
  }
  int abort(Direction dir, std::uint32_t id) {
    std::uint32_t& seq = dir == Direction::ToServer ? client_seq : server_seq;
    return send(symmetric("MSG", 'A', 4, 1, seq++, id).u32(0x800B0000).null_str().finish(), dir);
  }
};

}  // namespace

TEST_CASE("a response answering its request is quiet; a second answer fires", "[opcua][pairing]") {
  Channel c;
  CHECK(c.request(5) == 0);
  CHECK(c.response(5) == 0);
  CHECK(c.response(5) == 1);
  REQUIRE_FALSE(c.sink.anomalies.empty());
  CHECK(c.sink.anomalies.back().arg0 == 5);
  CHECK(c.sink.anomalies.back().arg1 == kReadResponse);
  CHECK(c.sink.records.back().has_service);  // the record is still produced
}

TEST_CASE("a response with an unknown request id fires", "[opcua][pairing]") {
  Channel c;
  CHECK(c.request(5) == 0);
  CHECK(c.response(6) == 1);
  CHECK(c.response(5) == 0);
}

TEST_CASE("a channel picked up mid-stream judges nothing until the client has sent a request", "[opcua][pairing]") {
  Channel c;
  CHECK(c.response(90) == 0);
  CHECK(c.response(91, kPublishResponse) == 0);
  CHECK(c.request(92) == 0);
  CHECK(c.response(92) == 0);
  CHECK(c.response(93) == 1);
}

TEST_CASE("several Publish requests may be outstanding and are answered in any order", "[opcua][pairing]") {
  Channel c;
  for (std::uint32_t id = 10; id < 15; ++id) CHECK(c.request(id, kPublish) == 0);
  CHECK(c.request(15) == 0);
  CHECK(c.st.requests.size() == 6);
  for (std::uint32_t id : {12u, 10u, 15u, 14u}) CHECK(c.response(id, id == 15 ? kReadResponse : kPublishResponse) == 0);
  CHECK(c.response(11, kPublishResponse) == 0);
  CHECK(c.response(13, kPublishResponse) == 0);
  CHECK(c.st.requests.size() == 0);
  CHECK(c.response(16, kPublishResponse) == 1);
}

TEST_CASE("a ServiceFault answers any request, but not a request id nobody sent", "[opcua][pairing]") {
  Channel c;
  CHECK(c.request(20, kPublish) == 0);
  CHECK(c.request(21, kRead) == 0);
  CHECK(c.response(21, kServiceFault) == 0);
  CHECK(c.response(20, kServiceFault) == 0);
  CHECK(c.response(22, kServiceFault) == 1);
}

TEST_CASE("a chunked response is judged once, on its first chunk", "[opcua][pairing]") {
  Channel c;
  CHECK(c.request(30) == 0);
  CHECK(c.response(30, kReadResponse, 'C') == 0);
  CHECK(c.more(Direction::ToClient, 30, 'C') == 0);
  CHECK(c.more(Direction::ToClient, 30, 'F') == 0);
  CHECK(c.response(31, kReadResponse, 'C') == 1);
  CHECK(c.more(Direction::ToClient, 31, 'F') == 0);  // reported once per message
}

TEST_CASE("a chunked request is outstanding from its first chunk", "[opcua][pairing]") {
  Channel c;
  CHECK(c.request(40, kRead, 'C') == 0);
  CHECK(c.more(Direction::ToServer, 40, 'F') == 0);
  CHECK(c.response(40) == 0);
}

TEST_CASE("a request the client aborted is no longer outstanding", "[opcua][pairing]") {
  Channel c;
  CHECK(c.request(41, kRead, 'C') == 0);
  CHECK(c.abort(Direction::ToServer, 41) == 0);
  CHECK(c.response(41) == 1);
  // A response the server aborts still answered its request.
  CHECK(c.request(42) == 0);
  CHECK(c.response(42, kReadResponse, 'C') == 0);
  CHECK(c.abort(Direction::ToClient, 42) == 0);
  CHECK(c.response(42) == 1);
  // An abort from the client with no message of that id in progress cancels nothing.
  CHECK(c.request(43) == 0);
  CHECK(c.abort(Direction::ToServer, 43) == 0);
  CHECK(c.response(43) == 0);
}

TEST_CASE("responses pair within their secure channel", "[opcua][pairing]") {
  Channel c;
  CHECK(c.request(50, kRead, 'F', 4) == 0);
  CHECK(c.response(50, kReadResponse, 'F', 5) == 1);
  CHECK(c.response(50, kReadResponse, 'F', 4) == 0);
}

TEST_CASE("only requests from the client and responses from the server are paired", "[opcua][pairing]") {
  // icsnpp_opcua_pending_overflow: the TCP client sends a GetEndpointsResponse and the server a
  // CreateMonitoredItemsRequest. Neither is a request awaiting an answer nor an answer.
  Channel c;
  CHECK(c.send(symmetric("MSG", 'F', 3, 3, 2, 2).service(kGetEndpointsResponse).fill(8).finish(), Direction::ToServer) == 0);
  CHECK(c.send(symmetric("MSG", 'F', 3, 3, 8, 8).service(kCreateMonitoredItems).fill(8).finish(), Direction::ToClient) == 0);
  CHECK_FALSE(c.st.requests.seen_request());
  // A CloseSecureChannelRequest (CLO) is never answered: not outstanding.
  CHECK(c.send(symmetric("CLO", 'F', 4, 1, c.client_seq++, 60).service(452).fill(8).finish(), Direction::ToServer) == 0);
  CHECK_FALSE(c.st.requests.seen_request());
}

TEST_CASE("sign-only channels are paired; SignAndEncrypt channels are not read", "[opcua][pairing]") {
  const auto opn = [](std::uint32_t scid) {
    Builder b("OPN");
    b.u32(scid).str("http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256");
    b.u32(100).fill(100, 0x30).u32(20).fill(20, 0x11).fill(256, 0x5A);
    return b.finish();
  };
  Channel sign;
  CHECK(sign.send(opn(0), Direction::ToServer) == 0);
  CHECK(sign.request(7) == 0);  // plaintext service id: mode Sign, sequence header readable
  REQUIRE(sign.st.security_mode == SecurityMode::Sign);
  CHECK(sign.response(7) == 0);
  CHECK(sign.response(8) == 1);

  Channel encrypted;
  CHECK(encrypted.send(opn(0), Direction::ToServer) == 0);
  CHECK(encrypted.send(Builder("MSG").u32(5).u32(1).fill(128, 0xC3).finish(), Direction::ToServer) == 0);
  REQUIRE(encrypted.st.security_mode == SecurityMode::SignAndEncrypt);
  for (int i = 0; i < 3; ++i)
    CHECK(encrypted.send(Builder("MSG").u32(5).u32(1).fill(128, 0xC3).finish(), Direction::ToClient) == 0);
  CHECK_FALSE(encrypted.st.requests.seen_request());
}

TEST_CASE("a full table forgets the oldest request silently", "[opcua][pairing]") {
  Channel c;
  for (std::uint32_t id = 1; id <= kMaxOutstandingRequests + 1; ++id) CHECK(c.request(id, kPublish) == 0);
  CHECK(c.sink.anomalies.empty());
  CHECK(c.st.requests.size() == kMaxOutstandingRequests);
  CHECK(c.response(1, kPublishResponse) == 1);  // evicted
  CHECK(c.response(2, kPublishResponse) == 0);
  CHECK(c.response(kMaxOutstandingRequests + 1, kPublishResponse) == 0);
}

TEST_CASE("reverse connect: the UA client is the TCP server and its requests travel ToClient", "[opcua][pairing]") {
  Channel c;
  // RHE from the UA server (the TCP client) flips the roles.
  CHECK(c.send(Builder("RHE").str("urn:server").str("opc.tcp://plc:4840").finish(), Direction::ToServer) == 0);
  REQUIRE(c.st.reverse);
  CHECK(c.send(symmetric("MSG", 'F', 4, 1, 1, 70).service(kRead).fill(8).finish(), Direction::ToClient) == 0);
  CHECK(c.send(symmetric("MSG", 'F', 4, 1, 1, 70).service(kReadResponse).fill(8).finish(), Direction::ToServer) == 0);
  CHECK(c.send(symmetric("MSG", 'F', 4, 1, 2, 71).service(kReadResponse).fill(8).finish(), Direction::ToServer) == 1);
}

namespace {
int mismatches(const Channel& c) {
  int n = 0;
  for (const auto& a : c.sink.anomalies) n += a.kind == &kResponseTypeMismatch;
  return n;
}
}  // namespace

TEST_CASE("a response of another service's type fires opcua.response_type_mismatch", "[opcua][pairing]") {
  Channel c;
  CHECK(c.request(5, kRead) == 0);
  CHECK(c.response(5, kPublishResponse) == 0);  // paired by request id: not unmatched...
  REQUIRE(mismatches(c) == 1);                  // ...but a PublishResponse answers no Read
  CHECK(c.sink.anomalies.back().arg0 == kRead);
  CHECK(c.sink.anomalies.back().arg1 == kPublishResponse);
  CHECK(c.response(5, kReadResponse) == 1);  // the request was answered (wrongly) all the same
}

TEST_CASE("its own response type, or a ServiceFault, answers any request", "[opcua][pairing]") {
  Channel c;
  CHECK(c.request(1, kRead) == 0);
  CHECK(c.response(1, kReadResponse) == 0);
  CHECK(c.request(2, kCreateMonitoredItems) == 0);
  CHECK(c.response(2, kServiceFault) == 0);
  CHECK(c.request(3, 12211) == 0);  // RegisterServer2: its response is 12212, not +3
  CHECK(c.response(3, 12212) == 0);
  CHECK(c.request(4, kPublish) == 0);
  CHECK(c.response(4, kPublishResponse) == 0);
  CHECK(mismatches(c) == 0);
}

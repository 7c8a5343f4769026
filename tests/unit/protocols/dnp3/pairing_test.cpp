// Solicited responses paired with requests by association and application SEQ
// (dnp3.unmatched_response): what fires and what legitimate DNP3 must never fire.
#include <catch2/catch.hpp>
#include <memory>

#include "dnp3_test_support.hpp"

using namespace fg;
using namespace fg::dnp3;
using namespace fg::dnp3::test;

namespace {

constexpr std::uint8_t kFir = 0x80, kFin = 0x40, kCon = 0x20, kUns = 0x10;
constexpr auto kToServer = proto::Direction::ToServer;
constexpr auto kToClient = proto::Direction::ToClient;

// One application fragment in one link frame (transport FIR|FIN), with the given link control
// and addresses.
ByteVec frame(std::uint8_t link_control, std::uint16_t dst, std::uint16_t src, const ByteVec& fragment) {
  ByteVec user{0xc0};
  user.insert(user.end(), fragment.begin(), fragment.end());
  return build_frame(link_control, dst, src, user);
}

// READ class 0 (g60v1, all objects) from master `master` to outstation `outstation`.
ByteVec read_request(std::uint8_t seq, std::uint16_t master = 1, std::uint16_t outstation = 10) {
  return frame(0xc4, outstation, master, {static_cast<std::uint8_t>(kFir | kFin | seq), 0x01, 60, 1, 0x06});
}
ByteVec request(std::uint8_t function, std::uint8_t seq, std::uint16_t dst = 10) {
  return frame(0xc4, dst, 1, {static_cast<std::uint8_t>(kFir | kFin | seq), function, 60, 1, 0x06});
}
// A response fragment with no objects (a null response), IIN 0.
ByteVec response(std::uint8_t control, std::uint8_t function = 0x81, std::uint16_t outstation = 10,
                 std::uint16_t master = 1) {
  return frame(0x44, master, outstation, {control, function, 0x00, 0x00});
}
ByteVec solicited(std::uint8_t seq) { return response(static_cast<std::uint8_t>(kFir | kFin | seq)); }
ByteVec confirm(std::uint8_t seq, bool uns = false) {
  return frame(0xc4, 10, 1, {static_cast<std::uint8_t>(kFir | kFin | (uns ? kUns : 0) | seq), 0x00});
}

struct Conversation {
  std::unique_ptr<FlowState> st = std::make_unique<FlowState>();
  RecordingSink sink;
  // Sends `bytes` in `dir`; returns how many dnp3.unmatched_response it raised.
  int send(const ByteVec& bytes, proto::Direction dir) {
    const std::size_t before = sink.anomalies.size();
    parse_all(bytes, dir, *st, sink);
    int n = 0;
    for (std::size_t i = before; i < sink.anomalies.size(); ++i) n += sink.anomalies[i].kind == &kUnmatchedResponse;
    return n;
  }
};

}  // namespace

TEST_CASE("a response answering its request is quiet; a second answer fires", "[dnp3][pairing]") {
  Conversation c;
  CHECK(c.send(read_request(3), kToServer) == 0);
  CHECK(c.send(solicited(3), kToClient) == 0);
  CHECK(c.send(solicited(3), kToClient) == 1);  // the request was answered already
  REQUIRE_FALSE(c.sink.anomalies.empty());
  CHECK(c.sink.anomalies.back().arg0 == 3);
  CHECK(c.sink.anomalies.back().arg1 == 10);
  CHECK(c.sink.records.back().has_app);  // the record is still produced
}

TEST_CASE("a response whose SEQ matches no outstanding request fires", "[dnp3][pairing]") {
  Conversation c;
  CHECK(c.send(read_request(3), kToServer) == 0);
  CHECK(c.send(solicited(4), kToClient) == 1);
  CHECK(c.send(solicited(3), kToClient) == 0);  // request 3 is still outstanding
}

TEST_CASE("a flow joined mid-stream does not judge responses until it has seen a request", "[dnp3][pairing]") {
  Conversation c;
  CHECK(c.send(solicited(7), kToClient) == 0);
  CHECK(c.send(solicited(8), kToClient) == 0);
  CHECK(c.send(read_request(9), kToServer) == 0);
  CHECK(c.send(solicited(9), kToClient) == 0);
  CHECK(c.send(solicited(10), kToClient) == 1);
}

TEST_CASE("a multi-fragment response continues the request's SEQ, wrapping at 16", "[dnp3][pairing]") {
  Conversation c;
  CHECK(c.send(read_request(14), kToServer) == 0);
  CHECK(c.send(response(kFir | kCon | 14), kToClient) == 0);
  CHECK(c.send(confirm(14), kToServer) == 0);
  CHECK(c.send(response(kCon | 15), kToClient) == 0);
  CHECK(c.send(confirm(15), kToServer) == 0);
  CHECK(c.send(response(kFin | kCon | 0), kToClient) == 0);  // 15 + 1 wraps to 0
  CHECK(c.send(confirm(0), kToServer) == 0);
  CHECK(c.send(response(kFin | 1), kToClient) == 1);  // the response is complete: nothing continues
}

TEST_CASE("a middle fragment with the wrong SEQ fires", "[dnp3][pairing]") {
  Conversation c;
  CHECK(c.send(read_request(2), kToServer) == 0);
  CHECK(c.send(response(kFir | kCon | 2), kToClient) == 0);
  CHECK(c.send(response(kCon | 5), kToClient) == 1);
  CHECK(c.send(response(kFin | 3), kToClient) == 0);  // the right continuation still pairs
}

TEST_CASE("a first fragment does not match a continuing response and vice versa", "[dnp3][pairing]") {
  Conversation c;
  CHECK(c.send(read_request(2), kToServer) == 0);
  CHECK(c.send(response(kFin | 2), kToClient) == 1);  // FIR clear: no response was begun
  CHECK(c.send(solicited(2), kToClient) == 0);
}

TEST_CASE("unsolicited responses and confirmations never fire", "[dnp3][pairing]") {
  Conversation c;
  CHECK(c.send(read_request(1), kToServer) == 0);
  CHECK(c.send(solicited(1), kToClient) == 0);
  CHECK(c.send(response(kFir | kFin | kCon | kUns | 6, 0x82), kToClient) == 0);
  CHECK(c.send(confirm(6, true), kToServer) == 0);
  CHECK(c.send(response(kFir | kFin | kCon | kUns | 7, 0x82), kToClient) == 0);
  // A RESPONSE function with UNS set is not a solicited response either.
  CHECK(c.send(response(kFir | kFin | kUns | 9), kToClient) == 0);
  // Authentication responses (0x83) answer challenges, not requests.
  CHECK(c.send(response(kFir | kFin | 12, 0x83), kToClient) == 0);
}

TEST_CASE("responses pair within their association and direction", "[dnp3][pairing]") {
  Conversation c;
  CHECK(c.send(read_request(4, 1, 10), kToServer) == 0);
  CHECK(c.send(read_request(4, 1, 11), kToServer) == 0);  // a second outstation on the same flow
  CHECK(c.send(response(kFir | kFin | 4, 0x81, 12), kToClient) == 1);  // outstation 12 was not asked
  CHECK(c.send(response(kFir | kFin | 4, 0x81, 11), kToClient) == 0);
  CHECK(c.send(response(kFir | kFin | 4, 0x81, 10), kToServer) == 1);  // same direction as the request
  CHECK(c.send(response(kFir | kFin | 4, 0x81, 10), kToClient) == 0);
}

TEST_CASE("an outstation that opened the connection answers requests travelling to the client", "[dnp3][pairing]") {
  // Outstation-initiated TCP (or a UDP flow first heard from the outstation): requests go
  // ToClient, responses ToServer. Nothing assumes the master is the TCP client.
  Conversation c;
  CHECK(c.send(read_request(5), kToClient) == 0);
  CHECK(c.send(solicited(5), kToServer) == 0);
  CHECK(c.send(solicited(5), kToServer) == 1);
}

TEST_CASE("requests that expect no response and broadcasts are not outstanding", "[dnp3][pairing]") {
  Conversation c;
  CHECK(c.send(read_request(1), kToServer) == 0);
  CHECK(c.send(solicited(1), kToClient) == 0);
  CHECK(c.send(request(0x06, 2), kToServer) == 0);  // DIRECT_OPERATE_NR
  CHECK(c.send(solicited(2), kToClient) == 1);
  CHECK(c.send(request(0x01, 3, 0xffff), kToServer) == 0);  // READ to the broadcast address
  CHECK(c.send(solicited(3), kToClient) == 1);
}

TEST_CASE("a retried request may be answered twice; the answers pair in order", "[dnp3][pairing]") {
  Conversation c;
  CHECK(c.send(read_request(6), kToServer) == 0);
  CHECK(c.send(read_request(6), kToServer) == 0);
  CHECK(c.send(solicited(6), kToClient) == 0);
  CHECK(c.send(solicited(6), kToClient) == 0);
  CHECK(c.send(solicited(6), kToClient) == 1);
}

TEST_CASE("an authentication exchange leaves one request for the final response", "[dnp3][pairing]") {
  // Critical request, challenge (0x83), challenge reply (0x20, same SEQ), then the response.
  Conversation c;
  CHECK(c.send(request(0x05, 8), kToServer) == 0);
  CHECK(c.send(response(kFir | kFin | 8, 0x83), kToClient) == 0);
  CHECK(c.send(request(0x20, 8), kToServer) == 0);
  CHECK(c.send(solicited(8), kToClient) == 0);
  CHECK(c.send(solicited(8), kToClient) == 1);
}

TEST_CASE("a full table forgets the oldest request silently", "[dnp3][pairing]") {
  Conversation c;
  for (std::uint16_t o = 0; o < kMaxOutstandingRequests + 1; ++o)
    CHECK(c.send(read_request(1, 1, static_cast<std::uint16_t>(100 + o)), kToServer) == 0);
  CHECK(c.sink.anomalies.empty());
  CHECK(c.send(response(kFir | kFin | 1, 0x81, 100), kToClient) == 1);  // evicted
  CHECK(c.send(response(kFir | kFin | 1, 0x81, 101), kToClient) == 0);
  CHECK(c.send(response(kFir | kFin | 1, 0x81, 100 + kMaxOutstandingRequests), kToClient) == 0);
}

TEST_CASE("a response segmented over several link frames is judged once, on its last frame", "[dnp3][pairing]") {
  Conversation c;
  CHECK(c.send(read_request(11), kToServer) == 0);
  // 300 octets of g30v2 values: two transport segments.
  ByteVec fragment{static_cast<std::uint8_t>(kFir | kFin | 11), 0x81, 0x00, 0x00, 30, 2, 0x00, 0, 99};
  for (int i = 0; i < 100 * 3; ++i) fragment.push_back(static_cast<std::uint8_t>(i));
  ByteVec stream;
  for (std::size_t at = 0, tseq = 0; at < fragment.size(); at += 249, ++tseq) {
    const bool fir = at == 0, fin = at + 249 >= fragment.size();
    ByteVec user{static_cast<std::uint8_t>((fin ? 0x80 : 0) | (fir ? 0x40 : 0) | tseq)};
    user.insert(user.end(), fragment.begin() + static_cast<long>(at),
                fragment.begin() + static_cast<long>(std::min(fragment.size(), at + 249)));
    const ByteVec f = response_frame(user);
    stream.insert(stream.end(), f.begin(), f.end());
  }
  CHECK(c.send(stream, kToClient) == 0);
  CHECK(c.send(stream, kToClient) == 1);
}

// Modbus/TCP: detection, MBAP framing, split input, resynchronisation and pairing.
#include <catch2/catch.hpp>

#include "modbus_test_support.hpp"

using namespace fg::modbus;
using namespace fg::modbus::test;
using fg::proto::Detect;
using fg::proto::Status;

TEST_CASE("detect accepts a read holding registers request and its response") {
  auto req = hex("0001 0000 0006 0a 03 0005 0002");
  auto rsp = hex("0001 0000 0007 0a 03 04 0009 0018");
  CHECK(detect(req, kToServer) == Detect::Yes);
  CHECK(detect(rsp, kToClient) == Detect::Yes);
}

TEST_CASE("detect rejects non-Modbus payloads seen on port 502") {
  // From zeek_modbus_nonmodbus_p502.pcap: DCE/RPC bind, ONC RPC, TLS hello, HTTP, RDP cookie.
  CHECK(detect(hex("05000b03100000004800000001000000"), kToServer) == Detect::No);
  CHECK(detect(hex("800000287e86ab4a0000000000000002"), kToServer) == Detect::No);
  CHECK(detect(hex("1603010085010000810303736ff81854"), kToServer) == Detect::No);
  CHECK(detect(hex("474554202f20485454502f312e310d0a"), kToServer) == Detect::No);
  CHECK(detect(hex("0300002b26e00000000000436f6f6b69"), kToServer) == Detect::No);
  CHECK(detect(hex("160301000003008001"), kToClient) == Detect::No);
}

TEST_CASE("detect says maybe on too few bytes and no on a bad length") {
  CHECK(detect(hex("0001"), kToServer) == Detect::Maybe);
  CHECK(detect(hex("0001 0000 00"), kToServer) == Detect::Maybe);
  CHECK(detect(hex("0001 0000 0001 0a"), kToServer) == Detect::No);
  CHECK(detect(hex("0001 0000 00ff 0a 03"), kToServer) == Detect::No);
}

TEST_CASE("detect accepts a scanner's function 0 only when the ADU fills the segment") {
  CHECK(detect(hex("0000 0000 0006 01 00 00000000"), kToServer) == Detect::Yes);
  CHECK(detect(hex("0000 0000 0006 01 00 00000000 11"), kToServer) == Detect::No);
}

TEST_CASE("parse frames one ADU and reports its MBAP fields") {
  FlowState st{};
  CollectSink sink;
  auto req = hex("0001 0000 0006 0a 03 0005 0002");
  const auto r = parse(req, kToServer, st, sink);
  REQUIRE(r.status() == Status::Ok);
  CHECK(r.consumed() == 12);
  REQUIRE(sink.records.size() == 1);
  const Record& rec = sink.records[0];
  CHECK(rec.protocol == fg::proto::Protocol::Modbus);
  CHECK(rec.transaction_id == 1);
  CHECK(rec.unit_id == 10);
  CHECK(rec.function == 3);
  CHECK(rec.length == 6);
  CHECK(rec.address == 5);
  CHECK(rec.quantity == 2);
  CHECK(rec.has(kHasWordCount));
  CHECK_FALSE(rec.has(kHasBitCount));
  CHECK(sink.anomalies.empty());
}

TEST_CASE("parse asks for more on 1 byte, header only and n-1 bytes") {
  auto req = hex("0001 0000 0006 0a 03 0005 0002");
  for (std::size_t n : {std::size_t{1}, std::size_t{5}, std::size_t{7}, req.size() - 1}) {
    FlowState st{};
    CollectSink sink;
    const auto r = parse(fg::proto::Bytes(req.data(), n), kToServer, st, sink);
    CHECK(r.status() == Status::NeedMore);
    CHECK(r.consumed() == 0);
    CHECK(r.needed() == (n >= 6 ? 12u : 0u));
    CHECK(sink.records.empty());
  }
}

TEST_CASE("several ADUs in one segment give one record each") {
  FlowState st{};
  CollectSink sink;
  CHECK(feed(hex("01f8 0000 0006 07 06 0004 0000  01f8 0000 0006 07 06 0005 36c1"), kToServer, st, sink) == 0);
  REQUIRE(sink.records.size() == 2);
  CHECK(sink.records[0].address == 4);
  CHECK(sink.records[1].address == 5);
  CHECK(value_at(sink.records[1], 0) == 0x36c1);
}

TEST_CASE("a bad protocol id is reported once and parsing resynchronises on the next header") {
  FlowState st{};
  CollectSink sink;
  auto bytes = hex("0000 0041 0003 01 a5 01   0000 0000 0006 01 03 0000 0001");
  CHECK(feed(bytes, kToServer, st, sink) == 0);
  CHECK(sink.count(kBadProtocolId) == 1);
  REQUIRE(sink.records.size() == 1);
  CHECK(sink.records[0].function == 3);
}

TEST_CASE("a bad MBAP length is reported and never waits for 65k bytes") {
  FlowState st{};
  CollectSink sink;
  auto bytes = hex("0000 0000 0000 01 03");
  const auto r = parse(bytes, kToServer, st, sink);
  CHECK(r.status() == Status::Malformed);
  CHECK(r.consumed() > 0);
  CHECK(sink.count(kBadLength) == 1);
  // Still out of sync: the next bad header is not reported again.
  (void)parse(bytes, kToServer, st, sink);
  CHECK(sink.count(kBadLength) == 1);
}

TEST_CASE("a response carries the request's address and quantity") {
  FlowState st{};
  CollectSink sink;
  feed(hex("0001 0000 0006 0a 01 0002 000a"), kToServer, st, sink);
  feed(hex("0001 0000 0005 0a 01 02 cd 01"), kToClient, st, sink);
  REQUIRE(sink.records.size() == 2);
  const Record& rsp = sink.records[1];
  CHECK(rsp.is_response);
  CHECK(rsp.has(kHasRequest));
  CHECK(rsp.request_address == 2);
  CHECK(rsp.request_quantity == 10);
  CHECK(rsp.byte_count == 2);
  CHECK_FALSE(rsp.has(kHasAddress));  // as Wireshark: a read response has no reference number
  CHECK(rsp.value_count == 10);       // bits beyond the requested quantity are padding
  CHECK(value_at(rsp, 0) == 1);
  CHECK(value_at(rsp, 1) == 0);
  CHECK(value_at(rsp, 8) == 1);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("an exception response reports the function without 0x80 and pairs") {
  FlowState st{};
  CollectSink sink;
  feed(hex("0000 0000 0006 0a 08 0004 0000"), kToServer, st, sink);
  feed(hex("0000 0000 0003 0a 88 0b"), kToClient, st, sink);
  REQUIRE(sink.records.size() == 2);
  CHECK(sink.records[1].function == 8);
  CHECK(sink.records[1].has(kHasException));
  CHECK(sink.records[1].exception == 11);
  CHECK(sink.records[1].has(kHasRequest));
  CHECK(sink.anomalies.empty());
}

TEST_CASE("a response with no request is unmatched once the flow has shown a request") {
  FlowState st{};
  CollectSink sink;
  feed(hex("0007 0000 0006 01 03 0000 0001"), kToClient, st, sink);
  CHECK(sink.count(kUnmatchedResponse) == 0);  // the capture may have started mid-conversation
  feed(hex("0001 0000 0006 01 03 0000 0001"), kToServer, st, sink);
  feed(hex("0002 0000 0005 01 03 02 0000"), kToClient, st, sink);
  CHECK(sink.count(kUnmatchedResponse) == 1);
}

TEST_CASE("pipelined requests with one transaction id are answered in order") {
  FlowState st{};
  CollectSink sink;
  feed(hex("01f8 0000 0006 07 06 0004 0000  01f8 0000 0006 07 06 0005 36c1"), kToServer, st, sink);
  feed(hex("01f8 0000 0006 07 06 0004 0000  01f8 0000 0006 07 06 0005 36c1"), kToClient, st, sink);
  REQUIRE(sink.records.size() == 4);
  CHECK(sink.records[2].request_address == 4);
  CHECK(sink.records[3].request_address == 5);
  CHECK(sink.count(kDuplicateTransactionId) == 1);
  CHECK(sink.count(kUnmatchedResponse) == 0);
}

TEST_CASE("the outstanding request table evicts the oldest when full") {
  FlowState st{};
  CollectSink sink;
  for (unsigned tid = 0; tid <= kMaxPending; ++tid) {
    auto req = hex("0000 0000 0006 01 03 0000 0001");
    req[1] = static_cast<std::uint8_t>(tid);
    feed(req, kToServer, st, sink);
  }
  CHECK(sink.count(kPendingTableFull) == 1);
  feed(hex("0000 0000 0005 01 03 02 0000"), kToClient, st, sink);  // tid 0 was evicted
  CHECK(sink.count(kUnmatchedResponse) == 1);
  feed(hex("0010 0000 0005 01 03 02 0000"), kToClient, st, sink);
  CHECK(sink.records.back().has(kHasRequest));
}

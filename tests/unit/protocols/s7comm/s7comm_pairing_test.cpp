// Job/Ack_Data pairing by PDU reference: an answer to no outstanding job is
// s7comm.unmatched_response, but not before the flow has shown a job (joined mid-stream).
#include <catch2/catch.hpp>

#include "protocols/s7comm/anomalies.hpp"
#include "tests/unit/protocols/s7comm/s7comm_test_support.hpp"

using namespace fg;
using namespace fg::s7comm;
using namespace fg::s7comm::test;

namespace {

// Setup communication job and its Ack_Data with PDU reference `ref` (4 hex digits).
std::vector<std::uint8_t> job(const char* ref) {
  return hex(dt(std::string("32010000") + ref + "00080000f0000001000101e0"));
}
std::vector<std::uint8_t> ack_data(const char* ref) {
  return hex(dt(std::string("3203") + "0000" + ref + "000800000000f0000001000100f0"));
}

}  // namespace

TEST_CASE("an Ack_Data answering the outstanding job is quiet; a second one is unmatched") {
  FlowState st;
  CollectSink sink;
  parse_all(job("0400"), st, sink, proto::Direction::ToServer);
  parse_all(ack_data("0400"), st, sink, proto::Direction::ToClient);
  CHECK_FALSE(sink.has(kUnmatchedResponse));
  REQUIRE(sink.records.size() == 2);
  parse_all(ack_data("0400"), st, sink, proto::Direction::ToClient);
  REQUIRE(sink.has(kUnmatchedResponse));
  CHECK(sink.anomalies.back().arg0 == 0x0400);
  CHECK(sink.anomalies.back().arg1 == 0xf0);
}

TEST_CASE("answers seen before any job are not judged (the flow was joined mid-stream)") {
  FlowState st;
  CollectSink sink;
  parse_all(ack_data("0007"), st, sink, proto::Direction::ToClient);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("parallel jobs are answered in any order") {
  FlowState st;
  CollectSink sink;
  for (const char* r : {"0001", "0002", "0003"}) parse_all(job(r), st, sink);
  for (const char* r : {"0002", "0003", "0001"}) parse_all(ack_data(r), st, sink, proto::Direction::ToClient);
  CHECK(sink.anomalies.empty());
  CHECK(sink.records.size() == 6);
}

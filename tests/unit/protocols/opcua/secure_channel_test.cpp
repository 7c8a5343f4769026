// OPN, MSG and CLO: security headers, service ids, policy/mode tracking, mid-stream pickup.
#include <catch2/catch.hpp>

#include "tests/unit/protocols/opcua/opcua_test_support.hpp"

using namespace fg;
using namespace fg::opcua;
using namespace fg::opcua::test;
using proto::Direction;

namespace {

std::vector<std::uint8_t> encrypted_opn(std::uint32_t scid) {
  Builder b("OPN");
  b.u32(scid).str("http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256");
  b.u32(100).fill(100, 0x30).u32(20).fill(20, 0x11).fill(256, 0x5A);
  return b.finish();
}

// Ciphertext after the symmetric header: its first bytes are not a service id.
std::vector<std::uint8_t> encrypted_msg(std::uint32_t scid, std::uint32_t token) {
  return Builder("MSG").u32(scid).u32(token).fill(128, 0xC3).finish();
}

}  // namespace

TEST_CASE("captured OPN request and response give policy, ids, service and mode None", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(hex(kCapturedOpnRequest), Direction::ToServer, st, sink);
  feed(hex(kCapturedOpnResponse), Direction::ToClient, st, sink);
  REQUIRE(sink.records.size() == 2);
  const Record& rq = sink.records[0];
  CHECK(rq.msg_type == MsgType::Opn);
  CHECK(rq.secure_channel_id == 0);
  CHECK(rq.security_policy_uri.view() == "http://opcfoundation.org/UA/SecurityPolicy#None");
  CHECK(rq.security_policy == SecurityPolicy::None);
  CHECK(rq.sender_certificate_len == -1);
  CHECK(rq.receiver_thumbprint_len == -1);
  CHECK(rq.has_sequence);
  CHECK(rq.sequence_number == 1);
  CHECK(rq.request_id == 1);
  CHECK(rq.has_service);
  CHECK(rq.service_id == 446);
  CHECK(rq.has_request_type);
  CHECK(rq.request_type == 0);
  CHECK(rq.security_mode == SecurityMode::None);
  const Record& rs = sink.records[1];
  CHECK(rs.service_id == 449);
  CHECK(rs.secure_channel_id == 8);
  CHECK(st.secure_channel_id == 8);
  CHECK(st.security_policy == SecurityPolicy::None);
  CHECK(st.security_mode == SecurityMode::None);
  CHECK(st.body == Body::Plain);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("captured MSG and CLO give token, sequence, request id and service", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(hex(kCapturedOpnRequest), Direction::ToServer, st, sink);
  feed(hex(kCapturedGetEndpointsResponse), Direction::ToClient, st, sink);
  feed(hex(kCapturedClo), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 3);
  const Record& m = sink.records[1];
  CHECK(m.msg_type == MsgType::Msg);
  CHECK(m.secure_channel_id == 8);
  CHECK(m.token_id == 8);
  CHECK(m.sequence_number == 2);
  CHECK(m.request_id == 2);
  CHECK(m.service_id == 431);
  CHECK(service_name(m.service_id) == "GetEndpointsResponse");
  CHECK(sink.records[2].msg_type == MsgType::Clo);
  CHECK(sink.records[2].service_id == 452);
}

TEST_CASE("a MSG picked up mid-stream is read as plaintext when its service id is plausible", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(symmetric("MSG", 'F', 4, 4, 9, 9).service(673).fill(40).finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 1);
  CHECK(sink.records[0].has_service);
  CHECK(sink.records[0].service_id == 673);
  CHECK(sink.records[0].body == Body::Plain);
  CHECK(st.body == Body::Plain);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("a mid-stream MSG that does not look like plaintext gets no sequence or service", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(encrypted_msg(4, 4), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 1);
  const Record& r = sink.records[0];
  CHECK(r.has_secure_channel_id);
  CHECK(r.has_token_id);
  CHECK_FALSE(r.has_sequence);
  CHECK_FALSE(r.has_service);
  CHECK(r.body == Body::Unknown);
  CHECK(st.body == Body::Unknown);  // nothing learnt without an OPN
  CHECK(sink.anomalies.empty());
}

TEST_CASE("an encrypted OPN records the policy and certificate lengths but no sequence", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(encrypted_opn(0), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 1);
  const Record& r = sink.records[0];
  CHECK(r.security_policy == SecurityPolicy::Basic256Sha256);
  CHECK(r.sender_certificate_len == 100);
  CHECK(r.receiver_thumbprint_len == 20);
  CHECK(r.body == Body::Encrypted);
  CHECK_FALSE(r.has_sequence);
  CHECK_FALSE(r.has_service);
  CHECK(st.security_policy == SecurityPolicy::Basic256Sha256);
  CHECK(st.security_policy_uri.view() == "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256");
}

TEST_CASE("after an encrypted OPN, ciphertext MSGs settle the mode as SignAndEncrypt", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(encrypted_opn(0), Direction::ToServer, st, sink);
  feed(encrypted_msg(5, 1), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'F', 5, 1, 2, 2).service(631).finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 3);
  CHECK(st.security_mode == SecurityMode::SignAndEncrypt);
  CHECK(st.body == Body::Encrypted);
  CHECK(sink.records[1].body == Body::Encrypted);
  CHECK(sink.records[1].security_mode == SecurityMode::SignAndEncrypt);
  CHECK_FALSE(sink.records[2].has_service);  // once encrypted, never guessed again
}

TEST_CASE("after an encrypted OPN, a plaintext MSG settles the mode as Sign", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(encrypted_opn(0), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'F', 7, 14, 2, 2).service(461).fill(30).finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 2);
  CHECK(sink.records[1].service_id == 461);
  CHECK(st.security_mode == SecurityMode::Sign);
  CHECK(sink.records[1].security_mode == SecurityMode::Sign);
}

TEST_CASE("on a plaintext channel a non-numeric service node id is an anomaly", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(hex(kCapturedOpnRequest), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'F', 8, 8, 2, 2).u8(0x03).u16(1).str("x").finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 2);
  CHECK_FALSE(sink.records[1].has_service);
  CHECK(sink.records[1].has_sequence);
  CHECK(sink.has(kBadServiceNodeId));
}

TEST_CASE("on a plaintext channel a vendor service id is still reported", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(hex(kCapturedOpnRequest), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'F', 8, 8, 2, 2).u8(0x02).u16(3).u32(70000).finish(), Direction::ToServer, st, sink);
  REQUIRE(sink.records.size() == 2);
  CHECK(sink.records[1].has_service);
  CHECK(sink.records[1].service_ns == 3);
  CHECK(sink.records[1].service_id == 70000);
}

TEST_CASE("chunks too short for their headers are reported, not read past", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(Builder("MSG").u16(1).finish(), Direction::ToServer, st, sink);
  feed(Builder("OPN").u32(1).u32(500).finish(), Direction::ToServer, st, sink);
  CHECK(sink.records.size() == 2);
  CHECK(sink.has(kChunkTooSmall));
  CHECK(sink.has(kBadString));
}

TEST_CASE("a repeated or skipped sequence number is a gap; the wrap near 2^32 is not", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(symmetric("MSG", 'F', 4, 4, 10, 1).service(631).finish(), Direction::ToServer, st, sink);
  feed(symmetric("MSG", 'F', 4, 4, 11, 2).service(631).finish(), Direction::ToServer, st, sink);
  // The server's own sequence counter; request id 2 (a response to no request would be
  // opcua.unmatched_response, not what this test is about).
  feed(symmetric("MSG", 'F', 4, 4, 50, 2).service(634).finish(), Direction::ToClient, st, sink);
  CHECK(sink.anomalies.empty());
  feed(symmetric("MSG", 'F', 4, 4, 11, 2).service(631).finish(), Direction::ToServer, st, sink);  // replay
  REQUIRE(sink.has(kSequenceGap));
  CHECK(sink.anomalies.back().arg0 == 12);
  CHECK(sink.anomalies.back().arg1 == 11);
  FlowState st2{};
  CollectSink sink2;
  feed(symmetric("MSG", 'F', 4, 4, 0xFFFFFFF0u, 1).service(631).finish(), Direction::ToServer, st2, sink2);
  feed(symmetric("MSG", 'F', 4, 4, 3, 2).service(631).finish(), Direction::ToServer, st2, sink2);
  CHECK(sink2.anomalies.empty());
}

TEST_CASE("a renewing OPN of the same policy keeps the learnt mode; a new policy resets it", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(encrypted_opn(0), Direction::ToServer, st, sink);
  feed(encrypted_msg(5, 1), Direction::ToServer, st, sink);
  REQUIRE(st.security_mode == SecurityMode::SignAndEncrypt);
  feed(encrypted_opn(5), Direction::ToServer, st, sink);
  CHECK(st.security_mode == SecurityMode::SignAndEncrypt);
  CHECK(st.body == Body::Encrypted);
  feed(hex(kCapturedOpnRequest), Direction::ToServer, st, sink);
  CHECK(st.security_policy == SecurityPolicy::None);
  CHECK(st.security_mode == SecurityMode::None);
  CHECK(st.body == Body::Plain);
}

TEST_CASE("an unreadable abort chunk does not settle the channel mode", "[opcua]") {
  FlowState st{};
  CollectSink sink;
  feed(encrypted_opn(0), Direction::ToServer, st, sink);
  feed(Builder("MSG", 'A').u32(5).u32(1).fill(32, 0xC3).finish(), Direction::ToServer, st, sink);
  CHECK(st.security_mode == SecurityMode::Unknown);
  feed(symmetric("MSG", 'F', 5, 1, 2, 2).service(631).finish(), Direction::ToServer, st, sink);
  CHECK(st.security_mode == SecurityMode::Sign);
}

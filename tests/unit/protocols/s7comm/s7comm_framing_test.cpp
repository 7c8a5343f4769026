// TPKT framing, COTP decoding, DT reassembly and detection.
#include <catch2/catch.hpp>

#include <memory>

#include "s7comm_test_support.hpp"

using namespace fg;
using namespace fg::s7comm;
using namespace fg::s7comm::test;

namespace {
// From iti_s7comm_download_block_db1: CR, CC, setup communication job.
const char* kCr = "0300001611e00000000700c1020100c2020102c0010a";
const char* kSetupJob = "0300001902f08032010000020000080000f0000001000101e0";
const char* kEmptyDt = "0300000702f000";
}  // namespace

TEST_CASE("a COTP connection request yields one record with references and TSAPs") {
  auto b = hex(kCr);
  auto st = std::make_unique<FlowState>();
  CollectSink sink;
  auto r = parse(proto::Bytes(b.data(), b.size()), proto::Direction::ToServer, *st, sink);
  REQUIRE(r.status() == proto::Status::Ok);
  REQUIRE(r.consumed() == b.size());
  REQUIRE(sink.records.size() == 1);
  const Record& rec = sink.records[0];
  CHECK(rec.protocol == proto::Protocol::S7comm);
  CHECK(rec.tpkt_length == 22);
  CHECK(rec.cotp_type == 0x0e);
  CHECK(rec.src_ref == 7);
  CHECK(rec.src_tsap_len == 2);
  CHECK(rec.src_tsap[0] == 0x01);
  CHECK(rec.dst_tsap[1] == 0x02);
  CHECK(rec.tpdu_size == 0x0a);
  CHECK_FALSE(rec.has_s7);
  CHECK(sink.anomalies.empty());
  CHECK(to_json(rec) == R"({"s7comm":{"tpkt_length":22,"cotp_type":14,"dst_ref":0,"src_ref":7,"src_tsap":"0x0100","dst_tsap":"0x0102","tpdu_size":1024}})");
}

TEST_CASE("named TSAPs are written as text") {
  auto b = hex("030000231ee00000001100c1020600c20f53494d415449432d524f4f542d4553c0010a");
  auto st = std::make_unique<FlowState>();
  CollectSink sink;
  parse_all(b, *st, sink);
  REQUIRE(sink.records.size() == 1);
  CHECK(to_json(sink.records[0]).find(R"("dst_tsap":"SIMATIC-ROOT-ES")") != std::string::npos);
}

TEST_CASE("split input asks for more: 1 byte, header only, n-1 bytes") {
  auto b = hex(kSetupJob);
  auto st = std::make_unique<FlowState>();
  CollectSink sink;
  for (std::size_t n : {std::size_t{1}, std::size_t{4}, std::size_t{6}, b.size() - 1}) {
    auto r = parse(proto::Bytes(b.data(), n), proto::Direction::ToServer, *st, sink);
    CHECK(r.status() == proto::Status::NeedMore);
    CHECK((r.needed() == 7 || r.needed() == b.size()));
  }
  CHECK(sink.records.empty());
  auto r = parse(proto::Bytes(b.data(), b.size()), proto::Direction::ToServer, *st, sink);
  CHECK(r.status() == proto::Status::Ok);
  REQUIRE(sink.records.size() == 1);
  CHECK(sink.records[0].has_setup);
  CHECK(sink.records[0].pdu_size == 480);
}

TEST_CASE("an empty DT is a COTP-only record") {
  auto b = hex(kEmptyDt);
  auto st = std::make_unique<FlowState>();
  CollectSink sink;
  CHECK(parse_all(b, *st, sink) == 0);
  REQUIRE(sink.records.size() == 1);
  CHECK(sink.records[0].cotp_type == 0x0f);
  CHECK_FALSE(sink.records[0].cotp_eot);
  CHECK_FALSE(sink.records[0].has_s7);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("several TPKTs in one buffer give one record each") {
  auto b = hex(std::string(kCr) + kEmptyDt + kSetupJob);
  auto st = std::make_unique<FlowState>();
  CollectSink sink;
  CHECK(parse_all(b, *st, sink) == 0);
  CHECK(sink.records.size() == 3);
}

TEST_CASE("a bad TPKT version raises bad_tpkt and resyncs to the next TPKT") {
  auto b = hex(std::string("ffee") + kSetupJob);
  auto st = std::make_unique<FlowState>();
  CollectSink sink;
  auto r = parse(proto::Bytes(b.data(), b.size()), proto::Direction::ToServer, *st, sink);
  CHECK(r.status() == proto::Status::Malformed);
  CHECK(r.consumed() == 2);
  CHECK(sink.has(kBadTpkt));
  CHECK(parse_all(b, *st, sink) == 0);
  CHECK(sink.records.size() == 1);
}

TEST_CASE("a TPKT length below 7 is malformed and never consumes nothing") {
  auto b = hex("03000005aabb");
  auto st = std::make_unique<FlowState>();
  CollectSink sink;
  auto r = parse(proto::Bytes(b.data(), b.size()), proto::Direction::ToServer, *st, sink);
  CHECK(r.status() == proto::Status::Malformed);
  CHECK(r.consumed() > 0);
  CHECK(sink.has(kBadTpkt));
}

TEST_CASE("a COTP header longer than its TPKT raises bad_cotp but still frames") {
  auto b = hex("0300000709f080");
  auto st = std::make_unique<FlowState>();
  CollectSink sink;
  auto r = parse(proto::Bytes(b.data(), b.size()), proto::Direction::ToServer, *st, sink);
  CHECK(r.status() == proto::Status::Ok);
  CHECK(sink.has(kBadCotp));
  REQUIRE(sink.records.size() == 1);
  CHECK_FALSE(sink.records[0].has_cotp);
}

TEST_CASE("an S7 PDU split over DT TPDUs is reassembled per direction") {
  // The setup job's S7 bytes cut in two DT TPDUs: EOT clear on the first.
  auto b = hex("0300000e02f000" "32010000020000" "0300001202f080" "080000f0000001000101e0");
  auto st = std::make_unique<FlowState>();
  CollectSink sink;
  CHECK(parse_all(b, *st, sink) == 0);
  REQUIRE(sink.records.size() == 2);
  CHECK_FALSE(sink.records[0].has_s7);
  CHECK_FALSE(sink.records[0].cotp_eot);
  const Record& r = sink.records[1];
  CHECK(r.reassembled);
  CHECK(r.has_s7);
  CHECK(r.function == 0xf0);
  CHECK(r.pdu_size == 480);
  CHECK(sink.anomalies.empty());
  // The other direction's buffer is untouched.
  CHECK(st->dir[1].total == 0);
  CHECK(st->dir[0].total == 0);
}

TEST_CASE("reassembly beyond the buffer raises cotp_reassembly_overflow and parses the front") {
  auto st = std::make_unique<FlowState>();
  CollectSink sink;
  std::vector<std::uint8_t> seg = hex("0300040302f000");  // 1027-byte TPKT: 1020 bytes of user data
  seg.resize(1027, 0);
  seg[7] = 0x32;
  seg[8] = 0x01;
  for (int i = 0; i < 3; ++i) {
    parse_all(seg, *st, sink);
    seg[7] = 0;  // only the first carries the S7 header
    seg[8] = 0;
  }
  auto last = hex("0300000702f080");
  parse_all(last, *st, sink);
  CHECK(sink.has(kReassemblyOverflow));
  REQUIRE(sink.records.size() == 4);
  CHECK(sink.records[3].reassembly_overflow);
  CHECK(sink.records[3].payload_length == kReassemblyMax);
  CHECK(sink.records[3].has_s7);
  CHECK(st->dir[0].total == 0);
}

TEST_CASE("a DT payload that is not S7 raises not_s7") {
  auto b = hex("0300000902f0800100");
  auto st = std::make_unique<FlowState>();
  CollectSink sink;
  parse_all(b, *st, sink);
  CHECK(sink.has(kNotS7));
  CHECK(sink.records.size() == 1);
}

TEST_CASE("detection is by content") {
  auto d = [](const std::string& h) {
    auto b = hex(h);
    return detect(proto::Bytes(b.data(), b.size()), proto::Direction::ToServer);
  };
  CHECK(d(kCr) == proto::Detect::Yes);
  CHECK(d(kSetupJob) == proto::Detect::Yes);
  CHECK(d("0300001902f08072") == proto::Detect::Yes);
  CHECK(d("03") == proto::Detect::Maybe);
  CHECK(d("0300001902f080") == proto::Detect::Maybe);
  CHECK(d("0300001902f08001") == proto::Detect::No);  // MMS/session over COTP
  CHECK(d("0001000000060a0100000001") == proto::Detect::No);  // Modbus/TCP
  CHECK(d("474554202f20485454502f312e310d0a") == proto::Detect::No);  // HTTP
  // An RDP connection request: TPKT + CR whose "parameters" are a cookie, no TSAP.
  CHECK(d("0300002b26e00000000000436f6f6b69653a206d737473686173683d61646d696e0d0a0100080001000000") ==
        proto::Detect::No);
  // Keep-alive DTs (mid-stream start) are stepped over.
  CHECK(d(std::string(kEmptyDt) + kSetupJob) == proto::Detect::Yes);
  CHECK(d(kEmptyDt) == proto::Detect::Yes);
  CHECK(d(std::string(kEmptyDt) + "0300") == proto::Detect::Maybe);
}

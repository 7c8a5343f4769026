// Link layer: CRCs, framing, split input, resync and detection.
#include <catch2/catch.hpp>
#include <memory>

#include "dnp3_test_support.hpp"

using namespace fg;
using namespace fg::dnp3;
using namespace fg::dnp3::test;

namespace {
// iti_dnp3_read_and_response frame 4: class 2, 3, 4, 1 read from master 1 to outstation 10.
const ByteVec kRead = from_hex("056414c40a0001008fedc0c0013c02063c03063c04063c01068a51");
// zeek_dnp3_udp_read frame 1: link status request, no user data.
const ByteVec kLinkStatus = from_hex("05640549640001007e5f");
}  // namespace

TEST_CASE("crc-16/dnp matches the catalogue check value and real frames", "[dnp3][crc]") {
  const ByteVec check{'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  STATIC_REQUIRE(crc16(proto::Bytes()) == 0xffff);
  REQUIRE(crc16(proto::Bytes(check)) == 0xea82);
  REQUIRE(crc_matches(proto::Bytes(kRead).first(8), kRead[8], kRead[9]));
}

TEST_CASE("crc-16/dnp sliced by 8 equals the byte-at-a-time definition at every length", "[dnp3][crc]") {
  ByteVec data(300);
  std::uint32_t x = 0x2545f491u;  // xorshift32: any fixed bytes will do
  for (auto& b : data) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    b = static_cast<std::uint8_t>(x);
  }
  for (std::size_t len = 0; len <= data.size(); ++len) {
    std::uint16_t c = 0;
    for (std::size_t i = 0; i < len; ++i) c = static_cast<std::uint16_t>((c >> 8) ^ kCrcTable[(c ^ data[i]) & 0xFFU]);
    INFO("length " << len);
    REQUIRE(crc16(proto::Bytes(data.data(), len)) == static_cast<std::uint16_t>(~c));
  }
}

TEST_CASE("a frame without user data gives one link-only record", "[dnp3][link]") {
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  auto r = parse(proto::Bytes(kLinkStatus), proto::Direction::ToClient, *st, sink);
  REQUIRE(r.status() == proto::Status::Ok);
  REQUIRE(r.consumed() == kLinkStatus.size());
  REQUIRE(sink.records.size() == 1);
  const Record& rec = sink.records[0];
  CHECK(rec.protocol == proto::Protocol::Dnp3);
  CHECK(rec.link_src == 1);
  CHECK(rec.link_dst == 100);
  CHECK(rec.prm);
  CHECK_FALSE(rec.dir);
  CHECK(rec.link_function == 9);
  CHECK(rec.length == 5);
  CHECK(rec.crc_ok);
  CHECK_FALSE(rec.has_transport);
  CHECK_FALSE(rec.has_app);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("a one-frame read request carries the application layer", "[dnp3][link]") {
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  auto r = parse(proto::Bytes(kRead), proto::Direction::ToServer, *st, sink);
  REQUIRE(r.status() == proto::Status::Ok);
  REQUIRE(r.consumed() == kRead.size());
  REQUIRE(sink.records.size() == 1);
  const Record& rec = sink.records[0];
  CHECK(rec.link_src == 1);
  CHECK(rec.link_dst == 10);
  CHECK(rec.dir);
  CHECK(rec.length == 20);
  CHECK(rec.has_transport);
  CHECK(rec.transport_fir);
  CHECK(rec.transport_fin);
  CHECK(rec.has_app);
  CHECK(rec.app_function == 1);
  CHECK(rec.app_control == 0xc0);
  CHECK_FALSE(rec.has_iin);
  REQUIRE(rec.object_count == 4);
  CHECK(rec.objects[0].group == 60);
  CHECK(rec.objects[0].variation == 2);
  CHECK(rec.objects[0].qualifier == 0x06);
  CHECK(rec.objects[3].variation == 1);
}

TEST_CASE("split input asks for the header, then for the whole frame", "[dnp3][link][split]") {
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{9}}) {
    auto r = parse(proto::Bytes(kRead.data(), n), proto::Direction::ToServer, *st, sink);
    CHECK(r.status() == proto::Status::NeedMore);
    CHECK(r.needed() == 10);
  }
  for (std::size_t n : {std::size_t{10}, kRead.size() - 1}) {
    auto r = parse(proto::Bytes(kRead.data(), n), proto::Direction::ToServer, *st, sink);
    CHECK(r.status() == proto::Status::NeedMore);
    CHECK(r.needed() == kRead.size());
  }
  CHECK(sink.records.empty());
  CHECK(sink.anomalies.empty());
  auto r = parse(proto::Bytes(kRead), proto::Direction::ToServer, *st, sink);
  CHECK(r.status() == proto::Status::Ok);
  CHECK(sink.records.size() == 1);
}

TEST_CASE("several frames in one buffer are parsed one per call", "[dnp3][link]") {
  ByteVec both = kLinkStatus;
  both.insert(both.end(), kRead.begin(), kRead.end());
  both.insert(both.end(), kLinkStatus.begin(), kLinkStatus.end());
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  auto r = parse_all(both, proto::Direction::ToServer, *st, sink);
  CHECK(r.status() == proto::Status::Ok);
  REQUIRE(sink.records.size() == 3);
  CHECK(sink.records[1].has_app);
}

TEST_CASE("a bad header CRC gives an anomaly, no record, and a resync to the next start", "[dnp3][link]") {
  ByteVec bad = kRead;
  bad[9] ^= 0xff;
  bad.insert(bad.end(), kLinkStatus.begin(), kLinkStatus.end());
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  auto r = parse(proto::Bytes(bad), proto::Direction::ToServer, *st, sink);
  REQUIRE(r.status() == proto::Status::Malformed);
  CHECK(r.consumed() == kRead.size());
  CHECK(sink.records.empty());
  CHECK(sink.saw(kBadLinkCrc));
  r = parse(proto::Bytes(bad).subspan(r.consumed()), proto::Direction::ToServer, *st, sink);
  CHECK(r.status() == proto::Status::Ok);
  CHECK(sink.records.size() == 1);
}

TEST_CASE("the OpenICS zero-length reply is skipped like tshark does", "[dnp3][link]") {
  const ByteVec reply = from_hex("0564000b0100640000000000");  // LEN=0, CRC 0
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  auto r = parse(proto::Bytes(reply), proto::Direction::ToClient, *st, sink);
  CHECK(r.status() == proto::Status::Malformed);
  CHECK(r.consumed() > 0);
  CHECK(sink.records.empty());
  CHECK(sink.saw(kBadLinkCrc));
}

TEST_CASE("a good header CRC with a length below 5 is a bad length", "[dnp3][link]") {
  ByteVec v{0x05, 0x64, 0x03, 0xc4, 0x0a, 0x00, 0x01, 0x00};
  append_crc(v, 0);
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  auto r = parse(proto::Bytes(v), proto::Direction::ToServer, *st, sink);
  CHECK(r.status() == proto::Status::Malformed);
  CHECK(r.consumed() > 0);
  CHECK(sink.saw(kBadLength));
  CHECK(detect(proto::Bytes(v), proto::Direction::ToServer) == proto::Detect::No);
}

TEST_CASE("a bad data block CRC keeps the record but flags it", "[dnp3][link]") {
  ByteVec bad = kRead;
  bad[12] ^= 0x01;  // inside the first data block
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  auto r = parse(proto::Bytes(bad), proto::Direction::ToServer, *st, sink);
  REQUIRE(r.status() == proto::Status::Ok);
  REQUIRE(sink.records.size() == 1);
  CHECK_FALSE(sink.records[0].crc_ok);
  CHECK_FALSE(sink.records[0].has_app);
  CHECK(sink.saw(kBadDataCrc));
}

TEST_CASE("garbage before a frame is skipped up to 0x05 0x64", "[dnp3][link]") {
  ByteVec v{0x00, 0x11, 0x05, 0x22};
  v.insert(v.end(), kLinkStatus.begin(), kLinkStatus.end());
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  auto r = parse(proto::Bytes(v), proto::Direction::ToServer, *st, sink);
  CHECK(r.status() == proto::Status::Malformed);
  CHECK(r.consumed() == 4);
  CHECK(sink.saw(kBadStart));
  // A lone trailing 0x05 may start a frame: it is kept.
  const ByteVec tail{0x00, 0x05};
  r = parse(proto::Bytes(tail), proto::Direction::ToServer, *st, sink);
  CHECK(r.status() == proto::Status::Malformed);
  CHECK(r.consumed() == 1);
}

TEST_CASE("detection needs start octets, a length of 5 or more and a good header CRC", "[dnp3][detect]") {
  using proto::Detect;
  CHECK(detect(proto::Bytes(kRead), proto::Direction::ToServer) == Detect::Yes);
  CHECK(detect(proto::Bytes(kLinkStatus), proto::Direction::ToClient) == Detect::Yes);
  CHECK(detect(proto::Bytes(kRead.data(), 9), proto::Direction::ToServer) == Detect::Maybe);
  CHECK(detect(proto::Bytes(kRead.data(), 1), proto::Direction::ToServer) == Detect::Maybe);
  CHECK(detect(proto::Bytes(), proto::Direction::ToServer) == Detect::Maybe);
  ByteVec bad = kRead;
  bad[8] ^= 1;
  CHECK(detect(proto::Bytes(bad), proto::Direction::ToServer) == Detect::No);
  const ByteVec http = from_hex("474554202f20485454502f312e310d0a");
  CHECK(detect(proto::Bytes(http), proto::Direction::ToServer) == Detect::No);
}

TEST_CASE("write_json names the audit fields", "[dnp3][json]") {
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  (void)parse(proto::Bytes(kRead), proto::Direction::ToServer, *st, sink);
  REQUIRE(sink.records.size() == 1);
  std::string out;
  proto::JsonWriter w(out);
  w.begin_object();
  write_json(sink.records[0], w);
  w.end_object();
  CHECK(out.find("\"dnp3\":{\"link_src\":1,\"link_dst\":10,\"link_function\":4") != std::string::npos);
  CHECK(out.find("\"app_function\":1") != std::string::npos);
  CHECK(out.find("{\"group\":60,\"variation\":2,\"qualifier\":6}") != std::string::npos);
  CHECK(out.find("\"crc_ok\":true") != std::string::npos);
  CHECK(out.find("iin") == std::string::npos);
}

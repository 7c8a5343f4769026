// Modbus RTU over TCP: CRC, frame length from function and byte count, resync, detection.
#include <catch2/catch.hpp>

#include "modbus_test_support.hpp"
#include "protocols/modbus/crc16.hpp"

using namespace fg::modbus;
using namespace fg::modbus::test;
using fg::proto::Detect;
using fg::proto::Status;

namespace {

std::vector<std::uint8_t> with_crc(std::string_view body) {
  auto b = hex(body);
  const std::uint16_t c = crc16_modbus(b);
  b.push_back(static_cast<std::uint8_t>(c & 0xFF));
  b.push_back(static_cast<std::uint8_t>(c >> 8));
  return b;
}

}  // namespace

TEST_CASE("CRC-16/MODBUS matches the serial line spec example") {
  // Widely used reference frame: 01 03 00 00 00 0A is followed on the wire by C5 CD.
  CHECK(crc16_modbus(hex("01 03 00 00 00 0a")) == 0xCDC5);
}

TEST_CASE("RTU request and response frame by function code and byte count") {
  FlowState st{};
  CollectSink sink;
  CHECK(feed(with_crc("11 03 006b 0003"), kToServer, st, sink, true) == 0);
  CHECK(feed(with_crc("11 03 06 022b 0000 0064"), kToClient, st, sink, true) == 0);
  REQUIRE(sink.records.size() == 2);
  CHECK(sink.records[0].protocol == fg::proto::Protocol::ModbusRtu);
  CHECK(sink.records[0].unit_id == 0x11);
  CHECK(sink.records[0].address == 0x6b);
  CHECK(sink.records[0].quantity == 3);
  CHECK_FALSE(sink.records[0].has(kHasTransactionId));
  CHECK(sink.records[1].has(kHasRequest));
  CHECK(sink.records[1].value_count == 3);
  CHECK(value_at(sink.records[1], 0) == 0x022b);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("RTU frames split anywhere ask for the frame's total length") {
  const auto frame = with_crc("01 10 0001 0002 04 000a 0102");
  for (std::size_t n = 1; n < frame.size(); ++n) {
    FlowState st{};
    CollectSink sink;
    const auto r = parse_rtu(fg::proto::Bytes(frame.data(), n), kToServer, st, sink);
    CHECK(r.status() == Status::NeedMore);
    CHECK((r.needed() == 0 || r.needed() == frame.size()));
    CHECK(sink.anomalies.empty());
  }
  FlowState st{};
  CollectSink sink;
  CHECK(parse_rtu(frame, kToServer, st, sink).consumed() == frame.size());
}

TEST_CASE("a bad RTU CRC is reported once and parsing slides to the next good frame") {
  auto bad = with_crc("01 05 000a ff00");
  bad.back() ^= 0x55;
  auto good = with_crc("01 06 0001 0003");
  bad.insert(bad.end(), good.begin(), good.end());
  FlowState st{};
  CollectSink sink;
  CHECK(feed(bad, kToServer, st, sink, true) == 0);
  CHECK(sink.count(kBadRtuCrc) == 1);
  REQUIRE(sink.records.size() == 1);
  CHECK(sink.records[0].function == 6);
}

TEST_CASE("RTU exception, diagnostics and device identification responses frame") {
  FlowState st{};
  CollectSink sink;
  feed(with_crc("01 83 02"), kToClient, st, sink, true);
  feed(with_crc("01 08 0000 1234"), kToClient, st, sink, true);
  feed(with_crc("01 2b 0e 01 01 00 00 02 00 03 414243 01 01 44"), kToClient, st, sink, true);
  REQUIRE(sink.records.size() == 3);
  CHECK(sink.records[0].exception == 2);
  CHECK(sink.records[1].subfunction == 0);
  CHECK(sink.records[2].object_count == 2);
}

TEST_CASE("an RTU function with no derivable length is unframeable") {
  FlowState st{};
  CollectSink sink;
  const auto r = parse_rtu(hex("01 41 00 00 00 00"), kToServer, st, sink);
  CHECK(r.status() == Status::Malformed);
  CHECK(r.consumed() == 1);
  CHECK(sink.count(kRtuUnframeable) == 1);
}

TEST_CASE("detect_rtu needs a whole frame with a good CRC") {
  const auto frame = with_crc("11 03 006b 0003");
  CHECK(detect_rtu(frame, kToServer) == Detect::Yes);
  CHECK(detect_rtu(fg::proto::Bytes(frame.data(), 4), kToServer) == Detect::Maybe);
  auto bad = frame;
  bad[7] ^= 1;
  CHECK(detect_rtu(bad, kToServer) == Detect::No);
  CHECK(detect_rtu(hex("f9 03 006b 0003 0000"), kToServer) == Detect::No);
  CHECK(detect_rtu(hex("0001 0000 0006 0a 03 0005 0002"), kToServer) == Detect::No);  // MBAP is not RTU
}

// Application layer: header, IIN and the object-header walk (sizes, prefixes, limits).
#include <catch2/catch.hpp>
#include <memory>

#include "dnp3_test_support.hpp"
#include "protocols/dnp3/application.hpp"
#include "protocols/dnp3/objects.hpp"

using namespace fg;
using namespace fg::dnp3;
using namespace fg::dnp3::test;

namespace {
Record walk(const ByteVec& fragment, RecordingSink& sink) {
  Record r{};
  parse_application(proto::Bytes(fragment), r, sink);
  return r;
}
}  // namespace

TEST_CASE("the size table knows the common static, event and command objects", "[dnp3][objects]") {
  STATIC_REQUIRE(object_size(12, 1).n == 11);
  STATIC_REQUIRE(object_size(1, 1).kind == SizeKind::Bits);
  STATIC_REQUIRE(object_size(3, 1).n == 2);
  STATIC_REQUIRE(object_size(32, 8).n == 15);
  STATIC_REQUIRE(object_size(50, 1).n == 6);
  STATIC_REQUIRE(object_size(60, 1).kind == SizeKind::Empty);
  STATIC_REQUIRE(object_size(110, 7).n == 7);
  STATIC_REQUIRE(object_size(112, 0).kind == SizeKind::Unknown);
  STATIC_REQUIRE(object_size(70, 5).kind == SizeKind::Unknown);
  STATIC_REQUIRE(object_size(200, 200).kind == SizeKind::Unknown);
}

TEST_CASE("a response walks every header and skips packed and fixed data", "[dnp3][app]") {
  // g1v1 points 0-9 (2 octets packed), g32v1 count 2 with 1-octet index prefix, g80v1 point 7.
  const ByteVec f{0xe3, 0x81, 0x90, 0x02, 1, 1, 0x00, 0, 9, 0xff, 0x03,
                  32, 1, 0x17, 2, 0, 1, 2, 3, 4, 5, 1, 1, 2, 3, 4, 5,
                  80, 1, 0x00, 7, 7, 0x00};
  RecordingSink sink;
  const Record r = walk(f, sink);
  CHECK(r.has_app);
  CHECK(r.app_control == 0xe3);
  CHECK(r.has_iin);
  CHECK(r.iin == 0x9002);
  REQUIRE(r.object_count == 3);
  CHECK(r.objects[1].group == 32);
  CHECK(r.objects[1].range_is_count);
  CHECK(r.objects[1].count == 2);
  CHECK(r.objects[2].group == 80);
  CHECK_FALSE(r.objects_incomplete);
  CHECK_FALSE(r.objects_malformed);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("a read request lists headers without data", "[dnp3][app]") {
  const ByteVec f{0xc1, 0x01, 1, 0, 0x06, 30, 1, 0x00, 0, 5, 20, 0, 0x07, 3};
  RecordingSink sink;
  const Record r = walk(f, sink);
  REQUIRE(r.object_count == 3);
  CHECK_FALSE(r.has_iin);
  CHECK_FALSE(r.objects[0].has_range);
  CHECK(r.objects[1].start == 0);
  CHECK(r.objects[1].stop == 5);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("size-prefixed objects are skipped by their prefix even in a read", "[dnp3][app]") {
  // iti_dnp3_file_list_directory frame 4: read of g70v5 with qualifier 0x5b.
  const ByteVec f = from_hex("ca0146055b0108007856341200000000");
  RecordingSink sink;
  const Record r = walk(f, sink);
  REQUIRE(r.object_count == 1);
  CHECK(r.objects[0].group == 70);
  CHECK(r.objects[0].qualifier == 0x5b);
  CHECK_FALSE(r.objects_malformed);
}

TEST_CASE("an object of unknown size stops the walk and flags it incomplete", "[dnp3][app]") {
  const ByteVec f{0xc0, 0x81, 0x00, 0x00, 90, 1, 0x07, 1, 'a', 'b', 1, 2, 0x00, 0, 0};
  RecordingSink sink;
  const Record r = walk(f, sink);
  REQUIRE(r.object_count == 1);
  CHECK(r.objects_incomplete);
  CHECK_FALSE(r.objects_malformed);
}

TEST_CASE("object data running past the fragment is a bad object header", "[dnp3][app]") {
  const ByteVec f{0xc2, 0x04, 12, 1, 0x17, 1, 0, 0x01, 0x01};  // CROB cut short
  RecordingSink sink;
  const Record r = walk(f, sink);
  REQUIRE(r.object_count == 1);
  CHECK(r.objects_malformed);
  CHECK(sink.saw(kBadObjectHeader));
}

TEST_CASE("reserved range codes and inverted ranges are reported and walked like tshark", "[dnp3][app]") {
  // openics_dnp3_malformed frame 45: g12v1 with range code 0xA, then g0v1 3..1 (negative count).
  const ByteVec f = from_hex("c2040c010a00000100030164000000");
  RecordingSink sink;
  const Record r = walk(f, sink);
  REQUIRE(r.object_count == 2);
  CHECK(r.objects[0].group == 12);
  CHECK(r.objects[1].group == 0);
  CHECK(r.objects_malformed);
}

TEST_CASE("a header cut after group and variation is still listed", "[dnp3][app]") {
  const ByteVec f{0xc2, 0x04, 12, 1, 0x03, 0, 1, 0, 1, 0, 3, 1, 0x64, 0, 0, 0, 0, 0, 0};
  RecordingSink sink;
  const Record r = walk(f, sink);
  REQUIRE(r.object_count == 2);
  CHECK(r.objects[1].group == 0);
  CHECK(r.objects_malformed);
}

TEST_CASE("unknown function codes are reported and no objects are walked", "[dnp3][app]") {
  const ByteVec f{0xc0, 0x50, 1, 2, 6};
  RecordingSink sink;
  const Record r = walk(f, sink);
  CHECK(r.app_function == 0x50);
  CHECK(r.object_count == 0);
  CHECK(sink.saw(kUnknownFunction));
}

TEST_CASE("a one-octet fragment is too short", "[dnp3][app]") {
  RecordingSink sink;
  const Record r = walk(ByteVec{0xc0}, sink);
  CHECK(r.objects_malformed);
  CHECK(sink.saw(kShortFragment));
}

TEST_CASE("more headers than the record holds are truncated with an anomaly", "[dnp3][app]") {
  ByteVec f{0xc0, 0x01};
  for (int i = 0; i < kMaxObjects + 3; ++i) f.insert(f.end(), {60, 1, 0x06});
  RecordingSink sink;
  const Record r = walk(f, sink);
  CHECK(r.object_count == kMaxObjects);
  CHECK(r.objects_truncated);
  CHECK(sink.saw(kTooManyObjects));
}

TEST_CASE("a huge 32-bit count over a tiny fragment stays bounded", "[dnp3][app]") {
  const ByteVec f{0xc0, 0x81, 0, 0, 70, 5, 0x69, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0};
  RecordingSink sink;
  const Record r = walk(f, sink);
  REQUIRE(r.object_count == 1);
  CHECK(r.objects_malformed);
}

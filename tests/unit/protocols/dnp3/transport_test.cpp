// Transport layer: reassembly of segments into fragments, sequence checks, the size limit.
#include <catch2/catch.hpp>
#include <memory>

#include "dnp3_test_support.hpp"

using namespace fg;
using namespace fg::dnp3;
using namespace fg::dnp3::test;

namespace {

// A response fragment of `points` analog values (g30v2 values, 3 octets each) split into segments.
ByteVec response_fragment(std::size_t points) {
  const std::size_t stop = points - 1;
  ByteVec f{0xc0, 0x81, 0x00, 0x00, 30, 2, 0x01, 0x00, 0x00,  // qualifier 1: 16-bit start/stop
            static_cast<std::uint8_t>(stop & 0xff), static_cast<std::uint8_t>(stop >> 8)};
  for (std::size_t i = 0; i < points * 3; ++i) f.push_back(static_cast<std::uint8_t>(i));
  return f;
}

ByteVec segments(const ByteVec& fragment, std::uint8_t first_seq, std::size_t per_segment = 249) {
  ByteVec stream;
  std::uint8_t seq = first_seq;
  for (std::size_t i = 0; i < fragment.size(); i += per_segment) {
    const bool fir = i == 0;
    const bool fin = i + per_segment >= fragment.size();
    ByteVec user{static_cast<std::uint8_t>((fin ? 0x80 : 0) | (fir ? 0x40 : 0) | (seq & 0x3f))};
    for (std::size_t j = i; j < fragment.size() && j < i + per_segment; ++j) user.push_back(fragment[j]);
    const ByteVec frame = response_frame(user);
    stream.insert(stream.end(), frame.begin(), frame.end());
    seq = static_cast<std::uint8_t>((seq + 1) & 0x3f);
  }
  return stream;
}

}  // namespace

TEST_CASE("a multi-frame response is reassembled and described on its FIN frame", "[dnp3][transport]") {
  const ByteVec stream = segments(response_fragment(200), 62);  // sequence wraps 62, 63, 0
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  auto r = parse_all(stream, proto::Direction::ToClient, *st, sink);
  CHECK(r.status() == proto::Status::Ok);
  REQUIRE(sink.records.size() == 3);
  CHECK(sink.records[0].transport_fir);
  CHECK_FALSE(sink.records[0].transport_fin);
  CHECK_FALSE(sink.records[0].has_app);
  CHECK(sink.records[1].transport_seq == 63);
  CHECK_FALSE(sink.records[1].has_app);
  const Record& last = sink.records[2];
  CHECK(last.transport_fin);
  CHECK(last.transport_seq == 0);
  REQUIRE(last.has_app);
  CHECK(last.app_function == 0x81);
  CHECK(last.has_iin);
  CHECK(last.fragment_length == 11 + 600);
  REQUIRE(last.object_count == 1);
  CHECK(last.objects[0].group == 30);
  CHECK(last.objects[0].stop == 199);
  CHECK_FALSE(last.objects_malformed);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("the same stream fed one byte at a time gives the same records", "[dnp3][transport][split]") {
  const ByteVec stream = segments(response_fragment(120), 0);
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  ByteVec buf;
  for (std::uint8_t b : stream) {
    buf.push_back(b);
    for (;;) {
      auto r = parse(proto::Bytes(buf), proto::Direction::ToClient, *st, sink);
      if (r.status() == proto::Status::NeedMore) break;
      REQUIRE(r.consumed() > 0);
      buf.erase(buf.begin(), buf.begin() + r.consumed());
    }
  }
  CHECK(buf.empty());
  REQUIRE(sink.records.size() == 2);
  CHECK(sink.records[1].has_app);
  CHECK(sink.anomalies.empty());
}

TEST_CASE("a missing segment discards the fragment with one anomaly", "[dnp3][transport]") {
  ByteVec stream = segments(response_fragment(300), 5);  // 4 frames
  // Drop the second frame (each full frame is 292 octets on the wire).
  stream.erase(stream.begin() + 292, stream.begin() + 2 * 292);
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  (void)parse_all(stream, proto::Direction::ToClient, *st, sink);
  REQUIRE(sink.records.size() == 3);
  CHECK_FALSE(sink.records[2].has_app);
  std::size_t out_of_seq = 0;
  for (const auto& a : sink.anomalies) out_of_seq += a.kind == &kTransportOutOfSequence;
  CHECK(out_of_seq == 1);
  // The next FIR starts afresh.
  const ByteVec again = segments(response_fragment(10), 9);
  (void)parse_all(again, proto::Direction::ToClient, *st, sink);
  CHECK(sink.records.back().has_app);
}

TEST_CASE("a segment without FIR and nothing in progress is out of sequence", "[dnp3][transport]") {
  const ByteVec frame = response_frame({0x81, 0xc0, 0x81, 0x00, 0x00});
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  (void)parse_all(frame, proto::Direction::ToClient, *st, sink);
  REQUIRE(sink.records.size() == 1);
  CHECK_FALSE(sink.records[0].has_app);
  CHECK(sink.saw(kTransportOutOfSequence));
}

TEST_CASE("a fragment above the bound is discarded with dnp3.fragment_too_large", "[dnp3][transport]") {
  const ByteVec stream = segments(response_fragment(1500), 0);  // 4509 octets > kMaxFragment
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  (void)parse_all(stream, proto::Direction::ToClient, *st, sink);
  CHECK(sink.saw(kFragmentTooLarge));
  CHECK_FALSE(sink.saw(kTransportOutOfSequence));  // the rest of it is dropped quietly
  for (const auto& r : sink.records) CHECK_FALSE(r.has_app);
}

TEST_CASE("directions reassemble independently", "[dnp3][transport]") {
  const ByteVec resp = segments(response_fragment(100), 0);
  // Application SEQ 0, as the response's: a response answering no request would be reported
  // (dnp3.unmatched_response), and this test is about reassembly only.
  const ByteVec req = request_frame({0xc0, 0xc0, 0x01, 60, 1, 0x06});
  auto st = std::make_unique<FlowState>();
  RecordingSink sink;
  // First response frame, then a whole request the other way, then the rest of the response.
  const std::size_t first = 292;
  (void)parse_all(ByteVec(resp.begin(), resp.begin() + first), proto::Direction::ToClient, *st, sink);
  (void)parse_all(req, proto::Direction::ToServer, *st, sink);
  (void)parse_all(ByteVec(resp.begin() + first, resp.end()), proto::Direction::ToClient, *st, sink);
  REQUIRE(sink.records.size() == 3);
  CHECK(sink.records[1].app_function == 1);
  CHECK(sink.records[2].app_function == 0x81);
  CHECK(sink.anomalies.empty());
}

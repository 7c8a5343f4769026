// TCP reassembly: in-order delivery with out-of-order, overlap, retransmission, wrap, limits.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "dataplane/tcp/tcp_events.hpp"
#include "dataplane/tcp/tcp_reassembler.hpp"

using namespace fg::dp;

namespace {

// A toy protocol: one length byte, then that many bytes. Consumes whole messages only,
// as the real parsers do, so partial PDUs must be held by the reassembler.
struct MessageConsumer final : StreamConsumer {
  std::vector<std::string> messages;
  std::vector<std::string> anomalies;
  int gaps = 0;
  std::uint32_t on_stream(Flow&, int, fg::proto::Bytes data, bool gap) noexcept override {
    gaps += gap;
    std::uint32_t off = 0;
    while (off < data.size()) {
      const std::uint32_t len = data[off];
      if (off + 1 + len > data.size()) break;
      messages.emplace_back(reinterpret_cast<const char*>(data.data() + off + 1), len);
      off += 1 + len;
    }
    return off;
  }
  void on_stream_anomaly(Flow&, int, const fg::proto::Anomaly& a) noexcept override {
    anomalies.emplace_back(a.kind->name);
  }
};

// One length byte, then the text. Built with resize + copy: GCC 12's -Warray-bounds misreads
// insert() after a one-element initializer list (a false positive, like GCC PR 105651).
std::vector<std::uint8_t> msg(const std::string& s) {
  std::vector<std::uint8_t> v(s.size() + 1);
  v[0] = static_cast<std::uint8_t>(s.size());
  std::copy(s.begin(), s.end(), v.begin() + 1);
  return v;
}

std::vector<std::uint8_t> cat(std::initializer_list<std::vector<std::uint8_t>> parts) {
  std::vector<std::uint8_t> v;
  for (const auto& p : parts) v.insert(v.end(), p.begin(), p.end());
  return v;
}

struct Fixture {
  StreamBufferPool pool{4};
  MessageConsumer consumer;
  TcpReassembler reasm{pool, consumer};
  Flow flow;
  explicit Fixture(std::uint32_t isn = 1000) {
    flow.dir[0].next_seq = isn;
    flow.dir[0].seq_known = true;
  }
  void seg(std::uint32_t seq, const std::vector<std::uint8_t>& bytes, std::size_t from = 0, std::size_t n = SIZE_MAX) {
    n = std::min(n, bytes.size() - from);
    reasm.segment(flow, 0, seq, fg::proto::Bytes(bytes.data() + from, n), false);
  }
};

}  // namespace

TEST_CASE("in-order segments with whole PDUs are parsed without buffering") {
  Fixture fx;
  const auto s = cat({msg("read"), msg("write")});
  fx.seg(1000, s);
  CHECK(fx.consumer.messages == std::vector<std::string>{"read", "write"});
  CHECK(fx.reasm.stats().buffered == 0);
  CHECK(fx.pool.in_use() == 0);
  CHECK(fx.flow.dir[0].next_seq == 1000 + s.size());
}

TEST_CASE("a PDU split byte by byte is delivered once, when complete") {
  Fixture fx;
  const auto s = msg("holding-registers");
  for (std::size_t i = 0; i < s.size(); ++i) {
    fx.seg(static_cast<std::uint32_t>(1000 + i), s, i, 1);
    if (i + 1 < s.size()) CHECK(fx.consumer.messages.empty());
  }
  CHECK(fx.consumer.messages == std::vector<std::string>{"holding-registers"});
  CHECK(fx.pool.in_use() == 0);
}

TEST_CASE("out-of-order segments are held until the gap is filled") {
  Fixture fx;
  const auto s = cat({msg("one"), msg("two"), msg("three")});
  fx.seg(1000 + 4, s, 4);   // "two", "three" first
  CHECK(fx.consumer.messages.empty());
  CHECK(fx.reasm.stats().out_of_order == 1);
  fx.seg(1000, s, 0, 4);    // "one" fills the hole
  CHECK(fx.consumer.messages == std::vector<std::string>{"one", "two", "three"});
  CHECK(fx.pool.in_use() == 0);
}

TEST_CASE("a retransmission of delivered bytes is ignored") {
  Fixture fx;
  const auto s = msg("abc");
  fx.seg(1000, s);
  fx.seg(1000, s);
  CHECK(fx.consumer.messages.size() == 1);
  CHECK(fx.reasm.stats().retransmitted == 1);
}

TEST_CASE("an overlapping segment contributes only its new bytes") {
  Fixture fx;
  const auto s = cat({msg("first"), msg("second")});
  fx.seg(1000, s, 0, 8);          // "first" and 2 bytes of the next
  fx.seg(1000 + 4, s, 4);         // overlaps 4 already-seen bytes
  CHECK(fx.consumer.messages == std::vector<std::string>{"first", "second"});
  CHECK(fx.reasm.stats().overlaps == 1);
}

TEST_CASE("retransmitted bytes that differ from the held ones keep the first and raise an anomaly") {
  Fixture fx;
  const auto s = msg("abcdef");
  fx.seg(1000, s, 0, 4);  // partial PDU held
  auto forged = s;
  forged[2] = 'X';
  fx.seg(1000, forged, 0, 4);
  fx.seg(1004, s, 4);
  CHECK(fx.consumer.messages == std::vector<std::string>{"abcdef"});
  CHECK(fx.consumer.anomalies == std::vector<std::string>{"tcp.overlap_mismatch"});
}

TEST_CASE("sequence numbers wrap around 2^32 without losing bytes") {
  Fixture fx(0xfffffffe);
  const auto s = cat({msg("wrap"), msg("around")});
  fx.seg(0xfffffffe, s, 0, 3);
  fx.seg(0xfffffffe + 3, s, 3);  // crosses zero
  CHECK(fx.consumer.messages == std::vector<std::string>{"wrap", "around"});
  CHECK(fx.flow.dir[0].next_seq == static_cast<std::uint32_t>(0xfffffffe + s.size()));
}

TEST_CASE("out-of-order data beyond the buffer skips ahead with a gap and an anomaly") {
  Fixture fx;
  const auto s = msg("later");
  fx.seg(1000 + StreamBuffer::kCapacity + 100, s);
  CHECK(fx.consumer.anomalies == std::vector<std::string>{"tcp.reassembly_overflow"});
  CHECK(fx.consumer.messages == std::vector<std::string>{"later"});
  CHECK(fx.consumer.gaps == 1);
}

TEST_CASE("an exhausted buffer pool is reported and inspection resumes after the gap") {
  Fixture fx;
  std::vector<Flow> others(4);
  const auto partial = msg("partial-pdu");
  for (auto& f : others) {
    f.dir[0].next_seq = 1;
    f.dir[0].seq_known = true;
    fx.reasm.segment(f, 0, 1, fg::proto::Bytes(partial.data(), 3), false);
  }
  CHECK(fx.pool.in_use() == 4);
  fx.seg(1000, partial, 0, 3);
  CHECK(fx.consumer.anomalies == std::vector<std::string>{"tcp.buffer_pool_exhausted"});
  CHECK(fx.flow.dir[0].gap);
  for (auto& f : others) fx.reasm.release(f);
  CHECK(fx.pool.in_use() == 0);
}

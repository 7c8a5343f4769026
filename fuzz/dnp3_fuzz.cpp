// libFuzzer target for the DNP3 parser: detect + the pipeline's parse loop, split input, both directions.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "protocols/dnp3/dnp3.hpp"

namespace {

using namespace fg;

// Touches every field so the sanitizers see every byte the parser wrote.
class TouchSink final : public proto::Sink<dnp3::Record> {
 public:
  void on_record(const dnp3::Record& r) noexcept override {
    std::string line;
    proto::JsonWriter w(line);
    w.begin_object();
    dnp3::write_json(r, w);
    w.end_object();
    sum_ += line.size() + r.fragment_length + r.link_control + r.fcb + r.objects_incomplete;
    for (std::uint8_t i = 0; i < r.object_count; ++i) sum_ += r.objects[i].start + r.objects[i].count;
    if (r.object_count > dnp3::kMaxObjects) __builtin_trap();
  }
  void on_anomaly(const proto::Anomaly& a) noexcept override {
    if (a.kind == nullptr || a.kind->name.substr(0, 5) != "dnp3.") __builtin_trap();
    sum_ += static_cast<std::size_t>(a.arg0 + a.arg1);
  }
  std::size_t sum_ = 0;
};

// The pipeline's loop over one direction's reassembled bytes.
struct Stream {
  std::vector<std::uint8_t> buf;
  bool dead = false;
};

void feed(Stream& s, const std::uint8_t* p, std::size_t n, proto::Direction dir, dnp3::FlowState& st,
          TouchSink& sink) {
  if (s.dead) return;
  s.buf.insert(s.buf.end(), p, p + n);
  std::size_t pos = 0;
  while (pos < s.buf.size()) {
    const proto::Bytes in(s.buf.data() + pos, s.buf.size() - pos);
    const proto::ParseResult r = dnp3::parse(in, dir, st, sink);
    if (r.status() == proto::Status::Ok && r.consumed() == 0) __builtin_trap();
    if (r.consumed() > in.size()) __builtin_trap();
    if (r.status() == proto::Status::NeedMore) {
      if (r.needed() != 0 && r.needed() <= in.size()) __builtin_trap();
      break;
    }
    if (r.consumed() == 0) {
      s.dead = true;
      break;
    }
    pos += r.consumed();
  }
  s.buf.erase(s.buf.begin(), s.buf.begin() + static_cast<std::ptrdiff_t>(pos));
}

// UDP: each datagram on its own, parsed until consumed or incomplete.
void feed_datagram(const std::uint8_t* p, std::size_t n, proto::Direction dir, dnp3::FlowState& st,
                   TouchSink& sink) {
  std::size_t pos = 0;
  while (pos < n) {
    const proto::ParseResult r = dnp3::parse(proto::Bytes(p + pos, n - pos), dir, st, sink);
    if (r.status() == proto::Status::NeedMore || r.consumed() == 0) break;
    pos += r.consumed();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t mode = data[0];
  const std::size_t split = size > 2 ? data[1] % (size - 2) : 0;
  data += 2;
  size -= 2;
  auto st = std::make_unique<dnp3::FlowState>();  // persists over every chunk of this input
  TouchSink sink;
  (void)dnp3::detect(proto::Bytes(data, size), proto::Direction::ToServer);
  (void)dnp3::detect(proto::Bytes(data, split), proto::Direction::ToClient);
  if (mode & 1) {
    // UDP: two datagrams, alternating directions by the mode bits.
    feed_datagram(data, split, proto::Direction::ToServer, *st, sink);
    feed_datagram(data + split, size - split, (mode & 2) ? proto::Direction::ToClient : proto::Direction::ToServer,
                  *st, sink);
  } else {
    // TCP: the same bytes cut at `split`, both halves to one direction, then all of it the other way.
    Stream to_server, to_client;
    const proto::Direction a = (mode & 2) ? proto::Direction::ToClient : proto::Direction::ToServer;
    const proto::Direction b = (mode & 2) ? proto::Direction::ToServer : proto::Direction::ToClient;
    feed(to_server, data, split, a, *st, sink);
    feed(to_server, data + split, size - split, a, *st, sink);
    if (mode & 4) {
      for (std::size_t i = 0; i < size; i += 7) feed(to_client, data + i, size - i < 7 ? size - i : 7, b, *st, sink);
    }
  }
  return sink.sum_ == 0xdeadbeef ? 1 : 0;
}

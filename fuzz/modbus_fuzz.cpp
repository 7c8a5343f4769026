// libFuzzer target: Modbus/TCP and RTU detect + parse loop as the pipeline drives them.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "protocols/modbus/modbus.hpp"

namespace {

using fg::proto::Bytes;
using fg::proto::Direction;
using fg::proto::Status;

// Touches every field (so sanitizers see uninitialised or out-of-range reads) and renders JSON.
class TouchSink final : public fg::proto::Sink<fg::modbus::Record> {
 public:
  void on_record(const fg::modbus::Record& r) noexcept override {
    acc_ += r.unit_id + r.function + r.exception + r.transaction_id + r.length + r.address + r.quantity +
            r.byte_count + r.subfunction + r.mei_type + r.and_mask + r.or_mask + r.read_address +
            r.write_quantity + r.file_number + r.request_address + r.fields + r.value_count;
    for (std::size_t i = 0; i < r.value_count; ++i) acc_ += fg::modbus::value_at(r, i);
    if (r.data_len > fg::modbus::kMaxData) __builtin_trap();
    std::string out;
    fg::proto::JsonWriter w(out);
    w.begin_object();
    fg::modbus::write_json(r, w);
    w.end_object();
    acc_ += out.size();
  }
  void on_anomaly(const fg::proto::Anomaly& a) noexcept override {
    if (a.kind == nullptr || a.kind->name.empty()) __builtin_trap();
    acc_ += static_cast<std::uint64_t>(a.arg0 + a.arg1);
  }
  std::uint64_t acc_ = 0;
};

// Feeds `chunk` after `pending` bytes of one direction and runs the parse loop until it needs
// more, exactly like the pipeline's per-direction buffer (bounded to the largest frame plus one
// chunk, since NeedMore never asks for more than 260 bytes).
struct DirBuf {
  std::uint8_t data[4096];
  std::size_t len = 0;
  bool dead = false;
};

void drive(bool rtu, DirBuf& b, Bytes chunk, Direction dir, fg::modbus::FlowState& st, TouchSink& sink) {
  if (b.dead) return;
  const std::size_t n = std::min(chunk.size(), sizeof(b.data) - b.len);
  if (n > 0) std::memcpy(b.data + b.len, chunk.data(), n);
  b.len += n;
  std::size_t off = 0;
  for (int guard = 0; off < b.len; ++guard) {
    if (guard > 100000) __builtin_trap();  // parse must always make progress
    Bytes in(b.data + off, b.len - off);
    const auto r = rtu ? fg::modbus::parse_rtu(in, dir, st, sink) : fg::modbus::parse(in, dir, st, sink);
    if (r.status() == Status::Ok && r.consumed() == 0) __builtin_trap();
    if (r.consumed() > in.size()) __builtin_trap();
    if (r.status() == Status::NeedMore) {
      if (r.needed() != 0 && r.needed() <= in.size()) __builtin_trap();
      if (r.needed() > 260) __builtin_trap();
      break;
    }
    if (r.status() == Status::Malformed && r.consumed() == 0) {
      b.dead = true;
      break;
    }
    off += r.consumed();
  }
  std::memmove(b.data, b.data + off, b.len - off);
  b.len -= off;
}

}  // namespace

// Input: byte 0 = mode (bit 0: RTU, bit 1: start with the server's direction), byte 1 = split
// point; the rest alternates directions at each 0xFF 0xFE 0xFD marker.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool rtu = (data[0] & 1) != 0;
  Direction dir = (data[0] & 2) != 0 ? Direction::ToClient : Direction::ToServer;
  const std::size_t split_at = data[1];
  Bytes rest(data + 2, size - 2);

  static fg::modbus::FlowState persistent{};  // state carried across inputs within a process
  fg::modbus::FlowState fresh{};
  fg::modbus::FlowState& st = (data[0] & 4) != 0 ? persistent : fresh;
  TouchSink sink;
  DirBuf bufs[2];

  // Detection sees the first bytes only, as the pipeline does.
  (void)(rtu ? fg::modbus::detect_rtu(rest, dir) : fg::modbus::detect(rest, dir));
  (void)(rtu ? fg::modbus::detect_rtu(rest.first(std::min<std::size_t>(rest.size(), split_at)), dir)
             : fg::modbus::detect(rest.first(std::min<std::size_t>(rest.size(), split_at)), dir));

  std::size_t start = 0;
  for (std::size_t i = 0; i <= rest.size(); ++i) {
    const bool marker = i + 3 <= rest.size() && rest[i] == 0xFF && rest[i + 1] == 0xFE && rest[i + 2] == 0xFD;
    if (!marker && i != rest.size()) continue;
    Bytes segment = rest.subspan(start, i - start);
    // Split each segment at the fuzzer-chosen point to exercise NeedMore paths.
    const std::size_t cut = std::min(split_at, segment.size());
    auto& b = bufs[static_cast<std::size_t>(dir)];
    drive(rtu, b, segment.first(cut), dir, st, sink);
    drive(rtu, b, segment.subspan(cut), dir, st, sink);
    dir = dir == Direction::ToServer ? Direction::ToClient : Direction::ToServer;
    start = i + 3;
    i += 2;
  }
  return sink.acc_ == 0xDEADBEEF ? 1 : 0;
}

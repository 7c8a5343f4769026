// libFuzzer target for the S7comm / S7comm-plus parser: detect + the pipeline's parse loop over
// both directions, each delivered in two chunks (fuzzer-chosen split) to exercise NeedMore, with
// one FlowState shared by the whole call; the sink reads every field and renders the JSON.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "protocols/common/json_writer.hpp"
#include "protocols/s7comm/s7comm.hpp"

namespace {

using fg::proto::Bytes;
using fg::proto::Direction;
using fg::proto::Status;

struct TouchSink final : fg::proto::Sink<fg::s7comm::Record> {
  std::uint64_t acc = 0;
  void on_record(const fg::s7comm::Record& r) noexcept override {
    unsigned char raw[sizeof r];
    std::memcpy(raw, &r, sizeof r);  // every byte of the record is read (MSan/ASan see it)
    for (unsigned char c : raw) acc += c;
    if (r.items_len > fg::s7comm::kMaxItems || r.return_codes_len > fg::s7comm::kMaxReturnCodes ||
        r.src_tsap_len > fg::s7comm::kMaxTsap || r.dst_tsap_len > fg::s7comm::kMaxTsap ||
        r.pi_service_len > fg::s7comm::kMaxPiService) {
      __builtin_trap();
    }
    std::string out;
    fg::proto::JsonWriter w(out);
    w.begin_object();
    fg::s7comm::write_json(r, w);
    w.end_object();
    acc += out.size();
  }
  void on_anomaly(const fg::proto::Anomaly& a) noexcept override {
    if (a.kind == nullptr) __builtin_trap();
    acc += a.kind->name.size() + static_cast<std::uint64_t>(a.arg0) + static_cast<std::uint64_t>(a.arg1);
  }
};

// Feeds one direction as the pipeline would: detect on the first bytes, then the parse loop on
// a buffer that keeps unconsumed bytes until more arrive.
void run_direction(Bytes stream, std::size_t chunk_split, Direction dir, fg::s7comm::FlowState& st, TouchSink& sink) {
  if (fg::s7comm::detect(stream, dir) == fg::proto::Detect::No) return;
  std::vector<std::uint8_t> buf;
  std::size_t cuts[2] = {chunk_split % (stream.size() + 1), stream.size()};
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    buf.insert(buf.end(), stream.begin() + static_cast<std::ptrdiff_t>(from), stream.begin() + static_cast<std::ptrdiff_t>(cut));
    from = cut;
    std::size_t off = 0;
    for (;;) {
      Bytes in(buf.data() + off, buf.size() - off);
      if (in.empty()) break;
      fg::proto::ParseResult r = fg::s7comm::parse(in, dir, st, sink);
      if (r.status() == Status::Ok && r.consumed() == 0) __builtin_trap();  // contract violation
      if (r.consumed() > in.size()) __builtin_trap();
      if (r.status() == Status::NeedMore) {
        if (r.needed() != 0 && r.needed() <= in.size()) __builtin_trap();  // would loop forever
        break;
      }
      if (r.consumed() == 0) return;  // parser gave up on this direction
      off += r.consumed();
    }
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(off));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::size_t dir_split = (std::size_t{data[0]} << 8 | data[1]) % (size - 2 + 1);
  const std::size_t chunk_split = data[2];
  Bytes rest(data + 3, size - 3);
  static fg::s7comm::FlowState st;  // large: keep off the stack; reset per input
  st = fg::s7comm::FlowState{};
  TouchSink sink;
  Bytes to_server = rest.first(std::min(dir_split, rest.size()));
  Bytes to_client = rest.subspan(to_server.size());
  run_direction(to_server, chunk_split, Direction::ToServer, st, sink);
  run_direction(to_client, chunk_split * 7, Direction::ToClient, st, sink);
  // The same flow state goes on with a second round, as later segments of the same flow would.
  run_direction(to_client, chunk_split * 3, Direction::ToServer, st, sink);
  return static_cast<int>(sink.acc & 0);
}

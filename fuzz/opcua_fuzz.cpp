// libFuzzer target for the OPC UA parser: detect + the pipeline's parse loop, both directions.
//
// Input: 3 control bytes, then stream bytes. Control byte 0 bit 0 picks which direction goes
// first; bytes 1-2 pick where the stream is cut in two deliveries (to exercise NeedMore and
// leftovers). The same bytes are then delivered to the other direction with the same
// FlowState, and a third time with the direction flipping at every delivery, so state learnt
// in one direction (limits, policy, partial messages) meets the other.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "protocols/opcua/opcua.hpp"

namespace {

using namespace fg;

struct TouchSink final : proto::Sink<opcua::Record> {
  std::uint64_t acc = 0;
  std::string line;
  void on_record(const opcua::Record& r) noexcept override {
    // Touch every field so the sanitizers see any uninitialised or stale data.
    acc += static_cast<std::uint64_t>(r.protocol) + static_cast<std::uint64_t>(r.msg_type) +
           static_cast<std::uint8_t>(r.chunk) + static_cast<std::uint64_t>(r.body) + r.size +
           r.has_limits + r.protocol_version + r.receive_buffer_size + r.send_buffer_size +
           r.max_message_size + r.max_chunk_count + r.endpoint_url.view().size() +
           r.server_uri.view().size() + r.has_error + r.error + r.reason.view().size() +
           r.has_secure_channel_id + r.secure_channel_id + r.has_token_id + r.token_id +
           r.security_policy_uri.view().size() + static_cast<std::uint32_t>(r.sender_certificate_len) +
           static_cast<std::uint32_t>(r.receiver_thumbprint_len) +
           static_cast<std::uint64_t>(r.security_policy) + static_cast<std::uint64_t>(r.security_mode) +
           r.has_sequence + r.sequence_number + r.request_id + r.has_service + r.service_ns +
           r.service_id + r.has_request_type + r.request_type + r.chunk_count + r.message_size;
    for (char c : r.endpoint_url.view()) acc += static_cast<unsigned char>(c);
    for (char c : r.security_policy_uri.view()) acc += static_cast<unsigned char>(c);
    for (char c : r.reason.view()) acc += static_cast<unsigned char>(c);
    for (char c : r.server_uri.view()) acc += static_cast<unsigned char>(c);
    if (r.protocol != proto::Protocol::Opcua || r.size < opcua::kHeaderSize) std::abort();
    line.clear();
    proto::JsonWriter w(line);
    w.begin_object();
    opcua::write_json(r, w);
    w.end_object();
    acc += line.size();
  }
  void on_anomaly(const proto::Anomaly& a) noexcept override {
    if (a.kind == nullptr || a.kind->name.substr(0, 6) != "opcua.") std::abort();
    acc += static_cast<std::uint64_t>(a.arg0) + static_cast<std::uint64_t>(a.arg1) + a.kind->message.size();
  }
};

// One direction of the pipeline: kept bytes plus the parse loop with the contract's checks.
struct Direction {
  std::vector<std::uint8_t> kept;
  bool stopped = false;
  bool detected = false;

  void deliver(const std::uint8_t* p, std::size_t n, proto::Direction dir, opcua::FlowState& st,
               TouchSink& sink) {
    if (stopped) return;
    kept.insert(kept.end(), p, p + n);
    if (!detected) {
      proto::Detect d = opcua::detect(kept, dir);
      if (d == proto::Detect::Maybe && kept.size() >= 64) std::abort();  // Maybe must resolve
      detected = d != proto::Detect::Maybe;
    }
    std::size_t off = 0;
    while (off < kept.size()) {
      proto::Bytes in(kept.data() + off, kept.size() - off);
      proto::ParseResult r = opcua::parse(in, dir, st, sink);
      if (r.status() == proto::Status::NeedMore) {
        if (r.needed() != 0 && r.needed() <= in.size()) std::abort();
        break;
      }
      if (r.consumed() > in.size()) std::abort();
      if (r.status() == proto::Status::Ok && r.consumed() == 0) std::abort();
      if (r.consumed() == 0) {
        stopped = true;
        break;
      }
      off += r.consumed();
    }
    kept.erase(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(off));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const bool server_first = (data[0] & 1) == 0;
  const std::size_t n = size - 3;
  const std::uint8_t* stream = data + 3;
  const std::size_t cut = n == 0 ? 0 : (static_cast<std::size_t>(data[1]) << 8 | data[2]) % (n + 1);

  TouchSink sink;
  opcua::FlowState st{};
  Direction side[2];
  const proto::Direction first = server_first ? proto::Direction::ToServer : proto::Direction::ToClient;
  const proto::Direction second = server_first ? proto::Direction::ToClient : proto::Direction::ToServer;
  for (proto::Direction dir : {first, second}) {
    Direction& d = side[static_cast<int>(dir)];
    d.deliver(stream, cut, dir, st, sink);
    d.deliver(stream + cut, n - cut, dir, st, sink);
  }
  // Third pass: fresh pipelines, same flow state, direction flipping at the cut.
  Direction again[2];
  again[0].deliver(stream, cut, first, st, sink);
  again[1].deliver(stream + cut, n - cut, second, st, sink);
  again[0].deliver(stream + cut, n - cut, first, st, sink);
  return sink.acc == 0xDEADBEEFCAFEULL ? 1 : 0;
}

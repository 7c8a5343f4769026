// Chunk framing: header check, resync after loss of sync, dispatch by message type.
#include "protocols/opcua/parse_context.hpp"

namespace fg::opcua {
namespace {

using proto::ParseResult;
using proto::Status;

// Message types that must be single 'F' chunks (Part 6 §7.1.2.2).
bool only_final(MsgType t) noexcept { return !is_secure_message(t); }

bool plausible_start(const std::uint8_t* p) noexcept {
  MsgType t;
  return detail::lookup_msg_type(p, t) && is_chunk_type(p[3]);
}

// Skips to the next position that starts with a known type and chunk byte. The scan covers
// at most the bytes handed in and they are consumed, so work stays bounded per byte; the
// last 3 bytes are kept since they may begin a header that continues in the next segment.
ParseResult resync(proto::Bytes in) noexcept {
  std::size_t p = 1;
  for (; p + 4 <= in.size(); ++p)
    if (plausible_start(in.data() + p)) break;
  if (p + 4 > in.size()) p = in.size() > 3 ? in.size() - 3 : in.size();
  if (p == 0) p = 1;
  return {Status::Malformed, static_cast<std::uint32_t>(p), 0};
}

proto::Direction ua_client_side(const FlowState& st) noexcept {
  return st.reverse ? proto::Direction::ToClient : proto::Direction::ToServer;
}

}  // namespace

namespace detail {

namespace {
constexpr std::uint32_t key3(const char* w) noexcept {
  return static_cast<std::uint32_t>(static_cast<std::uint8_t>(w[0])) |
         static_cast<std::uint32_t>(static_cast<std::uint8_t>(w[1])) << 8 |
         static_cast<std::uint32_t>(static_cast<std::uint8_t>(w[2])) << 16;
}
}  // namespace

bool could_start_header(proto::Bytes in) noexcept {
  const std::size_t n = in.size() < 3 ? in.size() : 3;
  for (const auto& m : kMessageTypes) {
    std::size_t i = 0;
    while (i < n && in[i] == static_cast<std::uint8_t>(m.wire[i])) ++i;
    if (i == n) return true;
  }
  return false;
}

// Called on every chunk and on every byte of a resync scan: one integer compare per type.
bool lookup_msg_type(const std::uint8_t* p, MsgType& out) noexcept {
  const std::uint32_t k = std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16;
  for (const auto& m : kMessageTypes) {
    if (k == key3(m.wire)) {
      out = m.type;
      return true;
    }
  }
  return false;
}

}  // namespace detail

proto::ParseResult parse(proto::Bytes in, proto::Direction dir, FlowState& st,
                         proto::Sink<Record>& sink) noexcept {
  // A header prefix that cannot become a known type is rejected before waiting for more.
  if (in.size() < 4) {
    if (detail::could_start_header(in)) return {Status::NeedMore, 0, 0};
    sink.on_anomaly({&kBadMessageType, in.empty() ? 0 : in[0], 1});
    return {Status::Malformed, 1, 0};
  }
  MsgType type;
  if (!detail::lookup_msg_type(in.data(), type)) {
    ParseResult r = resync(in);
    sink.on_anomaly({&kBadMessageType, proto::Reader(in).le32() & 0xFFFFFF, r.consumed()});
    return r;
  }
  const std::uint8_t chunk_byte = in[3];
  if (in.size() < kHeaderSize) return {Status::NeedMore, 0, 0};
  proto::Reader hdr(in.subspan(4, 4));
  const std::uint32_t size = hdr.le32();
  if (size < kHeaderSize || size > kMaxSaneChunkSize) {
    sink.on_anomaly({&kBadChunkSize, size, kMaxSaneChunkSize});
    return resync(in);
  }
  if (in.size() < size) return {Status::NeedMore, 0, size};

  Record rec{};
  rec.msg_type = type;
  rec.chunk = static_cast<char>(chunk_byte);
  rec.size = size;
  rec.security_policy = st.security_policy;
  rec.security_mode = st.security_mode;
  const detail::ChunkCtx c{in.first(size), dir, dir == ua_client_side(st), st, sink, rec};
  if (!is_chunk_type(chunk_byte) || (only_final(type) && chunk_byte != 'F'))
    c.anomaly(kBadChunkType, chunk_byte);
  if (is_secure_message(type))
    detail::parse_secure_message(c);
  else
    detail::parse_connection_message(c);
  sink.on_record(rec);
  return {Status::Ok, size, 0};
}

}  // namespace fg::opcua

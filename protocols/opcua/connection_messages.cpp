// HEL, ACK, ERR and RHE (Part 6 §7.1.2.3-7.1.2.6): limits, endpoint, error, reverse hello.
#include "protocols/opcua/parse_context.hpp"
#include "protocols/opcua/ua_types.hpp"

namespace fg::opcua::detail {
namespace {

// Second argument of kUnexpectedMessage.
constexpr std::int64_t kWrongSide = 1;
constexpr std::int64_t kRepeated = 2;
// Second argument of kBadHello (see its message).
constexpr std::int64_t kRuleVersion = 1, kRuleBuffer = 2, kRuleUrl = 3, kRuleTruncated = 4;

bool read_string_field(const ChunkCtx& c, proto::Reader& r, UaString& out) noexcept {
  out = read_string(r);
  if (!out.ok) c.anomaly(kBadString, out.len, out.left);
  return out.ok;
}

void read_limits(const ChunkCtx& c, proto::Reader& r, Limits& lim) noexcept {
  Record& rec = c.rec;
  rec.protocol_version = r.le32();
  rec.receive_buffer_size = r.le32();
  rec.send_buffer_size = r.le32();
  rec.max_message_size = r.le32();
  rec.max_chunk_count = r.le32();
  if (!r.ok()) {
    c.anomaly(kBadHello, static_cast<std::int64_t>(c.chunk.size()), kRuleTruncated);
    return;
  }
  rec.has_limits = true;
  // Version 0 is the only one defined; a newer peer is allowed, so only log it.
  if (rec.protocol_version != 0) c.anomaly(kBadHello, rec.protocol_version, kRuleVersion);
  if (rec.receive_buffer_size < kMinBufferSize)
    c.anomaly(kBadHello, rec.receive_buffer_size, kRuleBuffer);
  if (rec.send_buffer_size < kMinBufferSize) c.anomaly(kBadHello, rec.send_buffer_size, kRuleBuffer);
  lim.known = true;
  lim.receive_buffer_size = rec.receive_buffer_size;
  lim.send_buffer_size = rec.send_buffer_size;
  lim.max_message_size = rec.max_message_size;
  lim.max_chunk_count = rec.max_chunk_count;
}

void read_url(const ChunkCtx& c, proto::Reader& r, FixedText<kUrlCap>& out) noexcept {
  UaString s;
  if (!read_string_field(c, r, s)) return;
  if (s.len >= 0) out.assign(s.bytes);
  if (s.len > static_cast<std::int32_t>(kMaxEndpointUrlBytes)) c.anomaly(kBadHello, s.len, kRuleUrl);
}

void parse_hello(const ChunkCtx& c, proto::Reader& r) noexcept {
  if (!c.from_ua_client) c.anomaly(kUnexpectedMessage, static_cast<int>(MsgType::Hel), kWrongSide);
  else if (c.st.hello_seen) c.anomaly(kUnexpectedMessage, static_cast<int>(MsgType::Hel), kRepeated);
  c.st.hello_seen = true;
  read_limits(c, r, c.st.hello);
  if (c.rec.has_limits) read_url(c, r, c.rec.endpoint_url);
}

void parse_acknowledge(const ChunkCtx& c, proto::Reader& r) noexcept {
  if (c.from_ua_client) c.anomaly(kUnexpectedMessage, static_cast<int>(MsgType::Ack), kWrongSide);
  read_limits(c, r, c.st.ack);
}

void parse_error(const ChunkCtx& c, proto::Reader& r) noexcept {
  c.rec.error = r.le32();
  if (!r.ok()) {
    c.anomaly(kChunkTooSmall, c.chunk.size(), kHeaderSize + 8);
    return;
  }
  c.rec.has_error = true;
  UaString s;
  if (read_string_field(c, r, s) && s.len >= 0) c.rec.reason.assign(s.bytes);
}

void parse_reverse_hello(const ChunkCtx& c, proto::Reader& r) noexcept {
  // The UA server opened the connection, so it sends RHE towards the TCP server.
  if (c.dir != proto::Direction::ToServer || c.st.hello_seen)
    c.anomaly(kUnexpectedMessage, static_cast<int>(MsgType::Rhe), c.st.hello_seen ? kRepeated : kWrongSide);
  else
    c.st.reverse = true;
  UaString s;
  if (!read_string_field(c, r, s)) return;
  if (s.len >= 0) c.rec.server_uri.assign(s.bytes);
  read_url(c, r, c.rec.endpoint_url);
}

}  // namespace

void parse_connection_message(const ChunkCtx& c) noexcept {
  proto::Reader r(c.chunk.subspan(kHeaderSize));
  switch (c.rec.msg_type) {
    case MsgType::Hel: parse_hello(c, r); break;
    case MsgType::Ack: parse_acknowledge(c, r); break;
    case MsgType::Err: parse_error(c, r); break;
    case MsgType::Rhe: parse_reverse_hello(c, r); break;
    default: break;
  }
}

}  // namespace fg::opcua::detail

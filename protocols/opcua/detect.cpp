// Content detection: a UA TCP chunk header at the start of one direction of a flow.
#include "protocols/opcua/parse_context.hpp"

namespace fg::opcua {

proto::Detect detect(proto::Bytes first, proto::Direction /*dir*/) noexcept {
  using proto::Detect;
  if (first.size() < 4) return detail::could_start_header(first) ? Detect::Maybe : Detect::No;
  MsgType type;
  if (!detail::lookup_msg_type(first.data(), type)) return Detect::No;
  const std::uint8_t chunk = first[3];
  if (is_secure_message(type) ? !is_chunk_type(chunk) : chunk != 'F') return Detect::No;
  if (first.size() < kHeaderSize) return Detect::Maybe;
  proto::Reader r(first.subspan(4));
  const std::uint32_t size = r.le32();
  if (size < kHeaderSize || size > kMaxSaneChunkSize) return Detect::No;
  // A HEL must at least hold its five limits and the endpoint length. Its field values do not
  // matter here: a non-conformant HEL (version != 0, tiny buffers) is still OPC UA and must be
  // parsed and flagged, or it would be a way around inspection.
  if (type == MsgType::Hel && size < kHeaderSize + 24) return Detect::No;
  return Detect::Yes;
}

}  // namespace fg::opcua

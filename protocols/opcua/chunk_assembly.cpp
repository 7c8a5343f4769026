// Logical reassembly of chunked messages (Part 6 §6.7.2.2) and the negotiated limits on them.
// Bodies are never copied: a message in progress is only its key, counters and service id.
#include "protocols/opcua/parse_context.hpp"

namespace fg::opcua::detail {
namespace {

SideState& side_of(const ChunkCtx& c) noexcept { return c.st.side[static_cast<int>(c.dir)]; }

PartialMessage* find(SideState& s, bool keyless, std::uint32_t request_id) noexcept {
  for (auto& p : s.partial)
    if (p.used && p.keyless == keyless && (keyless || p.request_id == request_id)) return &p;
  return nullptr;
}

std::uint32_t add_saturating(std::uint32_t a, std::uint32_t b) noexcept {
  return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

// A free slot, or the oldest one (reported) when all are taken.
PartialMessage* allocate(const ChunkCtx& c, SideState& s, std::uint32_t request_id) noexcept {
  PartialMessage* oldest = &s.partial[0];
  for (auto& p : s.partial) {
    if (!p.used) return &p;
    if (p.age < oldest->age) oldest = &p;
  }
  c.anomaly(kTooManyPartialMessages, oldest->request_id, kMaxPartialMessages);
  (void)request_id;
  return oldest;
}

// The limits of the side that receives this chunk (HEL: the client's, ACK: the server's).
const Limits& receiver_limits(const ChunkCtx& c) noexcept {
  return c.from_ua_client ? c.st.ack : c.st.hello;
}

void check_limits(const ChunkCtx& c, PartialMessage& p) noexcept {
  const Limits& lim = receiver_limits(c);
  if (!lim.known) return;
  if (lim.receive_buffer_size != 0 && c.rec.size > lim.receive_buffer_size)
    c.anomaly(kChunkTooLarge, c.rec.size, lim.receive_buffer_size);
  if (p.flagged) return;  // one report per message
  if (lim.max_chunk_count != 0 && p.chunks > lim.max_chunk_count) {
    c.anomaly(kTooManyChunks, p.chunks, lim.max_chunk_count);
    p.flagged = true;
  } else if (lim.max_message_size != 0 && p.bytes > lim.max_message_size) {
    c.anomaly(kMessageTooLarge, p.bytes, lim.max_message_size);
    p.flagged = true;
  }
}

}  // namespace

Assembly find_partial(const ChunkCtx& c, bool keyless, std::uint32_t request_id) noexcept {
  const PartialMessage* p = find(side_of(c), keyless, request_id);
  return {p != nullptr, p};
}

void account_chunk(const ChunkCtx& c, bool keyless, std::uint32_t request_id,
                   std::uint32_t body_bytes, bool has_service, std::uint16_t service_ns,
                   std::uint32_t service_id) noexcept {
  SideState& s = side_of(c);
  Record& rec = c.rec;
  PartialMessage single{};
  PartialMessage* p = find(s, keyless, request_id);
  if (p == nullptr) {
    if (rec.chunk == 'A' && !keyless) c.anomaly(kOrphanChunk, request_id);
    p = rec.chunk == 'C' ? allocate(c, s, request_id) : &single;
    *p = PartialMessage{};
    p->used = true;
    p->keyless = keyless;
    p->request_id = request_id;
    p->msg_type = rec.msg_type;
    p->has_service = has_service;
    p->service_ns = service_ns;
    p->service_id = service_id;
    p->age = s.next_age++;
  }
  p->chunks = add_saturating(p->chunks, 1);
  p->bytes = add_saturating(p->bytes, body_bytes);
  check_limits(c, *p);
  if (rec.chunk == 'C') return;
  // F, A, or an invalid chunk byte (already reported): the message ends here.
  rec.chunk_count = p->chunks;
  rec.message_size = p->bytes;
  if (rec.chunk != 'A' && p->has_service) {
    rec.has_service = true;
    rec.service_ns = p->service_ns;
    rec.service_id = p->service_id;
  }
  p->used = false;
}

}  // namespace fg::opcua::detail

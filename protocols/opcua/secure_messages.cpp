// OPN, MSG and CLO (Part 6 §6.7.2): security headers, sequence header and the service type id.
#include "protocols/opcua/parse_context.hpp"
#include "protocols/opcua/ua_types.hpp"

namespace fg::opcua::detail {
namespace {

constexpr std::uint32_t kSequenceHeaderSize = 8;
constexpr std::uint32_t kSymmetricHeaderEnd = kHeaderSize + 8;  // + channel id + token id

// Part 6 §6.7.2.4: +1 per chunk; a wrap to a value below 1024 is allowed only after
// UInt32.MaxValue - 1024. The first number seen (mid-stream pickup) is taken as is.
void check_sequence(const ChunkCtx& c, std::uint32_t seq) noexcept {
  SideState& s = c.st.side[static_cast<int>(c.dir)];
  if (s.has_sequence) {
    const std::uint32_t expected = s.last_sequence + 1;
    const bool wrap_ok = s.last_sequence > UINT32_MAX - 1024 && seq < 1024;
    if (seq != expected && !wrap_ok) c.anomaly(kSequenceGap, expected, seq);
  }
  s.has_sequence = true;
  s.last_sequence = seq;
}

// A body read without knowing the channel is plaintext must open with a standard service
// encoding id; the chance that ciphertext passes is about 1 in 10^8 per chunk.
bool plausible_service(const NodeId& n) noexcept {
  return n.ok && n.numeric && n.ns == 0 && !service_name(n.id).empty();
}

// Reads the service type id that opens a plaintext body; on a channel known to be plaintext
// any numeric id is accepted and anything else is an anomaly.
bool read_service(const ChunkCtx& c, proto::Reader& r, bool must_be_plain, NodeId& out) noexcept {
  out = read_node_id(r);
  if (out.ok && out.numeric && (must_be_plain || plausible_service(out))) return true;
  if (must_be_plain) c.anomaly(kBadServiceNodeId, out.encoding);
  return false;
}

// OpenSecureChannelRequest after its type id (Part 4 §5.5.2): header, version, type, mode.
void read_open_request(const ChunkCtx& c, proto::Reader& r) noexcept {
  if (!skip_request_header(r)) return;
  (void)r.le32();  // clientProtocolVersion
  std::uint32_t request_type = r.le32();
  std::uint32_t mode = r.le32();
  if (!r.ok()) return;
  c.rec.has_request_type = true;
  c.rec.request_type = request_type;
  if (mode >= 1 && mode <= 3) {
    c.st.security_mode = static_cast<SecurityMode>(mode);
    c.rec.security_mode = c.st.security_mode;
  }
}

void parse_open(const ChunkCtx& c, proto::Reader& r) noexcept {
  Record& rec = c.rec;
  UaString policy = read_string(r);
  UaString cert = policy.ok ? read_string(r) : UaString{};
  UaString thumb = cert.ok ? read_string(r) : UaString{};
  if (!policy.ok || !cert.ok || !thumb.ok) {
    const UaString& bad = !policy.ok ? policy : !cert.ok ? cert : thumb;
    c.anomaly(kBadString, bad.len, bad.left);
    return;
  }
  if (policy.len >= 0) rec.security_policy_uri.assign(policy.bytes);
  rec.sender_certificate_len = cert.len;
  rec.receiver_thumbprint_len = thumb.len;
  FlowState& st = c.st;
  const SecurityPolicy p = policy_from_uri(rec.security_policy_uri.view());
  if (p != st.security_policy) {  // a new channel: what was learnt about the old one is void
    st.security_mode = SecurityMode::Unknown;
    st.body = Body::Unknown;
  }
  st.security_policy = p;
  st.security_policy_uri = rec.security_policy_uri;
  if (!c.from_ua_client) st.secure_channel_id = rec.secure_channel_id;
  rec.security_policy = p;
  // Part 6 §6.7: the OPN is encrypted with the asymmetric algorithm unless the policy is None,
  // whatever the mode; its sequence header (§6.7.2.4) and body are then ciphertext.
  if (p != SecurityPolicy::None) {
    rec.body = Body::Encrypted;  // MSG bodies may still be plaintext (Sign): learnt from them
    rec.security_mode = st.security_mode;
    account_chunk(c, true, 0, static_cast<std::uint32_t>(r.remaining()), false, 0, 0);
    return;
  }
  st.body = Body::Plain;
  st.security_mode = SecurityMode::None;  // policy None admits only mode None
  rec.security_mode = SecurityMode::None;
  rec.sequence_number = r.le32();
  rec.request_id = r.le32();
  if (!r.ok()) {
    c.anomaly(kChunkTooSmall, c.chunk.size(), r.pos() + kHeaderSize);
    return;
  }
  rec.has_sequence = true;
  check_sequence(c, rec.sequence_number);
  const std::uint32_t body_bytes = static_cast<std::uint32_t>(r.remaining());
  NodeId service;
  const bool first = !find_partial(c, false, rec.request_id).continuation;
  bool has_service = first && read_service(c, r, true, service);
  if (has_service && service.id == kOpenSecureChannelRequest && service.ns == 0 && c.rec.chunk == 'F')
    read_open_request(c, r);
  account_chunk(c, false, rec.request_id, body_bytes, has_service, service.ns, service.id);
}

void parse_symmetric(const ChunkCtx& c, proto::Reader& r) noexcept {
  Record& rec = c.rec;
  FlowState& st = c.st;
  rec.token_id = r.le32();
  if (!r.ok()) {
    c.anomaly(kChunkTooSmall, c.chunk.size(), kSymmetricHeaderEnd);
    return;
  }
  rec.has_token_id = true;
  st.token_id = rec.token_id;
  const bool known_plain = st.body == Body::Plain;
  if (st.body == Body::Encrypted || r.remaining() < kSequenceHeaderSize) {
    if (known_plain) c.anomaly(kChunkTooSmall, c.chunk.size(), kSymmetricHeaderEnd + kSequenceHeaderSize);
    rec.body = st.body == Body::Encrypted ? Body::Encrypted : Body::Unknown;
    account_chunk(c, true, 0, static_cast<std::uint32_t>(r.remaining()), false, 0, 0);
    return;
  }
  // Tentative read: on a channel of unknown security these may turn out to be ciphertext.
  proto::Reader body = r;
  const std::uint32_t seq = body.le32();
  const std::uint32_t request_id = body.le32();
  const std::uint32_t body_bytes = static_cast<std::uint32_t>(body.remaining());
  const Assembly a = find_partial(c, false, request_id);
  NodeId service;
  bool has_service = false;
  bool plain = known_plain || a.continuation;
  if (!a.continuation && rec.chunk != 'A') {
    has_service = read_service(c, body, known_plain, service);
    plain = plain || has_service;
  }
  if (rec.chunk == 'A' && !known_plain && !a.continuation) plain = false;
  if (!plain) {
    // Not readable: after an OPN of a real policy a first chunk settles the mode (an abort
    // chunk carries no service id, so it proves nothing).
    if (rec.chunk != 'A' && st.security_policy != SecurityPolicy::Unknown &&
        st.security_policy != SecurityPolicy::None) {
      st.body = Body::Encrypted;
      st.security_mode = SecurityMode::SignAndEncrypt;
      rec.body = Body::Encrypted;
    } else {
      rec.body = Body::Unknown;
    }
    rec.security_mode = st.security_mode;
    account_chunk(c, true, 0, static_cast<std::uint32_t>(r.remaining()), false, 0, 0);
    return;
  }
  if (st.body != Body::Plain) {
    st.body = Body::Plain;
    if (st.security_policy != SecurityPolicy::Unknown && st.security_policy != SecurityPolicy::None)
      st.security_mode = SecurityMode::Sign;
  }
  rec.body = Body::Plain;
  rec.security_mode = st.security_mode;
  rec.has_sequence = true;
  rec.sequence_number = seq;
  rec.request_id = request_id;
  check_sequence(c, seq);
  if (rec.chunk == 'A') {  // abort chunk body: Error, Reason (Part 6 §6.7.2)
    rec.error = body.le32();
    if (body.ok()) {
      rec.has_error = true;
      UaString s = read_string(body);
      if (s.ok && s.len >= 0) rec.reason.assign(s.bytes);
    }
  }
  pair_message(c, a.continuation, has_service, service.ns, service.id);
  account_chunk(c, false, request_id, body_bytes, has_service, service.ns, service.id);
}

}  // namespace

void parse_secure_message(const ChunkCtx& c) noexcept {
  proto::Reader r(c.chunk.subspan(kHeaderSize));
  c.rec.secure_channel_id = r.le32();
  if (!r.ok()) {
    c.anomaly(kChunkTooSmall, c.chunk.size(), kHeaderSize + 4);
    return;
  }
  c.rec.has_secure_channel_id = true;
  if (c.rec.msg_type == MsgType::Opn)
    parse_open(c, r);
  else
    parse_symmetric(c, r);
}

}  // namespace fg::opcua::detail

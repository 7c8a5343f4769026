// The "opcua" member of an audit line (issue 3 contract; tshark field names in comments).
#include "protocols/opcua/opcua.hpp"

namespace fg::opcua {
namespace {

template <std::size_t N>
void text_field(proto::JsonWriter& w, std::string_view key, const FixedText<N>& t) {
  if (!t.present) return;
  w.field(key, t.view());
  if (t.truncated) {
    std::string trunc_key(key);
    trunc_key += "_truncated";
    w.field(trunc_key, true);
  }
}

}  // namespace

void write_json(const Record& r, proto::JsonWriter& w) {
  w.key("opcua").begin_object();
  w.field("msg_type", msg_type_name(r.msg_type));       // opcua.transport.type
  w.field("chunk", std::string_view(&r.chunk, 1));      // opcua.transport.chunk
  w.field("size", r.size);                              // opcua.transport.size
  if (r.has_limits) {
    w.field("protocol_version", r.protocol_version);
    w.field("receive_buffer_size", r.receive_buffer_size);
    w.field("send_buffer_size", r.send_buffer_size);
    w.field("max_message_size", r.max_message_size);
    w.field("max_chunk_count", r.max_chunk_count);
  }
  text_field(w, "endpoint_url", r.endpoint_url);        // opcua.transport.endpoint
  text_field(w, "server_uri", r.server_uri);
  if (r.has_error) w.field("error", r.error);           // opcua.transport.error
  text_field(w, "reason", r.reason);
  if (r.has_secure_channel_id) w.field("secure_channel_id", r.secure_channel_id);  // opcua.transport.scid
  text_field(w, "security_policy", r.security_policy_uri);  // opcua.security.spu
  if (r.msg_type == MsgType::Opn) {
    w.field("sender_certificate_len", static_cast<std::int64_t>(r.sender_certificate_len));
    w.field("receiver_thumbprint_len", static_cast<std::int64_t>(r.receiver_thumbprint_len));
  }
  if (r.security_mode != SecurityMode::Unknown)
    w.field("security_mode", security_mode_name(r.security_mode));
  if (r.has_token_id) w.field("token_id", r.token_id);  // opcua.security.tokenid
  if (is_secure_message(r.msg_type) && r.body != Body::Plain)
    w.field("encrypted", r.body == Body::Encrypted);
  if (r.has_sequence) {
    w.field("sequence_number", r.sequence_number);      // opcua.security.seq
    w.field("request_id", r.request_id);                // opcua.security.rqid
  }
  if (r.has_request_type) {  // SecurityTokenRequestType (Part 4 §5.5.2)
    if (r.request_type <= 1) w.field("request_type", r.request_type == 1 ? "Renew" : "Issue");
    else w.field("request_type", r.request_type);
  }
  if (r.has_service) {
    w.field("service_id", r.service_id);                // opcua.servicenodeid.numeric
    if (r.service_ns != 0) w.field("service_ns", static_cast<unsigned>(r.service_ns));
    std::string_view name = r.service_ns == 0 ? service_name(r.service_id) : std::string_view{};
    if (!name.empty()) w.field("service", name);
  }
  if (r.chunk_count > 1) {
    w.field("chunk_count", r.chunk_count);
    w.field("message_size", r.message_size);
  }
  w.end_object();
}

}  // namespace fg::opcua

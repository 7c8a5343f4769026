// Responses answering no request (Part 6 §6.7.2.4: "all chunks for the request and the
// associated response use the same RequestId"), over the flow's PendingRequests table.
//
// Judged on the first chunk of each message whose sequence header is plaintext (SecurityMode
// None or Sign; with SignAndEncrypt the sequence header is ciphertext and nothing is paired).
// Requests and responses are told by their service type id, not by the TCP side alone, so a
// stream whose UA roles cannot be read is never judged by its framing only. A response that
// pairs must also be its request's own response type or a ServiceFault (Part 4 §5).
#include "protocols/opcua/parse_context.hpp"

namespace fg::opcua::detail {
namespace {

ServiceRole role_of(bool has_service, std::uint16_t ns, std::uint32_t id) noexcept {
  return has_service && ns == 0 ? service_role(id) : ServiceRole::Other;
}

// A client numbers its requests uniquely on a channel (Part 6 6.7.2.4), so the first match is
// the one.
OutstandingRequest* find_request(RequestTable& t, std::uint32_t channel, std::uint32_t request_id) noexcept {
  return t.find_any([&](const OutstandingRequest& e) {
    return e.request_id == request_id && e.secure_channel_id == channel;
  });
}

}  // namespace

void pair_message(const ChunkCtx& c, bool continuation, bool has_service, std::uint16_t service_ns,
                  std::uint32_t service_id) noexcept {
  const Record& rec = c.rec;
  if (rec.msg_type != MsgType::Msg) return;  // CLO is never answered; OPN pairs itself
  RequestTable& requests = c.st.requests;
  const std::uint32_t channel = rec.secure_channel_id;
  if (rec.chunk == 'A') {
    // An abort ends the message: a request the client gave up on gets no response (§6.7.2.3),
    // a response the server gave up on answered it all the same. An abort of no message in
    // progress from the client (opcua.orphan_chunk) cancels nothing.
    if (c.from_ua_client && !continuation) return;
    if (OutstandingRequest* e = find_request(requests, channel, rec.request_id)) requests.retire(e);
    return;
  }
  if (continuation) return;  // judged on its first chunk
  const ServiceRole role = role_of(has_service, service_ns, service_id);
  if (c.from_ua_client) {
    // Full: the oldest is forgotten (flow_state.hpp). A request id sent twice is outstanding
    // twice; one stays until evicted if only one answer comes.
    if (role == ServiceRole::Request) requests.add(OutstandingRequest{channel, rec.request_id, service_id});
    return;
  }
  if (role != ServiceRole::Response) return;
  if (OutstandingRequest* e = find_request(requests, channel, rec.request_id)) {
    if (service_id != kServiceFault && service_id != response_for(e->service_id))
      c.anomaly(kResponseTypeMismatch, e->service_id, service_id);
    requests.retire(e);
    return;
  }
  if (requests.seen_request()) c.anomaly(kUnmatchedResponse, rec.request_id, service_id);
}

}  // namespace fg::opcua::detail

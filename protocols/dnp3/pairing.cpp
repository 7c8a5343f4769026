// Request/response pairing over the flow's PendingRequests table (protocols/common).
#include "protocols/dnp3/pairing.hpp"

#include "protocols/dnp3/anomalies.hpp"

namespace fg::dnp3 {
namespace {

// Application control octet (clause 4.2.2.4).
constexpr std::uint8_t kAppFir = 0x80, kAppFin = 0x40, kAppUns = 0x10, kAppSeqMask = 0x0f;

constexpr std::uint8_t kFunctionResponse = 0x81;
constexpr std::uint8_t kFunctionAuthenticateRequest = 0x20;
constexpr std::uint8_t kLastRequestFunction = 0x21;

// Requests an outstation answers with no response at all (clause 4.2.2.5, the "_NR"/"NO_ACK"
// codes): 0x06 DIRECT_OPERATE_NR, 0x08 IMMED_FREEZE_NR, 0x0A FREEZE_CLEAR_NR,
// 0x0C FREEZE_AT_TIME_NR, 0x21 AUTHENTICATE_REQ_NO_ACK. 0x00 (CONFIRM) is not a request.
constexpr bool expects_response(std::uint8_t f) noexcept {
  return f >= 0x01 && f <= kLastRequestFunction && f != 0x06 && f != 0x08 && f != 0x0a &&
         f != 0x0c && f != 0x21;
}

// Link addresses 0xFFFD-0xFFFF are broadcasts (IEEE 1815-2012 link layer): outstations do not
// answer them with a response of their own.
constexpr bool is_broadcast(std::uint16_t dst) noexcept { return dst >= 0xfffd; }

void remember_request(RequestTable& requests, proto::Direction dir, const Record& r) noexcept {
  const auto d = static_cast<std::uint8_t>(dir);
  const std::uint8_t seq = r.app_control & kAppSeqMask;
  // AUTHENTICATE_REQUEST (0x20) answers the outstation's challenge with the SEQ of the critical
  // request it challenged (secure authentication, clause 7): one exchange, one response. Any
  // other request is kept even when one with its SEQ is outstanding: a master retrying a
  // request may get both answers (the late one and the outstation's repeat), paired in order.
  if (r.app_function == kFunctionAuthenticateRequest &&
      requests.find([&](const OutstandingRequest& e) {
        return !e.continuing && e.seq == seq && e.master == r.link_src &&
               e.outstation == r.link_dst && e.request_dir == d;
      }) != nullptr)
    return;
  // Full (16 requests outstanding): the oldest is forgotten silently, so a late answer to it
  // reads as unmatched (flow_state.hpp).
  requests.add(OutstandingRequest{r.link_src, r.link_dst, d, seq, false});
}

void match_response(RequestTable& requests, proto::Direction dir, const Record& r,
                    proto::Sink<Record>& sink) noexcept {
  const auto d = static_cast<std::uint8_t>(dir);
  const std::uint8_t seq = r.app_control & kAppSeqMask;
  const bool first = (r.app_control & kAppFir) != 0;
  OutstandingRequest* e = requests.find([&](const OutstandingRequest& q) {
    return q.continuing != first && q.seq == seq && q.master == r.link_dst &&
           q.outstation == r.link_src && q.request_dir != d;
  });
  if (e == nullptr) {
    if (requests.seen_request()) sink.on_anomaly({&kUnmatchedResponse, seq, r.link_src});
    return;
  }
  if ((r.app_control & kAppFin) != 0) {
    requests.retire(e);
    return;
  }
  // More fragments follow, each with the next SEQ (modulo 16).
  e->continuing = true;
  e->seq = (seq + 1) & kAppSeqMask;
}

}  // namespace

void pair_fragment(RequestTable& requests, proto::Direction dir, const Record& r,
                   proto::Sink<Record>& sink) noexcept {
  if (!r.has_app || r.fragment_length < 2) return;  // no function code read
  if (expects_response(r.app_function)) {
    if (!is_broadcast(r.link_dst)) remember_request(requests, dir, r);
    return;
  }
  if (r.app_function == kFunctionResponse && (r.app_control & kAppUns) == 0)
    match_response(requests, dir, r, sink);
}

}  // namespace fg::dnp3

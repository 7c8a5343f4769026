// Per-flow OPC UA state: negotiated limits, channel security and chunked messages in progress.
#pragma once

#include <cstdint>
#include <type_traits>

#include "protocols/common/pending_requests.hpp"
#include "protocols/common/stream.hpp"
#include "protocols/opcua/constants.hpp"
#include "protocols/opcua/fixed_text.hpp"
#include "protocols/opcua/record.hpp"

namespace fg::opcua {

// Limits one side announced (HEL: the client's, ACK: the server's). 0 = unlimited (spec).
struct Limits {
  bool known = false;
  std::uint32_t receive_buffer_size = 0, send_buffer_size = 0, max_message_size = 0,
                max_chunk_count = 0;
};

// A message whose C chunks have been seen but not its F/A chunk. Keyed by request id; when
// the body is ciphertext the request id is not readable and `keyless` is set (one per side).
struct PartialMessage {
  bool used = false;
  bool keyless = false;
  bool has_service = false;
  bool flagged = false;  // a limit anomaly was already raised for this message
  MsgType msg_type = MsgType::Msg;
  std::uint16_t service_ns = 0;
  std::uint32_t service_id = 0;
  std::uint32_t request_id = 0;
  std::uint32_t chunks = 0;
  std::uint32_t bytes = 0;
  std::uint32_t age = 0;  // insertion stamp, to evict the oldest
};

// Interleaving of chunked messages is allowed by the spec only across request ids; stacks
// seen in the field send at most one or two at a time. Policy when full: evict the oldest and
// raise opcua.too_many_partial_messages.
inline constexpr std::size_t kMaxPartialMessages = 4;
// Chunk-count cap when the peer announced none (0 = unlimited): counts saturate, no anomaly.

struct SideState {
  PartialMessage partial[kMaxPartialMessages];
  std::uint32_t next_age = 0;
  bool has_sequence = false;  // last plaintext sequence number this side sent
  std::uint32_t last_sequence = 0;
};

// A plaintext request awaiting its response (pairing.cpp): the secure channel and the RequestId
// of the sequence header (Part 6 §6.7.2.4), which every chunk of the response repeats.
struct OutstandingRequest {
  std::uint32_t secure_channel_id = 0;
  std::uint32_t request_id = 0;
  std::uint32_t service_id = 0;  // the request's type (binary encoding id), for the response's
};

// Clients keep several Publish requests queued (servers cap them per session, commonly at 10-20;
// 11 in the shared captures) beside their other calls. Policy when full: the oldest request is
// forgotten without an event; a late response to it then raises opcua.unmatched_response.
inline constexpr std::size_t kMaxOutstandingRequests = 64;
using RequestTable = proto::PendingRequests<OutstandingRequest, kMaxOutstandingRequests>;

struct FlowState {
  Limits hello;  // from the UA client's HEL
  Limits ack;    // from the UA server's ACK
  // Reverse connect (Part 6 §7.1.2.6): the UA server opens the TCP connection and sends RHE,
  // so the UA client is the TCP server. Limits and direction checks follow UA roles.
  bool reverse = false;
  bool hello_seen = false;

  // Channel security, for rules: from the OPN (policy) and the first readable body (mode).
  SecurityPolicy security_policy = SecurityPolicy::Unknown;
  SecurityMode security_mode = SecurityMode::Unknown;
  Body body = Body::Unknown;  // Unknown until an OPN or a plaintext MSG tells
  FixedText<kPolicyUriCap> security_policy_uri;
  std::uint32_t secure_channel_id = 0;
  std::uint32_t token_id = 0;

  SideState side[2];  // indexed by proto::Direction
  RequestTable requests;  // plaintext MSG requests of the UA client not yet answered
};

static_assert(std::is_trivially_copyable_v<FlowState>);

}  // namespace fg::opcua

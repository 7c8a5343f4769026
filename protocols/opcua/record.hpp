// The audit record of one OPC UA chunk (HEL/ACK/ERR/RHE/OPN/MSG/CLO).
#pragma once

#include <cstdint>
#include <type_traits>

#include "protocols/common/stream.hpp"
#include "protocols/opcua/constants.hpp"
#include "protocols/opcua/fixed_text.hpp"

namespace fg::opcua {

// Capacities cover every shared capture with room to spare (longest policy URI in the
// standard is 64 bytes, longest endpoint seen 47); longer strings are cut and flagged.
inline constexpr std::size_t kPolicyUriCap = 96;
inline constexpr std::size_t kUrlCap = 128;
inline constexpr std::size_t kReasonCap = 96;

// Whether the body after the security header could be read (Part 6 §6.7.2: with
// SignAndEncrypt, or any OPN of a non-None policy, it is ciphertext).
enum class Body : std::uint8_t { Plain, Encrypted, Unknown };

struct Record {
  proto::Protocol protocol = proto::Protocol::Opcua;
  MsgType msg_type = MsgType::Hel;
  char chunk = 'F';
  Body body = Body::Plain;
  std::uint32_t size = 0;  // chunk size from the header

  // HEL / ACK (Part 6 §7.1.2.3/4).
  bool has_limits = false;
  std::uint32_t protocol_version = 0, receive_buffer_size = 0, send_buffer_size = 0,
                max_message_size = 0, max_chunk_count = 0;
  FixedText<kUrlCap> endpoint_url;  // HEL, RHE
  FixedText<kUrlCap> server_uri;    // RHE

  // ERR, and A chunks with a readable body.
  bool has_error = false;
  std::uint32_t error = 0;
  FixedText<kReasonCap> reason;

  // Secure conversation (OPN/MSG/CLO).
  bool has_secure_channel_id = false;
  std::uint32_t secure_channel_id = 0;
  bool has_token_id = false;  // symmetric header (MSG/CLO)
  std::uint32_t token_id = 0;
  FixedText<kPolicyUriCap> security_policy_uri;  // OPN
  std::int32_t sender_certificate_len = -1, receiver_thumbprint_len = -1;  // OPN, -1 = null
  SecurityPolicy security_policy = SecurityPolicy::Unknown;  // of the flow, on every chunk
  SecurityMode security_mode = SecurityMode::Unknown;        // of the flow, where known
  bool has_sequence = false;  // plaintext sequence header
  std::uint32_t sequence_number = 0, request_id = 0;
  bool has_service = false;  // on the chunk that completes a message
  std::uint16_t service_ns = 0;
  std::uint32_t service_id = 0;
  bool has_request_type = false;  // OpenSecureChannelRequest: 0 Issue, 1 Renew
  std::uint32_t request_type = 0;

  // Reassembly (Part 6 §6.7.2.2): on F/A chunks, how many chunks and bytes the message had.
  std::uint32_t chunk_count = 0;
  std::uint32_t message_size = 0;
};

static_assert(std::is_trivially_copyable_v<Record>);
static_assert(sizeof(Record) <= 640, "keep the record small: it crosses the audit ring");

}  // namespace fg::opcua

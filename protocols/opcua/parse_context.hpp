// Internal: what the per-type chunk parsers share while one chunk is being parsed.
#pragma once

#include <cstdint>

#include "protocols/opcua/opcua.hpp"

namespace fg::opcua::detail {

struct ChunkCtx {
  proto::Bytes chunk;  // the whole chunk, header included (size bytes)
  proto::Direction dir;
  bool from_ua_client;  // UA role of the sender (reverse connect swaps TCP and UA roles)
  FlowState& st;
  proto::Sink<Record>& sink;
  Record& rec;

  void anomaly(const proto::AnomalyKind& k, std::int64_t a0 = 0, std::int64_t a1 = 0) const noexcept {
    sink.on_anomaly(proto::Anomaly{&k, a0, a1});
  }
};

// Looks up the 3-byte type at p; false if it is none of HEL/ACK/ERR/RHE/OPN/MSG/CLO.
bool lookup_msg_type(const std::uint8_t* p, MsgType& out) noexcept;
// For fewer than 4 bytes: true if they are the start of some message type's header.
bool could_start_header(proto::Bytes in) noexcept;

void parse_connection_message(const ChunkCtx& c) noexcept;  // HEL, ACK, ERR, RHE
void parse_secure_message(const ChunkCtx& c) noexcept;      // OPN, MSG, CLO

// Chunk reassembly bookkeeping (chunk_assembly.cpp). `body_bytes` counts toward the
// negotiated max message size; `first` is set when the chunk starts a new message.
struct Assembly {
  bool continuation = false;  // a message with this key was already in progress
  const PartialMessage* partial = nullptr;  // the in-progress message (before this chunk)
};
Assembly find_partial(const ChunkCtx& c, bool keyless, std::uint32_t request_id) noexcept;
// Accounts the chunk to its message, checks limits, fills chunk_count/message_size/service on
// the record for F/A chunks and frees or creates the slot.
void account_chunk(const ChunkCtx& c, bool keyless, std::uint32_t request_id,
                   std::uint32_t body_bytes, bool has_service, std::uint16_t service_ns,
                   std::uint32_t service_id) noexcept;

// Request/response pairing by secure channel and RequestId (pairing.cpp), for a MSG chunk whose
// sequence header was readable. `continuation`: the chunk belongs to a message already in
// progress; `has_service`: the chunk opened its message with this service type id.
void pair_message(const ChunkCtx& c, bool continuation, bool has_service, std::uint16_t service_ns,
                  std::uint32_t service_id) noexcept;

}  // namespace fg::opcua::detail

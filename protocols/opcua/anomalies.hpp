// OPC UA conformance anomalies: one constexpr kind per problem the parser can report.
#pragma once

#include "protocols/common/anomaly.hpp"

namespace fg::opcua {

using proto::AnomalyKind;
using proto::Severity;

// Framing (Part 6 §7.1.2.2): the stream lost sync; the parser resyncs on the next header.
inline constexpr AnomalyKind kBadMessageType{
    "opcua.bad_message_type", Severity::High, "unknown message type (first bytes {0}, little-endian); {1} bytes skipped to resync"};
inline constexpr AnomalyKind kBadChunkSize{
    "opcua.bad_chunk_size", Severity::High, "chunk header declares {0} bytes (sane range 8..{1}); resyncing"};
// The chunk frames but its chunk byte is not F/C/A, or not F where only F is allowed.
inline constexpr AnomalyKind kBadChunkType{
    "opcua.bad_chunk_type", Severity::Medium, "chunk type byte {0} not allowed for this message type"};
inline constexpr AnomalyKind kChunkTooSmall{
    "opcua.chunk_too_small", Severity::Medium, "chunk of {0} bytes is shorter than the {1} bytes its headers need"};
inline constexpr AnomalyKind kBadHello{
    "opcua.bad_hello", Severity::Medium, "HEL/ACK field out of range: value {0} (rule {1}: 1=version, 2=buffer<8192, 3=endpoint url>4096, 4=truncated)"};
inline constexpr AnomalyKind kBadString{
    "opcua.bad_string", Severity::Medium, "string or byte string length {0} does not fit the {1} bytes left in the chunk"};
inline constexpr AnomalyKind kBadServiceNodeId{
    "opcua.bad_service_node_id", Severity::Medium, "plaintext body does not start with a numeric service node id (encoding byte {0})"};
inline constexpr AnomalyKind kUnexpectedMessage{
    "opcua.unexpected_message", Severity::Medium, "message type {0} not expected from this side or in this state ({1})"};
// Negotiated limits (Part 6 §7.1.2.3/7.1.2.4), enforced once HEL/ACK were seen.
inline constexpr AnomalyKind kChunkTooLarge{
    "opcua.chunk_too_large", Severity::High, "chunk of {0} bytes exceeds the negotiated buffer size {1}"};
inline constexpr AnomalyKind kMessageTooLarge{
    "opcua.message_too_large", Severity::High, "message reached {0} bytes, over the negotiated maximum {1}"};
inline constexpr AnomalyKind kTooManyChunks{
    "opcua.too_many_chunks", Severity::High, "message reached {0} chunks, over the limit {1}"};
inline constexpr AnomalyKind kTooManyPartialMessages{
    "opcua.too_many_partial_messages", Severity::Medium, "more than {1} chunked messages in progress; request id {0} forgotten"};
// Part 6 §6.7.2.4: each sender's sequence numbers go up by one (wrapping only near 2^32).
inline constexpr AnomalyKind kSequenceGap{
    "opcua.sequence_gap", Severity::Medium, "sequence number {1} where {0} was expected (replay, loss or injection)"};
inline constexpr AnomalyKind kOrphanChunk{
    "opcua.orphan_chunk", Severity::Low, "abort chunk for request id {0} with no message in progress"};
// Part 6 §6.7.2.4: a response carries the RequestId of the request it answers.
inline constexpr AnomalyKind kUnmatchedResponse{
    "opcua.unmatched_response", Severity::Medium,
    "response (service {1}) with request id {0} answers no outstanding request on this secure channel"};
// Part 4 §5: a request is answered by its own response type, or by a ServiceFault.
inline constexpr AnomalyKind kResponseTypeMismatch{
    "opcua.response_type_mismatch", Severity::Medium,
    "response of type {1} answers a request of type {0} (the request id pairs them; Part 4 §5)"};

}  // namespace fg::opcua

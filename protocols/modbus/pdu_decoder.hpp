// Decodes a Modbus PDU (function code + data), common to MBAP and RTU framing, into a Record.
#pragma once

#include "protocols/common/stream.hpp"
#include "protocols/modbus/record.hpp"

namespace fg::modbus {

// Fills the function-specific members of `r` from `pdu` (function code first) and reports
// conformance problems. `r.is_response`, and for responses the kHasRequest members, must be set
// already: response checks compare against the request. Never fails: fields that are not in
// the PDU stay absent, as in Wireshark.
void decode_pdu(proto::Bytes pdu, Record& r, proto::Sink<Record>& sink) noexcept;

// Size in bytes of a PDU's data that the function's layout implies, given the bytes at hand
// (kUnframeable = cannot tell). Used by RTU framing, which has no length field; `data` is the PDU
// without its function code. Returns kNeedMoreBytes when more bytes would tell.
inline constexpr std::uint32_t kUnframeable = 0xFFFFFFFFu;
inline constexpr std::uint32_t kNeedMoreBytes = 0xFFFFFFFEu;
[[nodiscard]] std::uint32_t pdu_data_length(std::uint8_t function, bool is_response,
                                            proto::Bytes data) noexcept;

}  // namespace fg::modbus

// S7comm-plus (protocol id 0x72) classification: version, length, opcode, function.
#pragma once

#include "protocols/common/bytes.hpp"
#include "protocols/s7comm/record.hpp"

namespace fg::s7comm {

// Classifies one S7comm-plus PDU (starting with 0x72) into the plus_* fields of `r`. The payload
// behind the function code is not decoded (it is often integrity-protected); a first byte after
// the header that is no known opcode is still reported (continuation fragments start that way).
void decode_s7_plus(proto::Bytes pdu, Record& r) noexcept;

}  // namespace fg::s7comm

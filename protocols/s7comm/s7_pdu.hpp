// S7comm (protocol id 0x32) PDU decoding: header, parameters, items, data return codes.
#pragma once

#include "protocols/common/bytes.hpp"
#include "protocols/common/stream.hpp"
#include "protocols/s7comm/record.hpp"

namespace fg::s7comm {

// Decodes one complete S7comm PDU (starting with 0x32) into the S7 fields of `r`, reporting
// conformance problems to `sink`. Decoding goes on after a problem as far as lengths allow.
void decode_s7(proto::Bytes pdu, Record& r, proto::Sink<Record>& sink) noexcept;

}  // namespace fg::s7comm

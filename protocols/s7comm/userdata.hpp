// S7comm userdata (ROSCTR 7): parameter head, type/group/subfunction, and the data parts whose
// items and return codes are decoded (cyclic data, alarms, programmer variable tables).
#pragma once

#include "protocols/common/bytes.hpp"
#include "protocols/common/stream.hpp"
#include "protocols/s7comm/record.hpp"

namespace fg::s7comm {

void decode_userdata(proto::Bytes param, proto::Bytes data, Record& r, proto::Sink<Record>& sink) noexcept;

}  // namespace fg::s7comm

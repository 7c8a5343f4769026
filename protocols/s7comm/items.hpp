// Shared decoders for S7 request items (address specs) and data items (return code + value).
#pragma once

#include <cstdint>

#include "protocols/common/bytes.hpp"
#include "protocols/common/stream.hpp"
#include "protocols/s7comm/record.hpp"

namespace fg::s7comm {

// Appends a return code, or marks the record truncated when the list is full.
void add_return_code(Record& r, std::uint8_t rc) noexcept;

// `count` request items (0x12, spec length, syntax id, spec) into r.items; S7ANY specs give
// area, DB, address, transport size and length. Stops at the first malformed item.
void decode_param_items(proto::Reader& rd, unsigned count, Record& r, proto::Sink<Record>& sink) noexcept;

// `count` data items (return code, transport size, length, value, fill byte to even length
// between items), their return codes into r.return_codes. With `count` = kUntilEnd, items are
// read while a 4-byte item header remains.
inline constexpr unsigned kUntilEnd = 0xffffffffu;
void decode_data_items(proto::Reader& rd, unsigned count, Record& r, proto::Sink<Record>& sink) noexcept;

}  // namespace fg::s7comm

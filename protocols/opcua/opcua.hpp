// OPC UA binary (UA TCP, Part 6 §7.1 and secure conversation §6.7): the parser contract.
#pragma once

#include "protocols/common/json_writer.hpp"
#include "protocols/common/stream.hpp"
#include "protocols/opcua/anomalies.hpp"
#include "protocols/opcua/constants.hpp"
#include "protocols/opcua/flow_state.hpp"
#include "protocols/opcua/record.hpp"

namespace fg::opcua {

// Yes for a valid chunk header (known type, F/C/A, sane size; a HEL also needs version 0 and
// buffers >= 8192), Maybe while fewer than a header's bytes are there, No otherwise.
[[nodiscard]] proto::Detect detect(proto::Bytes first, proto::Direction dir) noexcept;

// Frames and parses one chunk at the front of `in` (see protocols/dev_notes.md).
[[nodiscard]] proto::ParseResult parse(proto::Bytes in, proto::Direction dir, FlowState& st,
                                       proto::Sink<Record>& sink) noexcept;

// Writes the "opcua" member of an audit line.
void write_json(const Record& r, proto::JsonWriter& w);

}  // namespace fg::opcua

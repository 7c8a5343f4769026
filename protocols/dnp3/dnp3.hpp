// DNP3 (IEEE 1815) over TCP or UDP: detection, link/transport/application parsing, audit JSON.
#pragma once

#include "protocols/common/json_writer.hpp"
#include "protocols/common/stream.hpp"
#include "protocols/dnp3/anomalies.hpp"
#include "protocols/dnp3/flow_state.hpp"
#include "protocols/dnp3/record.hpp"

namespace fg::dnp3 {

// Yes when the bytes open with 0x05 0x64, a length >= 5 and a good header CRC; Maybe on a
// matching prefix shorter than a link header; No otherwise. Ports play no part.
[[nodiscard]] proto::Detect detect(proto::Bytes first, proto::Direction dir) noexcept;

// Parses the one link-layer frame at the front of `in`, reassembles its transport segment
// into `st` and, when the segment completes a fragment, the application layer. One record
// per frame with a good header CRC; frames with a bad header CRC or length only raise an
// anomaly and are skipped up to the next 0x05 0x64 (Malformed with consumed > 0).
[[nodiscard]] proto::ParseResult parse(proto::Bytes in, proto::Direction dir, FlowState& st,
                                       proto::Sink<Record>& sink) noexcept;

// Writes the "dnp3" member of an audit line.
void write_json(const Record& r, proto::JsonWriter& w);

}  // namespace fg::dnp3

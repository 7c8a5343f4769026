// S7comm / S7comm-plus over TPKT+COTP (ISO-on-TCP, RFC 1006): detection, parsing, audit JSON.
#pragma once

#include "protocols/common/json_writer.hpp"
#include "protocols/common/stream.hpp"
#include "protocols/s7comm/anomalies.hpp"
#include "protocols/s7comm/flow_state.hpp"
#include "protocols/s7comm/record.hpp"

namespace fg::s7comm {

// Yes when the bytes open with a TPKT (version 3, length >= 7) holding a valid COTP header and
// it is a connection TPDU (CR/CC/DR/DC/ER) or a DT whose payload starts with 0x32 (with a known
// ROSCTR) or 0x72. Empty DTs (keep-alives) are stepped over to the next TPKT. Maybe while the
// bytes are too few to tell; No otherwise. Ports play no part.
[[nodiscard]] proto::Detect detect(proto::Bytes first, proto::Direction dir) noexcept;

// Parses the one TPKT at the front of `in`: one record per TPKT (CR/CC/... with COTP fields,
// DT with the S7comm or S7comm-plus fields of the message it completes, a DT without EOT or an
// empty DT with COTP fields only). DT user data without EOT is buffered in `st` per direction.
// A bad TPKT version/length raises s7comm.bad_tpkt and resyncs to the next 0x03 0x00 (Malformed,
// consumed > 0).
[[nodiscard]] proto::ParseResult parse(proto::Bytes in, proto::Direction dir, FlowState& st,
                                       proto::Sink<Record>& sink) noexcept;

// Writes the "s7comm" member (or "s7comm_plus" for S7comm-plus records) of an audit line.
void write_json(const Record& r, proto::JsonWriter& w);

}  // namespace fg::s7comm

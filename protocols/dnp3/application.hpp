// DNP3 application layer (IEEE 1815 clause 4): header, IIN and the object-header walk.
#pragma once

#include "protocols/common/stream.hpp"
#include "protocols/dnp3/record.hpp"

namespace fg::dnp3 {

// Fills the application members of `r` from one reassembled fragment; reports anomalies.
void parse_application(proto::Bytes fragment, Record& r, proto::Sink<Record>& sink) noexcept;

}  // namespace fg::dnp3

// Request/response pairing over the FlowState's fixed table of outstanding requests.
#pragma once

#include "protocols/common/stream.hpp"
#include "protocols/modbus/flow_state.hpp"
#include "protocols/modbus/record.hpp"

namespace fg::modbus {

// Remembers a decoded request (key: transaction id + unit id). A request reusing the key of an
// outstanding one is kept too (`modbus.duplicate_transaction_id`): responses then pair in order.
// RTU requests (no transaction id) replace every outstanding one.
void remember_request(FlowState& st, const Record& request, proto::Sink<Record>& sink) noexcept;

// Looks up and retires the request that `response` answers (function code taken without the
// exception bit) and copies what it asked for into the kHasRequest members. Reports
// `modbus.unmatched_response` when there is none, unless the flow has not shown a request yet
// (a capture or a flow table entry that started mid-conversation).
void match_response(FlowState& st, std::uint8_t raw_function, Record& response,
                    proto::Sink<Record>& sink) noexcept;

}  // namespace fg::modbus

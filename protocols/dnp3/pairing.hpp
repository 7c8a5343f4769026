// Solicited responses paired with the requests they answer, by association and application
// sequence number (IEEE 1815-2012 clause 4.2.2.4: SEQ of the application control octet).
#pragma once

#include "protocols/common/stream.hpp"
#include "protocols/dnp3/flow_state.hpp"
#include "protocols/dnp3/record.hpp"

namespace fg::dnp3 {

// Called for every frame that completed an application fragment (`r.has_app`), after its
// application layer was parsed. A request from a master is remembered under (master,
// outstation, direction, SEQ); a solicited RESPONSE (0x81, UNS clear) must carry the SEQ of an
// outstanding request of its association in its first fragment (FIR), and that SEQ plus one per
// further fragment. One that does not raises `dnp3.unmatched_response`, once the flow has shown
// a request. Confirmations, unsolicited and authentication responses are never judged.
void pair_fragment(RequestTable& requests, proto::Direction dir, const Record& r,
                   proto::Sink<Record>& sink) noexcept;

}  // namespace fg::dnp3

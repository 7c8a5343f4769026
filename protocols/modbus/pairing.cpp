// Request/response pairing by transaction id and unit, on the shared outstanding-request table.
#include "protocols/modbus/pairing.hpp"

#include "protocols/modbus/anomalies.hpp"
#include "protocols/modbus/function_codes.hpp"

namespace fg::modbus {

void remember_request(FlowState& st, const Record& request, proto::Sink<Record>& sink) noexcept {
  PendingRequest entry;
  entry.transaction_id = request.transaction_id;
  entry.unit_id = request.unit_id;
  entry.function = request.function;
  if (request.has(kHasReadWrite)) {  // FC 23 answers with the registers it read
    entry.address = request.read_address;
    entry.quantity = request.read_quantity;
  } else {
    entry.address = request.address;
    entry.quantity = request.quantity;
  }
  // RTU has no transaction id and a master waits for each reply (Serial Line V1.02 2.1), so a
  // new request supersedes whatever is still outstanding (e.g. a broadcast or a timeout).
  if (!request.has(kHasTransactionId)) st.pending.clear();
  if (st.pending.find_any([&](const PendingRequest& p) {
        return p.transaction_id == entry.transaction_id && p.unit_id == entry.unit_id;
      }) != nullptr)
    sink.on_anomaly(proto::Anomaly{&kDuplicateTransactionId, entry.transaction_id, entry.unit_id});
  PendingRequest evicted;
  if (st.pending.add(entry, &evicted)) sink.on_anomaly(proto::Anomaly{&kPendingTableFull, evicted.transaction_id, 0});
}

void match_response(FlowState& st, std::uint8_t raw_function, Record& response,
                    proto::Sink<Record>& sink) noexcept {
  const std::uint8_t function = raw_function & 0x7Fu;
  const auto same_request = [&](const PendingRequest& p) {
    return p.transaction_id == response.transaction_id && p.function == function;
  };
  // Duplicates answer in order: the oldest matching request.
  if (const PendingRequest* p =
          st.pending.find([&](const PendingRequest& q) { return same_request(q) && q.unit_id == response.unit_id; })) {
    response.request_function = p->function;
    response.request_address = p->address;
    response.request_quantity = p->quantity;
    response.set(kHasRequest);
    st.pending.retire(p);
    return;
  }
  if (!st.pending.seen_request()) return;
  const PendingRequest* other_unit = st.pending.find_any(same_request);
  if (other_unit != nullptr) {
    sink.on_anomaly(proto::Anomaly{&kResponseUnitMismatch, response.unit_id, other_unit->unit_id});
    return;
  }
  sink.on_anomaly(proto::Anomaly{&kUnmatchedResponse, response.transaction_id, function});
}

}  // namespace fg::modbus

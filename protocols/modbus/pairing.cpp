// Outstanding-request table: linear search over kMaxPending entries (16), no allocation.
#include "protocols/modbus/pairing.hpp"

#include "protocols/modbus/anomalies.hpp"
#include "protocols/modbus/function_codes.hpp"

namespace fg::modbus {
namespace {

// Insertion order compared modulo 2^16: the table holds 16 entries, so distances stay small.
bool older(const PendingRequest& a, const PendingRequest& b) noexcept {
  return static_cast<std::int16_t>(static_cast<std::uint16_t>(a.order - b.order)) < 0;
}

}  // namespace

void remember_request(FlowState& st, const Record& request, proto::Sink<Record>& sink) noexcept {
  st.seen_request = true;
  PendingRequest entry;
  entry.transaction_id = request.transaction_id;
  entry.unit_id = request.unit_id;
  entry.function = request.function;
  entry.order = st.next_order++;
  entry.used = true;
  if (request.has(kHasReadWrite)) {  // FC 23 answers with the registers it read
    entry.address = request.read_address;
    entry.quantity = request.read_quantity;
  } else {
    entry.address = request.address;
    entry.quantity = request.quantity;
  }
  // RTU has no transaction id and a master waits for each reply (Serial Line V1.02 2.1), so a
  // new request supersedes whatever is still outstanding (e.g. a broadcast or a timeout).
  if (!request.has(kHasTransactionId))
    for (auto& p : st.pending) p.used = false;
  PendingRequest* slot = nullptr;
  PendingRequest* oldest = nullptr;
  bool duplicate = false;
  for (auto& p : st.pending) {
    if (!p.used) {
      if (slot == nullptr) slot = &p;
      continue;
    }
    if (p.transaction_id == entry.transaction_id && p.unit_id == entry.unit_id) duplicate = true;
    if (oldest == nullptr || older(p, *oldest)) oldest = &p;
  }
  if (duplicate)
    sink.on_anomaly(proto::Anomaly{&kDuplicateTransactionId, entry.transaction_id, entry.unit_id});
  if (slot == nullptr) {
    slot = oldest;
    sink.on_anomaly(proto::Anomaly{&kPendingTableFull, slot->transaction_id, 0});
  }
  *slot = entry;
}

void match_response(FlowState& st, std::uint8_t raw_function, Record& response,
                    proto::Sink<Record>& sink) noexcept {
  const std::uint8_t function = raw_function & 0x7Fu;
  PendingRequest* match = nullptr;
  PendingRequest* other_unit = nullptr;
  for (auto& p : st.pending) {
    if (!p.used || p.transaction_id != response.transaction_id || p.function != function) continue;
    if (p.unit_id != response.unit_id) {
      other_unit = &p;
      continue;
    }
    if (match == nullptr || older(p, *match)) match = &p;  // duplicates answer in order
  }
  if (match != nullptr) {
    response.request_function = match->function;
    response.request_address = match->address;
    response.request_quantity = match->quantity;
    response.set(kHasRequest);
    match->used = false;
    return;
  }
  if (!st.seen_request) return;
  if (other_unit != nullptr) {
    sink.on_anomaly(proto::Anomaly{&kResponseUnitMismatch, response.unit_id, other_unit->unit_id});
    return;
  }
  sink.on_anomaly(proto::Anomaly{&kUnmatchedResponse, response.transaction_id, function});
}

}  // namespace fg::modbus

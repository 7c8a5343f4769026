// Outstanding-request table: kMaxPending entries (16) and a bitmask of those in use; no allocation.
#include "protocols/modbus/pairing.hpp"

#include <bit>

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
  if (request.has(kHasReadWrite)) {  // FC 23 answers with the registers it read
    entry.address = request.read_address;
    entry.quantity = request.read_quantity;
  } else {
    entry.address = request.address;
    entry.quantity = request.quantity;
  }
  // RTU has no transaction id and a master waits for each reply (Serial Line V1.02 2.1), so a
  // new request supersedes whatever is still outstanding (e.g. a broadcast or a timeout).
  if (!request.has(kHasTransactionId)) st.used_mask = 0;
  int oldest = -1;
  bool duplicate = false;
  for (unsigned m = st.used_mask; m != 0; m &= m - 1) {
    const int i = std::countr_zero(m);
    const PendingRequest& p = st.pending[i];
    if (p.transaction_id == entry.transaction_id && p.unit_id == entry.unit_id) duplicate = true;
    if (oldest < 0 || older(p, st.pending[oldest])) oldest = i;
  }
  if (duplicate)
    sink.on_anomaly(proto::Anomaly{&kDuplicateTransactionId, entry.transaction_id, entry.unit_id});
  const unsigned free_mask = ~unsigned{st.used_mask} & ((1u << kMaxPending) - 1u);
  int slot = oldest;
  if (free_mask == 0) {
    sink.on_anomaly(proto::Anomaly{&kPendingTableFull, st.pending[slot].transaction_id, 0});
  } else {
    slot = std::countr_zero(free_mask);  // the first free entry
  }
  st.pending[slot] = entry;
  st.used_mask = static_cast<std::uint16_t>(st.used_mask | 1u << slot);
}

void match_response(FlowState& st, std::uint8_t raw_function, Record& response,
                    proto::Sink<Record>& sink) noexcept {
  const std::uint8_t function = raw_function & 0x7Fu;
  int match = -1;
  const PendingRequest* other_unit = nullptr;
  for (unsigned m = st.used_mask; m != 0; m &= m - 1) {
    const int i = std::countr_zero(m);
    const PendingRequest& p = st.pending[i];
    if (p.transaction_id != response.transaction_id || p.function != function) continue;
    if (p.unit_id != response.unit_id) {
      other_unit = &p;
      continue;
    }
    if (match < 0 || older(p, st.pending[match])) match = i;  // duplicates answer in order
  }
  if (match >= 0) {
    const PendingRequest& p = st.pending[match];
    response.request_function = p.function;
    response.request_address = p.address;
    response.request_quantity = p.quantity;
    response.set(kHasRequest);
    st.used_mask = static_cast<std::uint16_t>(st.used_mask & ~(1u << match));
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

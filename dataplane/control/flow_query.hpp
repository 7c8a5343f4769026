// Flow listings for the control plane: a worker copies the flows that match a filter (or the
// top N by packets or bytes) out of its own table, into a buffer allocated beforehand, a
// chunk of the table at a time so that no burst waits long.
#pragma once

#include <cstdint>

#include "dataplane/flow/flow_table.hpp"

namespace fg::dp {

enum class FlowOrder : std::uint8_t { Table, Packets, Bytes };

struct FlowFilter {
  IpAddr addr{};          // either endpoint
  bool has_addr = false;
  std::uint16_t port = 0;  // either endpoint; 0 = any
  std::uint8_t ip_proto = 0;   // 0 = any
  std::uint8_t app_proto = 0;  // proto::Protocol; 0 = any
};

// One flow as `fieldguardctl flows` shows it (a copy: the table moves on).
struct FlowInfo {
  FlowKey key;
  std::uint64_t first_seen_ns = 0;
  std::uint64_t last_seen_ns = 0;
  std::uint64_t bytes[2] = {0, 0};  // from the client, from the server
  std::uint32_t pkts[2] = {0, 0};
  std::uint32_t rule = 0;
  TcpState tcp = TcpState::None;
  bool client_is_lo = true;
  std::uint8_t app_proto = 0;
  std::uint8_t action = 0;
  bool blocked = false;
};

[[nodiscard]] bool flow_matches(const Flow& f, const FlowFilter& filter) noexcept;

// One listing in progress. With Table order the first `cap` matches are kept; with
// Packets/Bytes the `cap` largest, in no particular order (the caller sorts). Never allocates.
class FlowScan {
 public:
  void start(const FlowFilter& filter, FlowOrder order, FlowInfo* out, std::uint32_t cap) noexcept;
  // Visits up to `slots` hash slots of `table`; true once the whole table was visited.
  bool step(const FlowTable& table, std::uint32_t slots) noexcept;
  [[nodiscard]] std::uint32_t count() const noexcept { return n_; }
  [[nodiscard]] std::uint64_t matched() const noexcept { return matched_; }

 private:
  void visit(const Flow& f) noexcept;
  FlowFilter filter_{};
  FlowOrder order_ = FlowOrder::Table;
  FlowInfo* out_ = nullptr;
  std::uint32_t cap_ = 0;
  std::uint32_t n_ = 0;
  std::uint64_t matched_ = 0;
  std::uint32_t next_slot_ = 0;
};

// The whole listing at once (single-threaded callers: the libpcap backend, tests). Returns
// how many were copied; `matched` gets how many flows matched in all.
std::uint32_t query_flows(const FlowTable& table, const FlowFilter& filter, FlowOrder order, FlowInfo* out,
                          std::uint32_t cap, std::uint64_t& matched) noexcept;

}  // namespace fg::dp

// The run summary: what came in, what went out, flows, PDUs per protocol, events.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/pipeline/pipeline.hpp"

namespace fg::daemon {

struct RunSummary {
  std::uint64_t packets_in = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t forwarded = 0;
  std::uint64_t dropped = 0;
  std::array<std::uint64_t, static_cast<int>(dp::DropReason::kCount)> dropped_by{};
  std::uint64_t resets_sent = 0;
  std::uint64_t decode_errors = 0;
  std::uint64_t flows = 0;          // flows created
  std::uint64_t flows_active = 0;
  std::uint64_t tcp_retransmitted = 0;
  std::uint64_t tcp_out_of_order = 0;
  std::array<std::uint64_t, 8> pdus{};  // by proto::Protocol
  std::uint64_t events = 0;
  std::uint64_t audit_records = 0;  // one per industrial PDU
  std::uint64_t audit_filtered = 0; // of those, not written: logging.audit is changes or flagged
  std::uint64_t records_lost = 0;   // ring full (live mode)
  dp::RuleStats rules{};            // the rule set's counters (rules.*), summed over workers
  double seconds = 0;
};

// Adds one worker's counters to the summary.
void add_worker(RunSummary& s, const dp::Pipeline& p);

// Human-readable block for stderr.
std::string format_summary(const RunSummary& s, const std::string& title);
// One JSON object.
std::string summary_json(const RunSummary& s);

}  // namespace fg::daemon

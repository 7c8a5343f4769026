// Anomaly kinds raised by TCP tracking and reassembly.
#pragma once

#include "protocols/common/anomaly.hpp"

namespace fg::dp::tcp_events {
using proto::AnomalyKind;
using proto::Severity;

inline constexpr AnomalyKind kOutOfWindow{"tcp.out_of_window", Severity::Medium,
    "segment starts {0} bytes past the next expected byte, outside the receiver's window of {1}"};
inline constexpr AnomalyKind kRstOutOfWindow{"tcp.rst_out_of_window", Severity::High,
    "RST {0} bytes away from the next expected byte (window {1}): ignored, possible injection"};
inline constexpr AnomalyKind kOverlapMismatch{"tcp.overlap_mismatch", Severity::High,
    "retransmitted bytes at offset {0} differ from the {1} bytes first seen (kept the first)"};
inline constexpr AnomalyKind kReassemblyOverflow{"tcp.reassembly_overflow", Severity::Medium,
    "reassembly buffer full: {0} bytes skipped at a gap of {1} bytes, parser resynchronises"};
inline constexpr AnomalyKind kBufferPoolExhausted{"tcp.buffer_pool_exhausted", Severity::High,
    "no free reassembly buffer: {0} bytes of this direction not inspected"};
inline constexpr AnomalyKind kDataMissing{"tcp.data_missing", Severity::Low,
    "{0} bytes acknowledged by the receiver were never seen ({1} held bytes dropped): inspection resumes after the hole"};
inline constexpr AnomalyKind kBadSynAck{"tcp.bad_synack", Severity::Low,
    "SYN-ACK acknowledges {0}, expected {1}"};
inline constexpr AnomalyKind kDataBeforeHandshake{"tcp.data_on_syn", Severity::Low,
    "{0} payload bytes on a SYN segment"};

}  // namespace fg::dp::tcp_events

// DNP3 conformance anomaly kinds reported through the sink (names are dnp3.<snake_case>).
#pragma once

#include "protocols/common/anomaly.hpp"

namespace fg::dnp3 {

using proto::AnomalyKind;
using proto::Severity;

inline constexpr AnomalyKind kBadStart{"dnp3.bad_start", Severity::Medium,
                                       "no 0x05 0x64 start octets; skipped {0} bytes to resync"};
inline constexpr AnomalyKind kBadLinkCrc{"dnp3.bad_link_crc", Severity::Medium,
                                         "link header CRC wrong (computed {0}, carried {1}); frame skipped"};
inline constexpr AnomalyKind kBadDataCrc{"dnp3.bad_data_crc", Severity::Medium,
                                         "data block {0} of {1} has a wrong CRC; data not reassembled"};
inline constexpr AnomalyKind kBadLength{"dnp3.bad_length", Severity::Medium,
                                        "link length {0} below the minimum of 5; frame skipped"};
inline constexpr AnomalyKind kUnknownLinkFunction{"dnp3.unknown_link_function", Severity::Low,
                                                  "link function {0} (PRM={1}) is not defined"};
inline constexpr AnomalyKind kTransportOutOfSequence{
    "dnp3.transport_out_of_sequence", Severity::Low,
    "transport segment sequence {0} where {1} was expected (-1: no fragment in progress); fragment discarded"};
inline constexpr AnomalyKind kFragmentTooLarge{"dnp3.fragment_too_large", Severity::Medium,
                                               "application fragment exceeds {1} bytes (would be {0}); discarded"};
inline constexpr AnomalyKind kFragmentAbandoned{"dnp3.fragment_abandoned", Severity::Info,
                                                "new FIR segment while a fragment of {0} bytes was in progress"};
inline constexpr AnomalyKind kUnknownFunction{"dnp3.unknown_function", Severity::Medium,
                                              "application function code {0} is not defined"};
inline constexpr AnomalyKind kShortFragment{"dnp3.short_fragment", Severity::Medium,
                                            "application fragment of {0} bytes is shorter than its header ({1})"};
inline constexpr AnomalyKind kBadObjectHeader{"dnp3.bad_object_header", Severity::Medium,
                                              "object header at fragment offset {0} is invalid or truncated (qualifier {1})"};
inline constexpr AnomalyKind kTooManyObjects{"dnp3.too_many_objects", Severity::Low,
                                             "more than {0} object headers in one fragment; list truncated"};
inline constexpr AnomalyKind kUnmatchedResponse{
    "dnp3.unmatched_response", Severity::Medium,
    "solicited response with SEQ {0} from outstation {1} answers no outstanding request of that association"};

}  // namespace fg::dnp3

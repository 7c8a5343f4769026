// S7comm / S7comm-plus (and their TPKT/COTP carriage) conformance anomaly kinds.
#pragma once

#include "protocols/common/anomaly.hpp"

namespace fg::s7comm {

using proto::AnomalyKind;
using proto::Severity;

inline constexpr AnomalyKind kBadTpkt{"s7comm.bad_tpkt", Severity::Medium,
                                      "TPKT version {0} / length {1} invalid (RFC 1006 needs version 3, length >= 7)"};
inline constexpr AnomalyKind kBadCotp{"s7comm.bad_cotp", Severity::Medium,
                                      "COTP header invalid (length indicator {0}, TPDU code {1})"};
inline constexpr AnomalyKind kBadLength{"s7comm.bad_length", Severity::Medium,
                                        "S7 PDU declares {0} bytes of header+parameter+data but {1} bytes are present"};
inline constexpr AnomalyKind kUnknownRosctr{"s7comm.unknown_rosctr", Severity::Medium,
                                            "S7 ROSCTR {0} is not defined"};
inline constexpr AnomalyKind kUnknownFunction{"s7comm.unknown_function", Severity::Medium,
                                              "S7 function code {0} (ROSCTR {1}) is not defined"};
inline constexpr AnomalyKind kItemOutOfSpec{"s7comm.item_out_of_spec", Severity::Medium,
                                            "variable item {0} is malformed or truncated (syntax id/spec {1})"};
inline constexpr AnomalyKind kTooManyItems{"s7comm.too_many_items", Severity::Low,
                                           "{0} items exceed the record capacity of {1}; list truncated"};
inline constexpr AnomalyKind kReassemblyOverflow{
    "s7comm.cotp_reassembly_overflow", Severity::Medium,
    "COTP DT segments add up to {0} bytes, more than the {1} byte reassembly buffer; PDU truncated"};
inline constexpr AnomalyKind kNotS7{"s7comm.not_s7", Severity::Low,
                                    "COTP DT payload starts with protocol id {0}, neither S7comm 0x32 nor S7comm-plus 0x72"};
inline constexpr AnomalyKind kUnmatchedResponse{"s7comm.unmatched_response", Severity::Medium,
                                                "Ack/Ack_Data with PDU reference {0} (function {1}) answers no outstanding job"};
inline constexpr AnomalyKind kBadUserdata{"s7comm.bad_userdata", Severity::Medium,
                                          "userdata parameter head {0} (length {1}) is not 0x000112"};

}  // namespace fg::s7comm

// Modbus conformance anomalies (events `modbus.*`), one constexpr kind per violation.
#pragma once

#include "protocols/common/anomaly.hpp"

namespace fg::modbus {

using proto::AnomalyKind;
using proto::Severity;

// MBAP framing (Modbus Messaging on TCP/IP Implementation Guide V1.0b, 3.1.3).
// Framing errors make parse resynchronise, so they are reported once per lost-sync episode.
inline constexpr AnomalyKind kBadProtocolId{"modbus.bad_protocol_id", Severity::High,
                                            "MBAP protocol identifier {0} is not 0 (Modbus)"};
inline constexpr AnomalyKind kBadLength{"modbus.bad_length", Severity::High,
                                        "MBAP length {0} is outside 2..254"};

// Function codes (Modbus Application Protocol V1.1b3, 5.1 and 6).
inline constexpr AnomalyKind kIllegalFunction{"modbus.illegal_function", Severity::Medium,
                                              "function code {0} is reserved or unassigned"};
inline constexpr AnomalyKind kUserDefinedFunction{"modbus.user_defined_function", Severity::Info,
                                                  "user-defined function code {0}"};
inline constexpr AnomalyKind kExceptionInRequest{"modbus.exception_in_request", Severity::Medium,
                                                 "request carries exception function code {0}"};
inline constexpr AnomalyKind kBadPduLength{"modbus.bad_pdu_length", Severity::Medium,
                                           "function {0}: {1} data bytes do not fit its layout"};
inline constexpr AnomalyKind kQuantityOutOfRange{"modbus.quantity_out_of_range", Severity::Medium,
                                                 "function {0}: quantity {1} outside the spec limit"};
inline constexpr AnomalyKind kAddressOverflow{"modbus.address_overflow", Severity::Medium,
                                              "start address {0} + quantity {1} exceeds 65536"};
inline constexpr AnomalyKind kByteCountMismatch{"modbus.byte_count_mismatch", Severity::Medium,
                                                "byte count {0}, but {1} expected"};
inline constexpr AnomalyKind kBadCoilValue{"modbus.bad_coil_value", Severity::Medium,
                                           "write single coil value {0} is neither 0x0000 nor 0xFF00"};
inline constexpr AnomalyKind kBadExceptionCode{"modbus.bad_exception_code", Severity::Low,
                                               "function {0}: undefined exception code {1}"};
inline constexpr AnomalyKind kBadSubfunction{"modbus.bad_subfunction", Severity::Low,
                                             "diagnostics sub-function {0} is reserved"};
inline constexpr AnomalyKind kBadMeiType{"modbus.bad_mei_type", Severity::Low,
                                         "encapsulated interface MEI type {0} is not 13 or 14"};
inline constexpr AnomalyKind kBadFileReference{"modbus.bad_file_reference", Severity::Low,
                                               "file record sub-request reference type {0} is not 6"};

// Request/response pairing (transaction id on TCP, the single outstanding request on RTU).
inline constexpr AnomalyKind kUnmatchedResponse{"modbus.unmatched_response", Severity::Medium,
                                                "response transaction {0} function {1} has no outstanding request"};
inline constexpr AnomalyKind kResponseUnitMismatch{"modbus.response_unit_mismatch", Severity::Medium,
                                                   "response unit id {0} differs from the request's {1}"};
inline constexpr AnomalyKind kDuplicateTransactionId{"modbus.duplicate_transaction_id", Severity::Low,
                                                     "request reuses transaction {0} (unit {1}) while it is outstanding"};
inline constexpr AnomalyKind kPendingTableFull{"modbus.pending_table_full", Severity::Low,
                                               "outstanding request table full: transaction {0} evicted"};

// Modbus RTU carried over TCP (Modbus over Serial Line V1.02, 2.5.1 and 6.2.2).
inline constexpr AnomalyKind kBadRtuCrc{"modbus.bad_rtu_crc", Severity::High,
                                        "RTU frame CRC {0} does not match computed {1}"};
inline constexpr AnomalyKind kRtuUnframeable{"modbus.rtu_unframeable", Severity::Medium,
                                             "RTU function {0} (address {1}): frame length cannot be derived"};
inline constexpr AnomalyKind kBadRtuAddress{"modbus.bad_rtu_address", Severity::Low,
                                            "RTU slave address {0} is reserved (248..255)"};

}  // namespace fg::modbus

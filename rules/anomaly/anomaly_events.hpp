// Events the anomaly engines raise (rates, baseline, behaviour), as AnomalyKinds like the parsers'.
#pragma once

#include "protocols/common/anomaly.hpp"

namespace fg::anomaly::events {
using proto::AnomalyKind;
using proto::Severity;

// Worker side (dataplane guard): counted in fixed tables, one event per window and key.
inline constexpr AnomalyKind kSynFlood{"rate.syn_flood", Severity::High,
    "{0} SYNs to this server within one second (threshold {1})"};
inline constexpr AnomalyKind kConnectionFlood{"rate.connection_flood", Severity::High,
    "{0} new connections from this client within one second (threshold {1})"};
// Control side: from the audit records.
inline constexpr AnomalyKind kDeviceRequestRate{"rate.device_requests", Severity::Medium,
    "{0} requests to this server within one second (threshold {1})"};
inline constexpr AnomalyKind kFlowRequestRate{"rate.flow_requests", Severity::Medium,
    "{0} requests on this client-server pair within one second (threshold {1})"};

// Enforce mode of the learned baseline: what the baseline never saw.
inline constexpr AnomalyKind kNewPair{"baseline.new_pair", Severity::High,
    "client-server pair never seen while learning (protocol {0}, server port {1})"};
inline constexpr AnomalyKind kNewFunction{"baseline.new_function", Severity::High,
    "function/service {0} never seen on this pair while learning ({1} known)"};
inline constexpr AnomalyKind kNewUnit{"baseline.new_unit", Severity::Medium,
    "unit id / link address {0} never seen on this pair while learning ({1} known)"};
inline constexpr AnomalyKind kAddressOutsideBaseline{"baseline.address_out_of_range", Severity::Medium,
    "address {0}..{1} outside every range learned for this function on this pair"};
inline constexpr AnomalyKind kValueOutsideBaseline{"baseline.value_out_of_range", Severity::Medium,
    "written value {0} outside the range learned for this function on this pair (bound {1})"};
inline constexpr AnomalyKind kNewArea{"baseline.new_area", Severity::Medium,
    "S7 area/DB {0}/{1} (area code / DB number) never seen on this pair while learning"};
inline constexpr AnomalyKind kNewObject{"baseline.new_object", Severity::Medium,
    "DNP3 object group {0} variation {1} never seen on this pair while learning"};

// Behaviour clustering (detail names the features; see behaviour_model.hpp).
inline constexpr AnomalyKind kBehaviourOutlier{"behaviour.outlier", Severity::Medium,
    "window {0}x the learned distance threshold from the nearest cluster (x100: {1})"};

}  // namespace fg::anomaly::events

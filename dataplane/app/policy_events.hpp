// Events the rule set raises per PDU (docs/EVENTS.md): the rule that matched is the event's
// "rule", its action the event's "action".
#pragma once

#include "protocols/common/anomaly.hpp"

namespace fg::dp::policy_events {

inline constexpr proto::AnomalyKind kRuleMatch{"policy.rule_match", proto::Severity::Medium,
    "PDU matched a rule whose action is not allow (function {0})"};
// Rule 0 is the default action: no rule matched, so the event must not claim one did (low, as
// the flow-level pipeline_events::kDefaultAction whose name it shares).
inline constexpr proto::AnomalyKind kDefaultAction{"policy.default_action", proto::Severity::Low,
    "no rule matched the PDU: the default action applies (function {0})"};
inline constexpr proto::AnomalyKind kRateExceeded{"policy.rate_exceeded", proto::Severity::Medium,
    "PDU over its rule's rate limit: the rule's rate_action applies (function {0})"};

}  // namespace fg::dp::policy_events

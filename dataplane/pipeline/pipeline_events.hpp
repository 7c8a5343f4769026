// Events of the pipeline itself: undecodable frames and a full flow table.
#pragma once

#include "dataplane/decode/packet_meta.hpp"
#include "protocols/common/anomaly.hpp"

namespace fg::dp::pipeline_events {
using proto::AnomalyKind;
using proto::Severity;

inline constexpr AnomalyKind kTruncatedL2{"decode.truncated_l2", Severity::Low, "frame of {0} bytes shorter than its link header"};
inline constexpr AnomalyKind kTruncatedL3{"decode.truncated_l3", Severity::Medium, "IP header or datagram cut short in a frame of {0} bytes"};
inline constexpr AnomalyKind kBadIpVersion{"decode.bad_ip_version", Severity::Medium, "IP version disagrees with the link type (frame of {0} bytes)"};
inline constexpr AnomalyKind kBadIpHeader{"decode.bad_ip_header", Severity::Medium, "invalid IP header (frame of {0} bytes)"};
inline constexpr AnomalyKind kTruncatedL4{"decode.truncated_l4", Severity::Medium, "TCP/UDP/ICMP header cut short (frame of {0} bytes)"};
inline constexpr AnomalyKind kBadL4Header{"decode.bad_l4_header", Severity::Medium, "invalid TCP/UDP header (frame of {0} bytes)"};
inline constexpr AnomalyKind kTooManyVlans{"decode.too_many_vlans", Severity::Medium, "more than two VLAN tags (frame of {0} bytes)"};
inline constexpr AnomalyKind kUnknownLinkType{"decode.unknown_link_type", Severity::Low, "link type not understood (frame of {0} bytes)"};
inline constexpr AnomalyKind kFlowTableFull{"flow.table_full", Severity::High,
    "flow table full ({0} flows, all established): new flow not tracked, policy {1}"};

inline constexpr AnomalyKind kAclMatch{"policy.acl_match", Severity::Medium,
    "new flow matched ACL rule {0}: its action applies to the whole flow"};
// Rule 0 is the default action: no rule decided, so the event must not name one. Low, because
// with `default_action: drop` every stray flow (IPv6 ND/MLD, broadcasts) raises it.
inline constexpr AnomalyKind kDefaultAction{"policy.default_action", Severity::Low,
    "no rule matched the new flow: the default action applies to the whole flow"};

constexpr const AnomalyKind* decode_error_kind(DecodeError e) noexcept {
  switch (e) {
    case DecodeError::TruncatedL2: return &kTruncatedL2;
    case DecodeError::TruncatedL3: return &kTruncatedL3;
    case DecodeError::BadIpVersion: return &kBadIpVersion;
    case DecodeError::BadIpHeader: return &kBadIpHeader;
    case DecodeError::TruncatedL4: return &kTruncatedL4;
    case DecodeError::BadL4Header: return &kBadL4Header;
    case DecodeError::TooManyVlans: return &kTooManyVlans;
    case DecodeError::UnknownLinkType: return &kUnknownLinkType;
    case DecodeError::None: break;
  }
  return nullptr;
}

}  // namespace fg::dp::pipeline_events

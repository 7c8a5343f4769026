// OPC UA binary constants: message/chunk types, security policies and modes, service type ids.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace fg::opcua {

// UA TCP message types (Part 6 §7.1.2.2). The numeric values are the wire order of the
// enumerators in kMessageTypes, not wire bytes.
enum class MsgType : std::uint8_t { Hel, Ack, Err, Rhe, Opn, Msg, Clo };

struct MsgTypeName {
  MsgType type;
  char wire[4];  // the three ASCII bytes of the header (NUL-terminated for convenience)
};

inline constexpr MsgTypeName kMessageTypes[] = {
    {MsgType::Hel, "HEL"}, {MsgType::Ack, "ACK"}, {MsgType::Err, "ERR"}, {MsgType::Rhe, "RHE"},
    {MsgType::Opn, "OPN"}, {MsgType::Msg, "MSG"}, {MsgType::Clo, "CLO"},
};

constexpr std::string_view msg_type_name(MsgType t) noexcept {
  return std::string_view(kMessageTypes[static_cast<std::uint8_t>(t)].wire, 3);
}

// True for the types carried inside a secure channel (Part 6 §6.7.2): they have a channel id,
// a security header and a sequence header, and may be split into C/F/A chunks.
constexpr bool is_secure_message(MsgType t) noexcept {
  return t == MsgType::Opn || t == MsgType::Msg || t == MsgType::Clo;
}

// Chunk type byte (Part 6 §6.7.2.2): 'F' final, 'C' intermediate, 'A' abort.
constexpr bool is_chunk_type(std::uint8_t c) noexcept { return c == 'F' || c == 'C' || c == 'A'; }

// Part 6 §7.1.2.3: buffers "shall be at least 8192 bytes"; the endpoint URL is at most 4096.
inline constexpr std::uint32_t kMinBufferSize = 8192;
inline constexpr std::uint32_t kMaxEndpointUrlBytes = 4096;
// Framing sanity: no deployed stack negotiates chunks this large; a header claiming more is
// taken as loss of sync (resync), not as a PDU to buffer.
inline constexpr std::uint32_t kMaxSaneChunkSize = 16u * 1024u * 1024u;
inline constexpr std::uint32_t kHeaderSize = 8;

// MessageSecurityMode (Part 4); 0 here means "not known", the spec's Invalid.
enum class SecurityMode : std::uint8_t { Unknown = 0, None = 1, Sign = 2, SignAndEncrypt = 3 };

constexpr std::string_view security_mode_name(SecurityMode m) noexcept {
  switch (m) {
    case SecurityMode::None: return "None";
    case SecurityMode::Sign: return "Sign";
    case SecurityMode::SignAndEncrypt: return "SignAndEncrypt";
    case SecurityMode::Unknown: break;
  }
  return "Unknown";
}

// Security policies of Part 7; Other is a URI we do not know, Unknown means no OPN seen.
enum class SecurityPolicy : std::uint8_t {
  Unknown, None, Basic128Rsa15, Basic256, Basic256Sha256, Aes128Sha256RsaOaep,
  Aes256Sha256RsaPss, Other
};

inline constexpr std::string_view kPolicyUriPrefix = "http://opcfoundation.org/UA/SecurityPolicy#";

struct PolicyName {
  SecurityPolicy policy;
  std::string_view suffix;  // after kPolicyUriPrefix
};

inline constexpr PolicyName kPolicies[] = {
    {SecurityPolicy::None, "None"},
    {SecurityPolicy::Basic128Rsa15, "Basic128Rsa15"},
    {SecurityPolicy::Basic256, "Basic256"},
    {SecurityPolicy::Basic256Sha256, "Basic256Sha256"},
    {SecurityPolicy::Aes128Sha256RsaOaep, "Aes128_Sha256_RsaOaep"},
    {SecurityPolicy::Aes256Sha256RsaPss, "Aes256_Sha256_RsaPss"},
};

constexpr SecurityPolicy policy_from_uri(std::string_view uri) noexcept {
  if (uri.substr(0, kPolicyUriPrefix.size()) != kPolicyUriPrefix) return SecurityPolicy::Other;
  std::string_view suffix = uri.substr(kPolicyUriPrefix.size());
  for (const auto& p : kPolicies)
    if (p.suffix == suffix) return p.policy;
  return SecurityPolicy::Other;
}

constexpr std::string_view security_policy_name(SecurityPolicy p) noexcept {
  for (const auto& e : kPolicies)
    if (e.policy == p) return e.suffix;
  return p == SecurityPolicy::Other ? "Other" : "Unknown";
}

// Service encodings: the DefaultBinary encoding node ids (namespace 0) that open a message
// body (Part 6 §5.2.2.15 / §6.7.1, ids from the standard NodeIds.csv).
struct ServiceName {
  std::uint32_t id;
  std::string_view name;
};

inline constexpr ServiceName kServices[] = {
    {397, "ServiceFault"},
    {422, "FindServersRequest"}, {425, "FindServersResponse"},
    {428, "GetEndpointsRequest"}, {431, "GetEndpointsResponse"},
    {437, "RegisterServerRequest"}, {440, "RegisterServerResponse"},
    {446, "OpenSecureChannelRequest"}, {449, "OpenSecureChannelResponse"},
    {452, "CloseSecureChannelRequest"}, {455, "CloseSecureChannelResponse"},
    {461, "CreateSessionRequest"}, {464, "CreateSessionResponse"},
    {467, "ActivateSessionRequest"}, {470, "ActivateSessionResponse"},
    {473, "CloseSessionRequest"}, {476, "CloseSessionResponse"},
    {479, "CancelRequest"}, {482, "CancelResponse"},
    {488, "AddNodesRequest"}, {491, "AddNodesResponse"},
    {494, "AddReferencesRequest"}, {497, "AddReferencesResponse"},
    {500, "DeleteNodesRequest"}, {503, "DeleteNodesResponse"},
    {506, "DeleteReferencesRequest"}, {509, "DeleteReferencesResponse"},
    {527, "BrowseRequest"}, {530, "BrowseResponse"},
    {533, "BrowseNextRequest"}, {536, "BrowseNextResponse"},
    {554, "TranslateBrowsePathsToNodeIdsRequest"}, {557, "TranslateBrowsePathsToNodeIdsResponse"},
    {560, "RegisterNodesRequest"}, {563, "RegisterNodesResponse"},
    {566, "UnregisterNodesRequest"}, {569, "UnregisterNodesResponse"},
    {615, "QueryFirstRequest"}, {618, "QueryFirstResponse"},
    {621, "QueryNextRequest"}, {624, "QueryNextResponse"},
    {631, "ReadRequest"}, {634, "ReadResponse"},
    {664, "HistoryReadRequest"}, {667, "HistoryReadResponse"},
    {673, "WriteRequest"}, {676, "WriteResponse"},
    {700, "HistoryUpdateRequest"}, {703, "HistoryUpdateResponse"},
    {712, "CallRequest"}, {715, "CallResponse"},
    {751, "CreateMonitoredItemsRequest"}, {754, "CreateMonitoredItemsResponse"},
    {763, "ModifyMonitoredItemsRequest"}, {766, "ModifyMonitoredItemsResponse"},
    {769, "SetMonitoringModeRequest"}, {772, "SetMonitoringModeResponse"},
    {775, "SetTriggeringRequest"}, {778, "SetTriggeringResponse"},
    {781, "DeleteMonitoredItemsRequest"}, {784, "DeleteMonitoredItemsResponse"},
    {787, "CreateSubscriptionRequest"}, {790, "CreateSubscriptionResponse"},
    {793, "ModifySubscriptionRequest"}, {796, "ModifySubscriptionResponse"},
    {799, "SetPublishingModeRequest"}, {802, "SetPublishingModeResponse"},
    {826, "PublishRequest"}, {829, "PublishResponse"},
    {832, "RepublishRequest"}, {835, "RepublishResponse"},
    {841, "TransferSubscriptionsRequest"}, {844, "TransferSubscriptionsResponse"},
    {847, "DeleteSubscriptionsRequest"}, {850, "DeleteSubscriptionsResponse"},
    {12208, "FindServersOnNetworkRequest"}, {12209, "FindServersOnNetworkResponse"},
    {12211, "RegisterServer2Request"}, {12212, "RegisterServer2Response"},
};

inline constexpr std::uint32_t kOpenSecureChannelRequest = 446;
inline constexpr std::uint32_t kOpenSecureChannelResponse = 449;

// Empty when the id is not a standard service encoding. kServices is sorted by id (checked by
// a static_assert in service_table.cpp), so this is a binary search.
constexpr std::size_t service_index(std::uint32_t id) noexcept {
  std::size_t lo = 0, hi = std::size(kServices);
  while (lo < hi) {
    std::size_t mid = (lo + hi) / 2;
    if (kServices[mid].id == id) return mid;
    if (kServices[mid].id < id) lo = mid + 1; else hi = mid;
  }
  return std::size(kServices);
}
constexpr std::string_view service_name(std::uint32_t id) noexcept {
  const std::size_t i = service_index(id);
  return i < std::size(kServices) ? kServices[i].name : std::string_view{};
}

// The response encoding that answers a request encoding (Part 4 §5: every service is a
// Request/Response pair; kServices lists each request right before its response, checked
// below), or 0 when `request` is no standard request. ServiceFault may answer any request as
// well. Per paired OPC UA response: a binary search, not a walk of the table.
constexpr std::uint32_t response_for(std::uint32_t request) noexcept {
  const std::size_t i = service_index(request);
  return i + 1 < std::size(kServices) && kServices[i].name.ends_with("Request") ? kServices[i + 1].id : 0;
}
constexpr bool services_paired() noexcept {
  for (std::size_t i = 0; i < std::size(kServices); ++i) {
    const std::string_view n = kServices[i].name;
    if (!n.ends_with("Request")) continue;
    const std::string_view stem = n.substr(0, n.size() - 7);
    if (i + 1 == std::size(kServices)) return false;
    const std::string_view r = kServices[i + 1].name;
    if (r.size() != stem.size() + 8 || !r.starts_with(stem) || !r.ends_with("Response")) return false;
  }
  return true;
}
static_assert(services_paired(), "kServices: every XRequest must be followed by its XResponse");
static_assert(response_for(631) == 634 && response_for(12211) == 12212 && response_for(634) == 0);

// Whether a standard service encoding opens a request or a response (Part 4 §5: every service
// is a Request/Response pair; ServiceFault, Part 4 §7.33, may answer any request).
enum class ServiceRole : std::uint8_t { Other, Request, Response };
inline constexpr std::uint32_t kServiceFault = 397;

// Per MSG chunk on the hot path: the role is one bit test in tables built at compile time
// from kServices (1.5 KiB each: the standard ids stay below 12288).
namespace detail {
inline constexpr std::uint32_t kRoleIdLimit = 12288;
using RoleBits = std::array<std::uint64_t, kRoleIdLimit / 64>;
constexpr RoleBits role_bits(std::string_view suffix) noexcept {
  RoleBits bits{};
  for (const auto& s : kServices)
    if (s.name.ends_with(suffix) || (suffix == "Response" && s.id == kServiceFault))
      bits[s.id / 64] |= std::uint64_t{1} << (s.id % 64);
  return bits;
}
inline constexpr RoleBits kRequestIds = role_bits("Request");
inline constexpr RoleBits kResponseIds = role_bits("Response");
constexpr bool roles_cover_services() noexcept {
  for (const auto& s : kServices)
    if (s.id >= kRoleIdLimit) return false;
  return true;
}
static_assert(roles_cover_services(), "raise kRoleIdLimit: a service id is beyond it");
}  // namespace detail

constexpr ServiceRole service_role(std::uint32_t id) noexcept {
  if (id >= detail::kRoleIdLimit) return ServiceRole::Other;
  const std::uint64_t bit = std::uint64_t{1} << (id % 64);
  if ((detail::kResponseIds[id / 64] & bit) != 0) return ServiceRole::Response;
  if ((detail::kRequestIds[id / 64] & bit) != 0) return ServiceRole::Request;
  return ServiceRole::Other;
}
static_assert(service_role(397) == ServiceRole::Response && service_role(631) == ServiceRole::Request &&
              service_role(634) == ServiceRole::Response && service_role(12212) == ServiceRole::Response &&
              service_role(0) == ServiceRole::Other && service_role(632) == ServiceRole::Other);

constexpr bool services_sorted() noexcept {
  for (std::size_t i = 1; i < std::size(kServices); ++i)
    if (kServices[i - 1].id >= kServices[i].id) return false;
  return true;
}
static_assert(services_sorted(), "kServices must stay sorted by id for service_name()");

}  // namespace fg::opcua

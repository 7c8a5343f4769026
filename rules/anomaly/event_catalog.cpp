#include "rules/anomaly/event_catalog.hpp"

#include "dataplane/app/app_events.hpp"
#include "dataplane/pipeline/pipeline_events.hpp"
#include "dataplane/tcp/tcp_events.hpp"
#include "protocols/dnp3/anomalies.hpp"
#include "protocols/modbus/anomalies.hpp"
#include "protocols/opcua/anomalies.hpp"
#include "protocols/s7comm/anomalies.hpp"
#include "rules/anomaly/anomaly_events.hpp"

namespace fg::anomaly {

namespace {

namespace ap = dp::app_events;
namespace pe = dp::pipeline_events;
namespace te = dp::tcp_events;
namespace ev = events;

// Ids by range: 1xxx Modbus, 2xxx S7comm, 3xxx OPC UA, 4xxx DNP3, 5xxx app layer,
// 6xxx decode/flow/policy, 7xxx TCP, 8xxx anomaly engines. New kinds take the next free id
// of their range; an id once published keeps its meaning.
constexpr CatalogEntry kCatalog[] = {
    {1001, &modbus::kBadProtocolId, true},
    {1002, &modbus::kBadLength, true},
    {1003, &modbus::kIllegalFunction, true},
    {1004, &modbus::kUserDefinedFunction, true},
    {1005, &modbus::kExceptionInRequest, true},
    {1006, &modbus::kBadPduLength, true},
    {1007, &modbus::kQuantityOutOfRange, true},
    {1008, &modbus::kAddressOverflow, true},
    {1009, &modbus::kByteCountMismatch, true},
    {1010, &modbus::kBadCoilValue, true},
    {1011, &modbus::kBadExceptionCode, true},
    {1012, &modbus::kBadSubfunction, true},
    {1013, &modbus::kBadMeiType, true},
    {1014, &modbus::kBadFileReference, true},
    {1015, &modbus::kUnmatchedResponse, true},
    {1016, &modbus::kResponseUnitMismatch, true},
    {1017, &modbus::kDuplicateTransactionId, true},
    {1018, &modbus::kPendingTableFull, true},
    {1019, &modbus::kBadRtuCrc, true},
    {1020, &modbus::kRtuUnframeable, true},
    {1021, &modbus::kBadRtuAddress, true},
    {2001, &s7comm::kBadTpkt, true},
    {2002, &s7comm::kBadCotp, true},
    {2003, &s7comm::kBadLength, true},
    {2004, &s7comm::kUnknownRosctr, true},
    {2005, &s7comm::kUnknownFunction, true},
    {2006, &s7comm::kItemOutOfSpec, true},
    {2007, &s7comm::kTooManyItems, true},
    {2008, &s7comm::kReassemblyOverflow, true},
    {2009, &s7comm::kNotS7, true},
    {2010, &s7comm::kBadUserdata, true},
    {2011, &s7comm::kUnmatchedResponse, true},
    {3001, &opcua::kBadMessageType, true},
    {3002, &opcua::kBadChunkSize, true},
    {3003, &opcua::kBadChunkType, true},
    {3004, &opcua::kChunkTooSmall, true},
    {3005, &opcua::kBadHello, true},
    {3006, &opcua::kBadString, true},
    {3007, &opcua::kBadServiceNodeId, true},
    {3008, &opcua::kUnexpectedMessage, true},
    {3009, &opcua::kChunkTooLarge, true},
    {3010, &opcua::kMessageTooLarge, true},
    {3011, &opcua::kTooManyChunks, true},
    {3012, &opcua::kTooManyPartialMessages, true},
    {3013, &opcua::kSequenceGap, true},
    {3014, &opcua::kOrphanChunk, true},
    {3015, &opcua::kUnmatchedResponse, true},
    {3016, &opcua::kResponseTypeMismatch, true},
    {4001, &dnp3::kBadStart, true},
    {4002, &dnp3::kBadLinkCrc, true},
    {4003, &dnp3::kBadDataCrc, true},
    {4004, &dnp3::kBadLength, true},
    {4005, &dnp3::kUnknownLinkFunction, true},
    {4006, &dnp3::kTransportOutOfSequence, true},
    {4007, &dnp3::kFragmentTooLarge, true},
    {4008, &dnp3::kFragmentAbandoned, true},
    {4009, &dnp3::kUnknownFunction, true},
    {4010, &dnp3::kShortFragment, true},
    {4011, &dnp3::kBadObjectHeader, true},
    {4012, &dnp3::kTooManyObjects, true},
    {4013, &dnp3::kUnmatchedResponse, true},
    {5001, &ap::kModbusNonConforming, true},
    {5002, &ap::kS7NonConforming, true},
    {5003, &ap::kOpcuaNonConforming, true},
    {5004, &ap::kDnp3NonConforming, true},
    {5005, &ap::kStatePoolExhausted, false},
    {6001, &pe::kTruncatedL2, false},
    {6002, &pe::kTruncatedL3, false},
    {6003, &pe::kBadIpVersion, false},
    {6004, &pe::kBadIpHeader, false},
    {6005, &pe::kTruncatedL4, false},
    {6006, &pe::kBadL4Header, false},
    {6007, &pe::kTooManyVlans, false},
    {6008, &pe::kUnknownLinkType, false},
    {6009, &pe::kFlowTableFull, false},
    {6010, &pe::kAclMatch, false},
    {6011, &pe::kDefaultAction, false},
    {7001, &te::kOutOfWindow, false},
    {7002, &te::kRstOutOfWindow, false},
    {7003, &te::kOverlapMismatch, false},
    {7004, &te::kReassemblyOverflow, false},
    {7005, &te::kBufferPoolExhausted, false},
    {7006, &te::kDataMissing, false},
    {7007, &te::kBadSynAck, false},
    {7008, &te::kDataBeforeHandshake, false},
    {8001, &ev::kSynFlood, false},
    {8002, &ev::kConnectionFlood, false},
    {8003, &ev::kDeviceRequestRate, false},
    {8004, &ev::kFlowRequestRate, false},
    {8101, &ev::kNewPair, false},
    {8102, &ev::kNewFunction, false},
    {8103, &ev::kNewUnit, false},
    {8104, &ev::kAddressOutsideBaseline, false},
    {8105, &ev::kNewArea, false},
    {8106, &ev::kNewObject, false},
    {8107, &ev::kValueOutsideBaseline, false},
    {8201, &ev::kBehaviourOutlier, false},
};

}  // namespace

std::span<const CatalogEntry> event_catalog() noexcept { return kCatalog; }

const CatalogEntry* find_event(const proto::AnomalyKind* kind) noexcept {
  for (const auto& e : kCatalog)
    if (e.kind == kind) return &e;
  return nullptr;
}

const CatalogEntry* find_event(std::string_view name) noexcept {
  for (const auto& e : kCatalog)
    if (e.kind->name == name) return &e;
  return nullptr;
}

}  // namespace fg::anomaly

// Readers for the OPC UA binary built-in types a chunk header and request header use (Part 6 §5.2).
#pragma once

#include <cstdint>

#include "protocols/common/bytes.hpp"

namespace fg::opcua {

// String / ByteString (Part 6 §5.2.2.4/7): Int32 length, -1 = null, then the bytes.
struct UaString {
  bool ok = false;         // the length fits the bytes left
  std::int32_t len = -1;   // as on the wire
  std::uint32_t left = 0;  // bytes that were left after the length, for the anomaly
  proto::Bytes bytes;
};

inline UaString read_string(proto::Reader& r) noexcept {
  UaString s;
  s.len = static_cast<std::int32_t>(r.le32());
  if (!r.ok()) return s;
  s.left = static_cast<std::uint32_t>(r.remaining());
  if (s.len < 0) {  // -1 is null; other negatives are decoded as null too (Part 6 §5.2.2.4)
    s.ok = true;
    return s;
  }
  if (static_cast<std::uint32_t>(s.len) > s.left) {
    r.skip(r.remaining() + 1);  // poison the reader: the rest of the body is not trustworthy
    return s;
  }
  s.bytes = r.take(static_cast<std::size_t>(s.len));
  s.ok = r.ok();
  return s;
}

// NodeId (Part 6 §5.2.2.9). Only numeric forms yield an id; other forms are skipped.
struct NodeId {
  bool ok = false;
  bool numeric = false;
  std::uint8_t encoding = 0;
  std::uint16_t ns = 0;
  std::uint32_t id = 0;
};

inline NodeId read_node_id(proto::Reader& r) noexcept {
  NodeId n;
  n.encoding = r.u8();
  switch (n.encoding) {
    case 0x00: n.numeric = true; n.id = r.u8(); break;
    case 0x01: n.numeric = true; n.ns = r.u8(); n.id = r.le16(); break;
    case 0x02: n.numeric = true; n.ns = r.le16(); n.id = r.le32(); break;
    case 0x03: n.ns = r.le16(); (void)read_string(r); break;
    case 0x04: n.ns = r.le16(); r.skip(16); break;
    case 0x05: n.ns = r.le16(); (void)read_string(r); break;
    default: return n;  // ExpandedNodeId flags or garbage: not a plain NodeId
  }
  n.ok = r.ok();
  return n;
}

// ExtensionObject (Part 6 §5.2.2.15): type NodeId, encoding byte, optional ByteString body.
inline bool skip_extension_object(proto::Reader& r) noexcept {
  if (!read_node_id(r).ok) return false;
  std::uint8_t enc = r.u8();
  if (enc == 1 || enc == 2) (void)read_string(r);
  else if (enc != 0) return false;
  return r.ok();
}

// RequestHeader (Part 4, encoded per Part 6 §5.2): skipped to reach a request's fields.
inline bool skip_request_header(proto::Reader& r) noexcept {
  if (!read_node_id(r).ok) return false;  // authenticationToken
  r.skip(8);                              // timestamp
  r.skip(4);                              // requestHandle
  r.skip(4);                              // returnDiagnostics
  if (!read_string(r).ok) return false;   // auditEntryId
  r.skip(4);                              // timeoutHint
  return skip_extension_object(r);        // additionalHeader
}

}  // namespace fg::opcua

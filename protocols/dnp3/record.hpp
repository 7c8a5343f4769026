// The audit record of one DNP3 link-layer frame (plus its application fragment when it completes one).
#pragma once

#include <cstdint>
#include <type_traits>

#include "protocols/common/stream.hpp"

namespace fg::dnp3 {

// Covers every capture of the shared set (at most 18 headers per fragment); beyond it the
// record keeps the first kMaxObjects and sets `objects_truncated`.
inline constexpr std::uint8_t kMaxObjects = 32;

// One application object header (IEEE 1815 clause 4.2.2.7).
struct ObjectHeader {
  std::uint8_t group = 0;
  std::uint8_t variation = 0;
  std::uint8_t qualifier = 0;  // prefix code in bits 4-6, range specifier in bits 0-3
  bool has_range = false;      // false for range specifier 6 (all objects) or a bad header
  bool range_is_count = false; // true: `count` is meaningful; false: `start`/`stop`
  std::uint32_t start = 0;
  std::uint32_t stop = 0;
  std::uint32_t count = 0;
};

struct Record {
  proto::Protocol protocol = proto::Protocol::Dnp3;

  // Link layer (clause 9.2).
  std::uint8_t length = 0;         // dnp3.len
  std::uint8_t link_control = 0;
  std::uint8_t link_function = 0;  // dnp3.ctl.prifunc or dnp3.ctl.secfunc, by `prm`
  bool dir = false;
  bool prm = false;
  bool fcb = false;
  bool fcv_dfc = false;            // FCV when prm, DFC otherwise
  std::uint16_t link_dst = 0;
  std::uint16_t link_src = 0;
  bool crc_ok = true;              // every data block CRC good (header CRC is always good here)

  // Transport layer (clause 8), present when the frame carries user data.
  bool has_transport = false;
  bool transport_fir = false;
  bool transport_fin = false;
  std::uint8_t transport_seq = 0;

  // Application layer (clause 4), present when this frame completed a fragment.
  bool has_app = false;
  std::uint8_t app_control = 0;    // dnp3.al.ctl
  std::uint8_t app_function = 0;   // dnp3.al.func
  bool has_iin = false;
  std::uint16_t iin = 0;           // dnp3.al.iin: IIN1 in the high octet, IIN2 in the low
  std::uint16_t fragment_length = 0;
  bool objects_incomplete = false; // walk stopped at an object whose size is unknown
  bool objects_truncated = false;  // more than kMaxObjects headers
  bool objects_malformed = false;  // a header or its data ran past the fragment, or was invalid
  std::uint8_t object_count = 0;
  ObjectHeader objects[kMaxObjects] = {};
};

static_assert(std::is_trivially_copyable_v<Record>);
static_assert(sizeof(Record) <= 1024, "records are copied into rings: keep them small");

}  // namespace fg::dnp3

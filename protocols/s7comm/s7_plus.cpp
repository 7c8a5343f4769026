// S7comm-plus header: 0x72, version, 16-bit data length, [V3: digest length + digest], opcode.
#include "protocols/s7comm/s7_plus.hpp"

#include "protocols/s7comm/codes.hpp"

namespace fg::s7comm {

void decode_s7_plus(proto::Bytes pdu, Record& r) noexcept {
  proto::Reader rd(pdu);
  (void)rd.u8();  // protocol id 0x72
  r.plus_version = rd.u8();
  r.plus_data_length = rd.be16();
  if (!rd.ok()) return;
  // V3 sessions put an integrity part (length octet, then a 32-byte digest) before the opcode.
  if (r.plus_version >= 3 && rd.has(1) && rd.rest()[0] == kPlusDigestLength) {
    rd.skip(1u + kPlusDigestLength);
    if (!rd.ok()) return;
    r.plus_integrity = true;
  }
  r.plus_opcode = rd.u8();
  if (!rd.ok()) return;
  r.has_plus_opcode = true;
  if (r.plus_opcode == kPlusRequest || r.plus_opcode == kPlusResponse) {
    (void)rd.be16();  // reserved
    std::uint16_t function = rd.be16();
    (void)rd.be16();  // reserved
    std::uint16_t seq = rd.be16();
    if (!rd.ok()) return;
    r.has_plus_function = true;
    r.plus_function = function;
    r.plus_seq = seq;
  }
}

}  // namespace fg::s7comm

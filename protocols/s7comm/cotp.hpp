// COTP (ISO 8073 class 0) header decoding of one TPKT's payload into a Record.
#pragma once

#include "protocols/common/bytes.hpp"
#include "protocols/s7comm/record.hpp"

namespace fg::s7comm {

struct CotpHeader {
  bool ok = false;           // length indicator and TPDU code are valid and fit
  std::uint8_t length_indicator = 0;
  std::uint8_t code = 0;     // full TPDU code octet with the credit nibble cleared
  proto::Bytes user_data;    // DT: the bytes after the header (empty for other TPDUs)
};

// Decodes the COTP header at the front of `tpdu` (the TPKT payload) and fills the COTP fields
// of `r` (type, EOT/TPDU number, references, class, TSAPs, TPDU size).
[[nodiscard]] CotpHeader decode_cotp(proto::Bytes tpdu, Record& r) noexcept;

}  // namespace fg::s7comm

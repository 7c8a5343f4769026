// COTP header decoding: fixed part per TPDU code, then the variable part's parameters.
#include "protocols/s7comm/cotp.hpp"

#include <algorithm>

#include "protocols/s7comm/codes.hpp"

namespace fg::s7comm {
namespace {

void copy_tsap(proto::Bytes v, std::uint8_t* dst, std::uint8_t& len, Record& r) noexcept {
  std::size_t n = std::min(v.size(), kMaxTsap);
  if (n < v.size()) r.truncated = true;
  std::copy_n(v.data(), n, dst);
  len = static_cast<std::uint8_t>(n);
}

// Parameters (code, length, value) of CR/CC/DR/ER variable parts; unknown ones are skipped.
void decode_params(proto::Reader rd, Record& r) noexcept {
  while (rd.remaining() >= 2) {
    std::uint8_t code = rd.u8();
    std::uint8_t len = rd.u8();
    proto::Bytes v = rd.take(len);
    if (!rd.ok()) return;
    switch (code) {
      case kParamTpduSize:
        if (len == 1) r.tpdu_size = v[0];
        break;
      case kParamSrcTsap: copy_tsap(v, r.src_tsap, r.src_tsap_len, r); break;
      case kParamDstTsap: copy_tsap(v, r.dst_tsap, r.dst_tsap_len, r); break;
      default: break;
    }
  }
}

}  // namespace

CotpHeader decode_cotp(proto::Bytes tpdu, Record& r) noexcept {
  CotpHeader h;
  proto::Reader rd(tpdu);
  h.length_indicator = rd.u8();
  std::uint8_t raw = rd.u8();
  if (!rd.ok()) return h;
  // CR and CC carry the credit (CDT) in the low nibble; other codes use it as part of the code
  // only for AK/RJ in higher classes, so the high nibble identifies the TPDU.
  h.code = raw & 0xf0;
  if (!is_cotp_code(h.code) || h.length_indicator < 2 || h.length_indicator == 0xff ||
      std::size_t{h.length_indicator} + 1 > tpdu.size()) {
    return h;
  }
  r.has_cotp = true;
  r.cotp_type = static_cast<std::uint8_t>(h.code >> 4);
  proto::Reader hdr(tpdu.subspan(2, h.length_indicator - 1u));  // rest of the header after the code
  switch (h.code) {
    case kCotpDt: {
      std::uint8_t nr = hdr.u8();  // class 0/1: EOT bit + 7-bit TPDU number
      if (!hdr.ok()) return h;
      r.cotp_eot = (nr & 0x80) != 0;
      r.tpdu_number = nr & 0x7f;
      h.user_data = tpdu.subspan(std::size_t{h.length_indicator} + 1);
      break;
    }
    case kCotpCr:
    case kCotpCc:
    case kCotpDr:
    case kCotpDc: {
      r.dst_ref = hdr.be16();
      r.src_ref = hdr.be16();
      if (!hdr.ok()) return h;
      r.has_refs = true;
      if (h.code == kCotpCr || h.code == kCotpCc || h.code == kCotpDr) {
        std::uint8_t b = hdr.u8();  // CR/CC: class and options; DR: the reason
        if (!hdr.ok()) return h;
        if (h.code != kCotpDr) r.class_option = b;
        decode_params(proto::Reader(hdr.rest()), r);
      }
      break;
    }
    case kCotpEr: {
      r.dst_ref = hdr.be16();
      (void)hdr.u8();  // reject cause
      if (!hdr.ok()) return h;
      decode_params(proto::Reader(hdr.rest()), r);
      break;
    }
    default:
      break;  // ED/AK/EA/RJ belong to classes above 0: recognised by code only
  }
  h.ok = true;
  return h;
}

}  // namespace fg::s7comm

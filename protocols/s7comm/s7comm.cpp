// TPKT framing, COTP DT reassembly and dispatch to the S7comm / S7comm-plus decoders.
#include "protocols/s7comm/s7comm.hpp"

#include <algorithm>

#include "protocols/s7comm/codes.hpp"
#include "protocols/s7comm/cotp.hpp"
#include "protocols/s7comm/s7_pdu.hpp"
#include "protocols/s7comm/s7_plus.hpp"

namespace fg::s7comm {
namespace {

using proto::Bytes;
using proto::Detect;
using proto::ParseResult;
using proto::Status;

// detect() steps over at most this many empty DTs before it settles for Maybe.
constexpr int kDetectMaxTpkts = 4;

// Offset of the next plausible TPKT start (0x03 0x00) after the front, or the whole input
// (keeping a trailing 0x03 that may start one).
std::uint32_t resync_offset(Bytes in) noexcept {
  for (std::size_t i = 1; i < in.size(); ++i) {
    if (in[i] == kTpktVersion && (i + 1 == in.size() || in[i + 1] == 0)) return static_cast<std::uint32_t>(i);
  }
  return static_cast<std::uint32_t>(in.size());
}

// Pairs jobs with their Ack/Ack_Data by PDU reference; reports answers to nothing. A reference
// used by two outstanding jobs pairs in order; a full table forgets its oldest job.
void pair_job(const Record& r, JobPairing& p, proto::Sink<Record>& sink) noexcept {
  if (r.rosctr == kRosctrJob) {
    p.add(r.pdu_ref);
    return;
  }
  if (r.rosctr != kRosctrAck && r.rosctr != kRosctrAckData) return;
  if (const std::uint16_t* job = p.find([&](std::uint16_t ref) { return ref == r.pdu_ref; })) {
    p.retire(job);
    return;
  }
  if (p.seen_request()) sink.on_anomaly(proto::Anomaly{&kUnmatchedResponse, r.pdu_ref, r.has_function ? r.function : -1});
}

void decode_payload(Bytes msg, Record& r, JobPairing& jobs, proto::Sink<Record>& sink) noexcept {
  r.payload_length = static_cast<std::uint32_t>(msg.size());
  if (msg.empty()) return;
  if (msg[0] == kS7ProtocolId) {
    decode_s7(msg, r, sink);
    if (r.has_s7) pair_job(r, jobs, sink);
  } else if (msg[0] == kS7PlusProtocolId) {
    r.protocol = proto::Protocol::S7commPlus;
    decode_s7_plus(msg, r);
  } else {
    sink.on_anomaly(proto::Anomaly{&kNotS7, msg[0], 0});
  }
}

// Hands the DT user data to the decoders, through the direction's buffer when earlier DTs
// of the same message are pending.
void on_dt(Bytes user_data, DirState& ds, JobPairing& jobs, Record& r, proto::Sink<Record>& sink) noexcept {
  if (!r.cotp_eot || ds.pending) {
    std::size_t room = kReassemblyMax - std::min<std::size_t>(ds.total, kReassemblyMax);
    std::size_t n = std::min(room, user_data.size());
    std::copy_n(user_data.data(), n, ds.buf + std::min<std::size_t>(ds.total, kReassemblyMax));
    bool was_over = ds.total > kReassemblyMax;
    ds.total = std::min<std::uint32_t>(ds.total + static_cast<std::uint32_t>(user_data.size()), 0x7fffffff);
    if (ds.total > kReassemblyMax && !was_over) {
      sink.on_anomaly(proto::Anomaly{&kReassemblyOverflow, ds.total, kReassemblyMax});
    }
    if (!r.cotp_eot) {
      // Empty DTs without EOT are keep-alives (S7 stacks send them between PDUs): not a start.
      ds.pending = ds.pending || !user_data.empty();
      return;
    }
    r.reassembled = true;
    r.reassembly_overflow = ds.total > kReassemblyMax;
    decode_payload(Bytes(ds.buf, std::min<std::size_t>(ds.total, kReassemblyMax)), r, jobs, sink);
    ds.total = 0;
    ds.pending = false;
    return;
  }
  decode_payload(user_data, r, jobs, sink);
}

// One TPKT as detect() sees it: Yes/No, Maybe if incomplete, or "continue" for an empty DT.
enum class TpktVerdict { Yes, No, Maybe, Next };

// CR/CC must carry well-formed parameters including a TSAP (every S7 client and server sends
// them; class 0 allows no user data), which tells S7 from e.g. an RDP connection request whose
// cookie does not parse as parameters. DR/DC/ER need only a well-formed fixed part.
TpktVerdict classify_connection_tpdu(Bytes in, std::uint8_t code, std::uint8_t li) noexcept {
  constexpr std::size_t kFixed = 4 + 1 + 6;  // TPKT, LI, code .. class option
  if (li < 6 && code != kCotpEr) return TpktVerdict::No;
  if (code != kCotpCr && code != kCotpCc) return TpktVerdict::Yes;
  std::size_t end = std::size_t{li} + 5;
  if (in.size() < end) return TpktVerdict::Maybe;
  proto::Reader rd(in.subspan(kFixed, end - kFixed));
  bool tsap = false;
  while (rd.remaining() > 0) {
    std::uint8_t param = rd.u8();
    std::uint8_t len = rd.u8();
    rd.skip(len);
    if (!rd.ok()) return TpktVerdict::No;
    tsap = tsap || param == kParamSrcTsap || param == kParamDstTsap;
  }
  return tsap ? TpktVerdict::Yes : TpktVerdict::No;
}

TpktVerdict classify_tpkt(Bytes in, std::size_t& length) noexcept {
  if (in.size() >= 1 && in[0] != kTpktVersion) return TpktVerdict::No;
  if (in.size() >= 2 && in[1] != 0) return TpktVerdict::No;
  if (in.size() < 4) return TpktVerdict::Maybe;
  length = proto::load_be16(in.data() + 2);
  if (length < kTpktMinLength) return TpktVerdict::No;
  if (in.size() < 6) return TpktVerdict::Maybe;
  std::uint8_t li = in[4];
  std::uint8_t code = in[5] & 0xf0;
  if (!is_cotp_code(code) || li < 2 || std::size_t{li} + 5 > length) return TpktVerdict::No;
  if (code != kCotpDt) return classify_connection_tpdu(in, code, li);
  std::size_t payload = std::size_t{li} + 5;
  if (payload == length) return TpktVerdict::Next;  // empty DT: says nothing about S7
  if (in.size() <= payload) return TpktVerdict::Maybe;
  std::uint8_t pid = in[payload];
  if (pid == kS7PlusProtocolId) return TpktVerdict::Yes;
  if (pid != kS7ProtocolId) return TpktVerdict::No;
  if (in.size() <= payload + 1) return TpktVerdict::Maybe;
  return is_rosctr(in[payload + 1]) ? TpktVerdict::Yes : TpktVerdict::No;
}

}  // namespace

Detect detect(Bytes first, proto::Direction) noexcept {
  bool empty_dt = false;  // a complete, valid, empty DT (ISO-on-TCP keep-alive) was seen
  for (int i = 0; i < kDetectMaxTpkts; ++i) {
    std::size_t length = 0;
    switch (classify_tpkt(first, length)) {
      case TpktVerdict::Yes: return Detect::Yes;
      case TpktVerdict::No: return Detect::No;
      case TpktVerdict::Maybe: return empty_dt && first.empty() ? Detect::Yes : Detect::Maybe;
      case TpktVerdict::Next:
        if (first.size() < length) return Detect::Maybe;
        first = first.subspan(length);
        empty_dt = true;
        break;
    }
  }
  return Detect::Yes;
}

ParseResult parse(Bytes in, proto::Direction dir, FlowState& st, proto::Sink<Record>& sink) noexcept {
  if (in.empty()) return {Status::NeedMore, 0, kTpktMinLength};
  if (in[0] != kTpktVersion || (in.size() >= 2 && in[1] != 0)) {
    sink.on_anomaly(proto::Anomaly{&kBadTpkt, in[0], in.size() >= 4 ? proto::load_be16(in.data() + 2) : -1});
    return {Status::Malformed, resync_offset(in), 0};
  }
  if (in.size() < 4) return {Status::NeedMore, 0, kTpktMinLength};
  std::uint16_t length = proto::load_be16(in.data() + 2);
  if (length < kTpktMinLength) {
    sink.on_anomaly(proto::Anomaly{&kBadTpkt, in[0], length});
    return {Status::Malformed, resync_offset(in), 0};
  }
  if (in.size() < length) return {Status::NeedMore, 0, length};

  Record r;
  r.tpkt_length = length;
  Bytes tpdu = in.subspan(4, length - 4u);
  CotpHeader h = decode_cotp(tpdu, r);
  if (!h.ok) {
    sink.on_anomaly(proto::Anomaly{&kBadCotp, h.length_indicator, h.code});
  } else if (h.code == kCotpDt) {
    on_dt(h.user_data, st.dir[dir == proto::Direction::ToServer ? 0 : 1], st.jobs, r, sink);
  }
  sink.on_record(r);
  return {Status::Ok, length, 0};
}

}  // namespace fg::s7comm

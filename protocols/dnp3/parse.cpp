// DNP3 link layer framing and transport reassembly (IEEE 1815 clauses 8 and 9), and detection.
#include <cstring>

#include "protocols/dnp3/application.hpp"
#include "protocols/dnp3/crc.hpp"
#include "protocols/dnp3/dnp3.hpp"
#include "protocols/dnp3/pairing.hpp"

namespace fg::dnp3 {
namespace {

constexpr std::uint8_t kStart0 = 0x05;
constexpr std::uint8_t kStart1 = 0x64;
constexpr std::uint32_t kHeaderOctets = 10;  // start(2) length control dst(2) src(2) crc(2)
constexpr std::uint32_t kBlockOctets = 16;
constexpr std::uint8_t kMinLength = 5;       // control + addresses: a frame without user data

constexpr std::uint8_t kDirBit = 0x80, kPrmBit = 0x40, kFcbBit = 0x20, kFcvBit = 0x10;
constexpr std::uint8_t kFinBit = 0x80, kFirBit = 0x40, kSeqMask = 0x3f;

// Link functions of clause 9.2.4.1.3: primary 0-4 and 9 (3: confirmed and 4: unconfirmed user
// data), secondary 0, 1, 11 and 15.
constexpr bool is_known_link_function(bool prm, std::uint8_t f) noexcept {
  return prm ? (f <= 4 || f == 9) : (f == 0 || f == 1 || f == 11 || f == 15);
}

// Octets a frame of link length `len` (>= 5) occupies on the wire.
constexpr std::uint32_t frame_octets(std::uint8_t len) noexcept {
  const std::uint32_t user = len - kMinLength;
  return kHeaderOctets + user + 2 * ((user + kBlockOctets - 1) / kBlockOctets);
}

// Bytes to skip to reach the next 0x05 0x64 after the front; keeps a trailing 0x05 that may
// start a frame whose next byte has not arrived. Always > 0 for inputs of 2 bytes or more.
std::uint32_t resync_distance(proto::Bytes in) noexcept {
  for (std::size_t i = 1; i + 1 < in.size(); ++i) {
    if (in[i] == kStart0 && in[i + 1] == kStart1) return static_cast<std::uint32_t>(i);
  }
  const std::size_t keep = in.back() == kStart0 ? 1 : 0;
  return static_cast<std::uint32_t>(in.size() - keep);
}

bool header_crc_ok(proto::Bytes in) noexcept {
  return crc_matches(in.first(8), in[8], in[9]);
}

proto::ParseResult malformed(std::uint32_t skip) noexcept {
  return {proto::Status::Malformed, skip, 0};
}

// Adds one transport segment to the direction's fragment; parses the fragment on FIN.
void reassemble(proto::Bytes user, proto::Direction dir, FlowState& st, Record& r,
                proto::Sink<Record>& sink) noexcept {
  Reassembly& ra = st.dir[static_cast<unsigned>(dir) & 1U];
  const std::uint8_t th = user[0];
  r.has_transport = true;
  r.transport_fin = (th & kFinBit) != 0;
  r.transport_fir = (th & kFirBit) != 0;
  r.transport_seq = th & kSeqMask;
  const proto::Bytes payload = user.subspan(1);

  if (r.transport_fir) {
    if (ra.in_progress) sink.on_anomaly({&kFragmentAbandoned, ra.length, 0});
    ra.discarding = false;
    ra.in_progress = true;
    ra.length = 0;
    ra.link_src = r.link_src;
    ra.link_dst = r.link_dst;
  } else if (!ra.in_progress) {
    // One anomaly per broken fragment, not one per segment that follows it.
    if (!ra.discarding) sink.on_anomaly({&kTransportOutOfSequence, r.transport_seq, -1});
    ra.discarding = true;
    return;
  } else if (ra.link_src != r.link_src || ra.link_dst != r.link_dst ||
             r.transport_seq != ((ra.last_seq + 1) & kSeqMask)) {
    ra.in_progress = false;
    ra.discarding = true;
    sink.on_anomaly({&kTransportOutOfSequence, r.transport_seq, (ra.last_seq + 1) & kSeqMask});
    return;
  }
  if (ra.length + payload.size() > kMaxFragment) {
    ra.in_progress = false;
    ra.discarding = true;
    sink.on_anomaly({&kFragmentTooLarge, static_cast<std::int64_t>(ra.length + payload.size()), kMaxFragment});
    return;
  }
  for (std::size_t i = 0; i < payload.size(); ++i) ra.data[ra.length + i] = payload[i];
  ra.length += static_cast<std::uint32_t>(payload.size());
  ra.last_seq = r.transport_seq;
  if (r.transport_fin) {
    ra.in_progress = false;
    ra.discarding = false;
    parse_application(proto::Bytes(ra.data, ra.length), r, sink);
    pair_fragment(st.requests, dir, r, sink);
  }
}

}  // namespace

proto::Detect detect(proto::Bytes first, proto::Direction) noexcept {
  if (first.empty()) return proto::Detect::Maybe;
  if (first[0] != kStart0) return proto::Detect::No;
  if (first.size() < 2) return proto::Detect::Maybe;
  if (first[1] != kStart1) return proto::Detect::No;
  if (first.size() >= 3 && first[2] < kMinLength) return proto::Detect::No;
  if (first.size() < kHeaderOctets) return proto::Detect::Maybe;
  return header_crc_ok(first) ? proto::Detect::Yes : proto::Detect::No;
}

proto::ParseResult parse(proto::Bytes in, proto::Direction dir, FlowState& st,
                         proto::Sink<Record>& sink) noexcept {
  if (in.size() < 2) {
    if (in.empty() || in[0] == kStart0) return {proto::Status::NeedMore, 0, kHeaderOctets};
    sink.on_anomaly({&kBadStart, 1, 0});
    return malformed(1);
  }
  if (in[0] != kStart0 || in[1] != kStart1) {
    const std::uint32_t skip = resync_distance(in);
    sink.on_anomaly({&kBadStart, skip, 0});
    return malformed(skip);
  }
  if (in.size() < kHeaderOctets) return {proto::Status::NeedMore, 0, kHeaderOctets};

  proto::Reader rd(in);
  rd.skip(2);
  const std::uint8_t len = rd.u8();
  const std::uint8_t control = rd.u8();
  const std::uint16_t dst = rd.le16();
  const std::uint16_t src = rd.le16();
  const std::uint8_t crc_lo = rd.u8();
  const std::uint8_t crc_hi = rd.u8();
  if (!header_crc_ok(in)) {
    // tshark does not take such a frame as DNP3 either: no record, just resync.
    sink.on_anomaly({&kBadLinkCrc, crc16(in.first(8)), crc_lo | (crc_hi << 8)});
    return malformed(resync_distance(in));
  }
  if (len < kMinLength) {
    sink.on_anomaly({&kBadLength, len, 0});
    return malformed(resync_distance(in));
  }
  const std::uint32_t total = frame_octets(len);
  if (in.size() < total) return {proto::Status::NeedMore, 0, total};

  Record r{};
  r.length = len;
  r.link_control = control;
  r.dir = (control & kDirBit) != 0;
  r.prm = (control & kPrmBit) != 0;
  r.fcb = (control & kFcbBit) != 0;
  r.fcv_dfc = (control & kFcvBit) != 0;
  r.link_function = control & 0x0f;
  r.link_dst = dst;
  r.link_src = src;
  if (!is_known_link_function(r.prm, r.link_function)) {
    sink.on_anomaly({&kUnknownLinkFunction, r.link_function, r.prm ? 1 : 0});
  }

  // Strip the block CRCs: at most 250 octets of user data per frame.
  std::uint8_t user[255 - kMinLength];
  const std::uint32_t user_len = len - kMinLength;
  const std::uint32_t blocks = (user_len + kBlockOctets - 1) / kBlockOctets;
  for (std::uint32_t b = 0, copied = 0; b < blocks; ++b) {
    const std::uint32_t n = user_len - copied < kBlockOctets ? user_len - copied : kBlockOctets;
    const proto::Bytes block = rd.take(n);
    const std::uint8_t lo = rd.u8();
    const std::uint8_t hi = rd.u8();
    if (!rd.ok()) return malformed(total);  // unreachable: `total` was checked above
    if (r.crc_ok && !crc_matches(block, lo, hi)) {
      r.crc_ok = false;
      sink.on_anomaly({&kBadDataCrc, b, blocks});
    }
    std::memcpy(user + copied, block.data(), n);  // n <= 16: inlined, not a byte loop
    copied += n;
  }

  const bool user_data = r.prm && (r.link_function == 3 || r.link_function == 4);
  Reassembly& ra = st.dir[static_cast<unsigned>(dir) & 1U];
  if (user_data && user_len > 0) {
    if (r.crc_ok) {
      reassemble(proto::Bytes(user, user_len), dir, st, r, sink);
    } else {
      // Data we cannot trust breaks any fragment in progress; show the transport octet only.
      ra.in_progress = false;
      ra.discarding = true;
      r.has_transport = true;
      r.transport_fin = (user[0] & kFinBit) != 0;
      r.transport_fir = (user[0] & kFirBit) != 0;
      r.transport_seq = user[0] & kSeqMask;
    }
  }
  sink.on_record(r);
  return {proto::Status::Ok, total, 0};
}

}  // namespace fg::dnp3

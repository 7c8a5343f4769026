// DNP3 application layer: walks object headers and skips object data by its computed size.
#include "protocols/dnp3/application.hpp"

#include "protocols/common/bytes.hpp"
#include "protocols/dnp3/anomalies.hpp"
#include "protocols/dnp3/objects.hpp"

namespace fg::dnp3 {
namespace {

// Clause 4.2.2.5: requests 0x00-0x21, responses 0x81-0x83.
constexpr bool is_known_function(std::uint8_t f) noexcept { return f <= 0x21 || (f >= 0x81 && f <= 0x83); }
constexpr bool is_response(std::uint8_t f) noexcept { return f >= 0x81 && f <= 0x83; }

// Requests whose object headers name points without carrying their values: read, the
// freezes, enable/disable unsolicited and assign class. Freeze-at-time (0x0b, 0x0c) carries a
// g50 time object, the other headers are bare. Objects with a size prefix (file transport g70
// in a read) always carry their data.
constexpr bool header_only(std::uint8_t function, std::uint8_t group) noexcept {
  switch (function) {
    case 0x01: case 0x07: case 0x08: case 0x09: case 0x0a: case 0x14: case 0x15: case 0x16:
      return true;
    case 0x0b: case 0x0c:
      return group != 50;
    default:
      break;
  }
  return false;
}

// Prefix octets per object for prefix codes 0-6 (clause 4.2.2.7.3.2); code 7 is reserved.
constexpr std::uint8_t kPrefixOctets[8] = {0, 1, 2, 4, 1, 2, 4, 0};

// Range specifiers 0xA and 0xC-0xF are reserved (clause 4.2.2.7.3.3).
constexpr bool is_reserved_range(std::uint8_t code) noexcept { return code == 0xA || code >= 0xC; }

enum class Walk : std::uint8_t { Next, Stop };

// Reads the range field of one header; false on a reserved specifier or a short fragment.
bool read_range(proto::Reader& rd, std::uint8_t range_code, ObjectHeader& h, std::uint64_t& n) noexcept {
  switch (range_code) {
    case 0x0: h.start = rd.u8(); h.stop = rd.u8(); break;
    case 0x1: h.start = rd.le16(); h.stop = rd.le16(); break;
    case 0x2: h.start = rd.le32(); h.stop = rd.le32(); break;
    // 3-5: one object at an absolute address held in the range field.
    case 0x3: h.start = h.stop = rd.u8(); break;
    case 0x4: h.start = h.stop = rd.le16(); break;
    case 0x5: h.start = h.stop = rd.le32(); break;
    case 0x6: n = 0; return true;
    case 0x7: case 0xB: h.count = rd.u8(); h.range_is_count = true; break;
    case 0x8: h.count = rd.le16(); h.range_is_count = true; break;
    case 0x9: h.count = rd.le32(); h.range_is_count = true; break;
    default: return false;
  }
  if (!rd.ok()) return false;
  h.has_range = true;
  if (h.range_is_count) {
    n = h.count;
  } else {
    // Counted like tshark: stop - start + 1 as a signed number, 32-bit ranges modulo 2^32. An
    // inverted range by one (count 0) names no object and the walk goes on; a negative count
    // cannot be framed.
    std::int64_t signed_n = std::int64_t{h.stop} - h.start + 1;
    if (range_code == 0x2) signed_n = static_cast<std::int32_t>(h.stop - h.start + 1U);
    if (signed_n < 0) return false;
    n = static_cast<std::uint64_t>(signed_n);
  }
  return true;
}

// Skips the data of `n` objects described by header `h`; sets the record's flags on trouble.
Walk skip_data(proto::Reader& rd, const ObjectHeader& h, std::uint64_t n, Record& r) noexcept {
  const std::uint8_t prefix_code = (h.qualifier >> 4) & 0x7;
  const std::uint8_t prefix = kPrefixOctets[prefix_code];
  if (prefix_code >= 4 && prefix_code <= 6) {
    // Each object carries its own size: at least one octet per object, so bounded by the input.
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uint32_t size = prefix == 1 ? rd.u8() : prefix == 2 ? rd.le16() : rd.le32();
      rd.skip(size);
      if (!rd.ok()) return Walk::Stop;
    }
    return Walk::Next;
  }
  if (h.variation == 0 && h.group != 0) {
    // "Any variation" names points; it cannot describe values that follow.
    rd.skip(rd.remaining() + 1);
    return Walk::Stop;
  }
  const ObjectSize sz = object_size(h.group, h.variation);
  std::uint64_t total = 0;
  switch (sz.kind) {
    case SizeKind::Empty: return Walk::Next;
    case SizeKind::Attribute:
      for (std::uint64_t i = 0; i < n; ++i) {  // one octet at least per object: bounded
        rd.skip(prefix);
        if (rd.u8() != 0) rd.skip(rd.u8());
        if (!rd.ok()) return Walk::Stop;
      }
      return Walk::Next;
    case SizeKind::Unknown: r.objects_incomplete = true; return Walk::Stop;
    case SizeKind::Octets: total = n * (prefix + std::uint64_t{sz.n}); break;
    case SizeKind::Bits:
      total = prefix == 0 ? (n * sz.n + 7) / 8 : n * (prefix + std::uint64_t{(sz.n + 7U) / 8U});
      break;
  }
  if (total > rd.remaining()) {
    rd.skip(rd.remaining() + 1);  // mark the reader failed: the data runs past the fragment
    return Walk::Stop;
  }
  rd.skip(static_cast<std::size_t>(total));
  return Walk::Next;
}

}  // namespace

void parse_application(proto::Bytes fragment, Record& r, proto::Sink<Record>& sink) noexcept {
  proto::Reader rd(fragment);
  r.has_app = true;
  r.fragment_length = static_cast<std::uint16_t>(fragment.size());
  r.app_control = rd.u8();
  r.app_function = rd.u8();
  if (!rd.ok()) {
    r.has_app = fragment.size() >= 1;
    r.objects_malformed = true;
    sink.on_anomaly({&kShortFragment, static_cast<std::int64_t>(fragment.size()), 2});
    return;
  }
  if (is_response(r.app_function)) {
    r.iin = rd.be16();
    if (!rd.ok()) {
      r.objects_malformed = true;
      sink.on_anomaly({&kShortFragment, static_cast<std::int64_t>(fragment.size()), 4});
      return;
    }
    r.has_iin = true;
  }
  if (!is_known_function(r.app_function)) {
    sink.on_anomaly({&kUnknownFunction, r.app_function, 0});
    return;
  }
  while (rd.remaining() > 0) {
    const std::size_t at = rd.pos();
    if (r.object_count == kMaxObjects) {
      r.objects_truncated = true;
      sink.on_anomaly({&kTooManyObjects, kMaxObjects, 0});
      return;
    }
    ObjectHeader h;
    h.group = rd.u8();
    h.variation = rd.u8();
    h.qualifier = rd.u8();
    std::uint64_t n = 0;
    const std::uint8_t range_code = h.qualifier & 0xF;
    if (rd.ok() && is_reserved_range(range_code)) {
      // No range octets to read: name the header, count no objects and go on with the next
      // octet, as tshark does.
      r.objects[r.object_count++] = h;
      r.objects_malformed = true;
      sink.on_anomaly({&kBadObjectHeader, static_cast<std::int64_t>(at), h.qualifier});
      continue;
    }
    const bool range_ok = rd.ok() && ((h.qualifier >> 4) & 0x7) != 7 && read_range(rd, range_code, h, n);
    if (!range_ok) {
      if (at + 2 <= fragment.size()) r.objects[r.object_count++] = h;  // group and variation were read
      r.objects_malformed = true;
      sink.on_anomaly({&kBadObjectHeader, static_cast<std::int64_t>(at), h.qualifier});
      return;
    }
    r.objects[r.object_count++] = h;
    if (h.has_range && !h.range_is_count && h.stop < h.start) {
      r.objects_malformed = true;
      sink.on_anomaly({&kBadObjectHeader, static_cast<std::int64_t>(at), h.qualifier});
    }
    const bool size_prefixed = ((h.qualifier >> 4) & 0x7) >= 4;
    if ((!size_prefixed && header_only(r.app_function, h.group)) || n == 0) continue;
    if (skip_data(rd, h, n, r) == Walk::Stop) {
      if (!rd.ok()) {
        r.objects_malformed = true;
        sink.on_anomaly({&kBadObjectHeader, static_cast<std::int64_t>(at), h.qualifier});
      }
      return;
    }
  }
}

}  // namespace fg::dnp3

// libFuzzer target for the decode stage: byte 0 picks the link type, the rest is the frame.
// Also checks that decode's fast path and its general path agree on every input.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dataplane/decode/decode.hpp"

namespace {

// One past the last LinkType, so the fuzzer also feeds values decode must refuse.
constexpr std::uint8_t kLinkChoices = static_cast<std::uint8_t>(fg::dp::LinkType::Ipv6) + 2;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fg::dp;
  if (size == 0 || size > 0xffff) return 0;
  const auto link = static_cast<LinkType>(data[0] % kLinkChoices);
  // libFuzzer's buffer ends exactly at data + size, so ASan sees any read past the frame.
  const std::uint8_t* frame = data + 1;
  const auto len = static_cast<std::uint32_t>(size - 1);
  PacketMeta m;
  decode(frame, len, link, m);
  if (decode_error_name(m.error).empty()) __builtin_trap();
  // The fast path for the common frame must decode exactly as the general path.
  PacketMeta general;
  detail::decode_general(frame, len, link, general);
  if (std::memcmp(&m, &general, sizeof m) != 0) __builtin_trap();
  // What later stages rely on: offsets of a decoded frame stay inside it.
  if (m.error == DecodeError::None) {
    if (m.l3_offset > len || m.l4_offset > len) __builtin_trap();
    if (std::uint32_t{m.payload_offset} + m.payload_len > len) __builtin_trap();
    if (m.l4 != L4::None && m.payload_offset < m.l4_offset) __builtin_trap();
    if (m.vlan_count > 2) __builtin_trap();
  }
  return 0;
}

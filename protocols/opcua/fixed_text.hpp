// A bounded, trivially-copyable copy of a wire string (URIs, URLs, reasons) for records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/common/bytes.hpp"

namespace fg::opcua {

// Keeps at most N bytes; `truncated` says the wire string was longer, `wire_len` how long.
template <std::size_t N>
struct FixedText {
  static_assert(N <= 255, "length is kept in one byte");
  bool present = false;
  bool truncated = false;
  std::uint8_t len = 0;
  std::uint32_t wire_len = 0;
  char data[N] = {};

  void assign(proto::Bytes s) noexcept {
    present = true;
    wire_len = static_cast<std::uint32_t>(s.size());
    truncated = s.size() > N;
    len = static_cast<std::uint8_t>(truncated ? N : s.size());
    for (std::size_t i = 0; i < len; ++i) data[i] = static_cast<char>(s[i]);
  }
  [[nodiscard]] std::string_view view() const noexcept { return {data, len}; }
};

}  // namespace fg::opcua

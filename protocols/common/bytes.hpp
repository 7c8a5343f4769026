// Bounds-checked big/little-endian reader over a byte span: the only way parsers touch bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace fg::proto {

using Bytes = std::span<const std::uint8_t>;

// A cursor that never reads past its span. A read past the end sets `ok()` to false
// and returns 0, so a parser can read a whole header and check once at the end
// instead of guarding every field.
class Reader {
 public:
  constexpr explicit Reader(Bytes in) noexcept : in_(in) {}

  [[nodiscard]] constexpr bool ok() const noexcept { return ok_; }
  [[nodiscard]] constexpr std::size_t pos() const noexcept { return pos_; }
  [[nodiscard]] constexpr std::size_t remaining() const noexcept { return in_.size() - pos_; }
  [[nodiscard]] constexpr bool has(std::size_t n) const noexcept { return remaining() >= n; }

  constexpr std::uint8_t u8() noexcept {
    if (!need(1)) return 0;
    return in_[pos_++];
  }
  constexpr std::uint16_t be16() noexcept {
    if (!need(2)) return 0;
    std::uint16_t v = static_cast<std::uint16_t>((in_[pos_] << 8) | in_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  constexpr std::uint16_t le16() noexcept {
    if (!need(2)) return 0;
    std::uint16_t v = static_cast<std::uint16_t>(in_[pos_] | (in_[pos_ + 1] << 8));
    pos_ += 2;
    return v;
  }
  constexpr std::uint32_t be24() noexcept {
    if (!need(3)) return 0;
    std::uint32_t v = (std::uint32_t{in_[pos_]} << 16) | (std::uint32_t{in_[pos_ + 1]} << 8) | in_[pos_ + 2];
    pos_ += 3;
    return v;
  }
  constexpr std::uint32_t be32() noexcept {
    if (!need(4)) return 0;
    std::uint32_t v = (std::uint32_t{in_[pos_]} << 24) | (std::uint32_t{in_[pos_ + 1]} << 16) |
                      (std::uint32_t{in_[pos_ + 2]} << 8) | in_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  constexpr std::uint32_t le32() noexcept {
    if (!need(4)) return 0;
    std::uint32_t v = std::uint32_t{in_[pos_]} | (std::uint32_t{in_[pos_ + 1]} << 8) |
                      (std::uint32_t{in_[pos_ + 2]} << 16) | (std::uint32_t{in_[pos_ + 3]} << 24);
    pos_ += 4;
    return v;
  }
  // A view of the next n bytes (empty and !ok() if fewer remain).
  constexpr Bytes take(std::size_t n) noexcept {
    if (!need(n)) return {};
    Bytes v = in_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  constexpr void skip(std::size_t n) noexcept { (void)take(n); }
  [[nodiscard]] constexpr Bytes rest() const noexcept { return in_.subspan(pos_); }

 private:
  constexpr bool need(std::size_t n) noexcept {
    if (!ok_ || remaining() < n) {
      ok_ = false;
      return false;
    }
    return true;
  }

  Bytes in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Unchecked loads for code that has already checked the length (decode hot path).
constexpr std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
constexpr std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

}  // namespace fg::proto

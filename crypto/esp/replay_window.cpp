#include "crypto/esp/replay_window.hpp"

namespace fg::esp {

std::uint64_t ReplayWindow::infer(std::uint32_t seq_low, bool esn) const noexcept {
  if (!esn) return seq_low;
  const std::uint64_t t = top();
  const auto tl = static_cast<std::uint32_t>(t);
  const std::uint32_t th = static_cast<std::uint32_t>(t >> 32);
  const auto w = static_cast<std::uint32_t>(kSize);
  const std::uint32_t bottom = tl - w + 1;  // wraps in case B, as the RFC's arithmetic intends
  std::uint64_t high;
  if (tl >= w - 1) {
    // Case A: the window lies within one 2^32 subspace; lower numbers belong to the next one.
    high = seq_low >= bottom ? th : std::uint64_t{th} + 1;
  } else {
    // Case B: the window spans the subspace boundary; numbers near 2^32 belong to the previous one.
    if (seq_low >= bottom) {
      if (th == 0) return 0;
      high = th - 1;
    } else {
      high = th;
    }
  }
  return (high << 32) | seq_low;
}

ReplayWindow::Check ReplayWindow::check(std::uint64_t seq) const noexcept {
  const std::uint64_t t = top();
  if (seq == 0) return Check::OutOfWindow;  // the first packet of an SA carries 1 (RFC 4303 §3.3.3)
  if (seq > t) return Check::Ok;
  if (t - seq >= kSize) return Check::OutOfWindow;
  const std::uint64_t bit = seq % (kWords * 64);
  return (bits_[bit / 64] >> (bit % 64)) & 1u ? Check::Replay : Check::Ok;
}

void ReplayWindow::accept(std::uint64_t seq) noexcept {
  const std::uint64_t t = top();
  if (seq > t) {
    const std::uint64_t from = t / 64, to = seq / 64;
    if (to - from >= kWords) {
      for (auto& w : bits_) w = 0;
    } else {
      for (std::uint64_t b = from + 1; b <= to; ++b) bits_[b % kWords] = 0;
    }
    top_.store(seq, std::memory_order_relaxed);
  }
  const std::uint64_t bit = seq % (kWords * 64);
  bits_[bit / 64] |= std::uint64_t{1} << (bit % 64);
}

}  // namespace fg::esp

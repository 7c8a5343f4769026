// The receiver's anti-replay window (RFC 4303 §3.4.3 and Appendix A) over 64-bit extended
// sequence numbers, as a bitmap ring of 64-bit words (RFC 6479): no shifting per packet.
#pragma once

#include <atomic>
#include <cstdint>

namespace fg::esp {

class ReplayWindow {
 public:
  static constexpr std::uint64_t kSize = 1024;  // packets behind the highest one still accepted

  enum class Check : std::uint8_t { Ok, Replay, OutOfWindow };

  // The full sequence number of a packet carrying `seq_low`: with ESN the high half is guessed
  // from the window position (RFC 4303 Appendix A2.2); without, it is `seq_low`. Returns 0 (never
  // a valid number) when the guess would fall below 0.
  [[nodiscard]] std::uint64_t infer(std::uint32_t seq_low, bool esn) const noexcept;
  // Whether `seq` may be accepted; check before the ICV, accept() only after it verified.
  [[nodiscard]] Check check(std::uint64_t seq) const noexcept;
  // Marks `seq` as received, advancing the window when it is the highest so far.
  void accept(std::uint64_t seq) noexcept;

  // Safe to call from another thread (the control plane's display) while the owner works.
  [[nodiscard]] std::uint64_t top() const noexcept { return top_.load(std::memory_order_relaxed); }

 private:
  // Twice the window: a word is cleared when the window enters it, so with a ring of 2 * kSize
  // bits every number inside the window still has its bit (RFC 6479 §2).
  static constexpr std::uint64_t kWords = 2 * kSize / 64;
  // Highest authenticated sequence number (0: none yet). Atomic only so that a display may read
  // it; one thread writes it, with relaxed plain loads and stores (no read-modify-write).
  std::atomic<std::uint64_t> top_{0};
  std::uint64_t bits_[kWords] = {};
};

}  // namespace fg::esp

// Which MAC each field host has, learned from the packets we encapsulate for it, so that the
// replies we decapsulate can be framed to it. Shared by all workers without locks: one 64-bit
// word per slot holds a 16-bit tag of the address and the 48-bit MAC, so a reader never sees
// half an update. Direct-mapped: a colliding host evicts the other (it is learned again from
// its next packet); a tag collision (1 in 65536 among colliding hosts) would misaddress a
// frame, which the wrong host then discards since the IP is not its own.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>

#include "dataplane/tunnel/tunnel_settings.hpp"

namespace fg::dp {

class HostMacs {
 public:
  static constexpr std::uint32_t kSlots = 4096;

  void learn(std::uint32_t ip, const std::uint8_t* mac) noexcept {
    const std::uint64_t h = hash(ip);
    const std::uint64_t word = (tag(h) << 48) | pack(mac);
    auto& slot = slots_[h & (kSlots - 1)];
    // Read first: the common case is "already known", and a store would bounce the line.
    if (slot.load(std::memory_order_relaxed) != word) slot.store(word, std::memory_order_relaxed);
  }

  [[nodiscard]] bool find(std::uint32_t ip, std::uint8_t* mac) const noexcept {
    const std::uint64_t h = hash(ip);
    const std::uint64_t word = slots_[h & (kSlots - 1)].load(std::memory_order_relaxed);
    if (word == 0 || (word >> 48) != tag(h)) return false;
    for (int i = 0; i < 6; ++i) mac[i] = static_cast<std::uint8_t>(word >> (40 - 8 * i));
    return true;
  }

  static std::uint64_t pack(const std::uint8_t* mac) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 6; ++i) v = (v << 8) | mac[i];
    return v;
  }

 private:
  static std::uint64_t hash(std::uint32_t ip) noexcept { return (ip * 0x9E3779B97F4A7C15ull) ^ (ip >> 7); }
  static std::uint64_t tag(std::uint64_t h) noexcept { return ((h >> 40) & 0xffff) | 1; }  // never 0: 0 is empty
  std::array<std::atomic<std::uint64_t>, kSlots> slots_{};
};

}  // namespace fg::dp

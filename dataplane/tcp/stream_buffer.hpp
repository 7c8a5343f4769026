// Pooled per-direction reassembly buffers: allocated once, lent to flows that hold bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/flow/flow.hpp"

namespace fg::dp {

// Bytes of one TCP direction starting at `base_seq`: [0, ready) are in order and waiting
// for the parser (a PDU not yet complete); bytes beyond `ready` arrived out of order and
// are marked in `present`. Most segments never need one: a segment that is in order and
// holds whole PDUs is parsed straight from the packet.
struct StreamBuffer {
  static constexpr std::uint32_t kCapacity = 16384;
  std::uint32_t base_seq = 0;
  std::uint32_t ready = 0;
  std::uint32_t end = 0;  // one past the highest byte held (in-order or not)
  std::uint64_t present[kCapacity / 64];
  std::uint8_t data[kCapacity];

  void reset(std::uint32_t seq) noexcept {
    base_seq = seq;
    ready = 0;
    end = 0;
    std::memset(present, 0, sizeof present);
  }
  [[nodiscard]] bool has(std::uint32_t off) const noexcept {
    return (present[off >> 6] >> (off & 63)) & 1u;
  }
  void mark(std::uint32_t off, std::uint32_t n) noexcept {
    for (std::uint32_t i = off; i < off + n; ++i) present[i >> 6] |= std::uint64_t{1} << (i & 63);
  }
  // Drops the first n bytes (consumed by the parser) and shifts the rest to the front.
  void consume(std::uint32_t n) noexcept;
  [[nodiscard]] bool empty() const noexcept { return end == 0; }
};

class StreamBufferPool {
 public:
  explicit StreamBufferPool(std::uint32_t count);
  // kNoIndex when the pool is exhausted.
  std::uint32_t acquire(std::uint32_t base_seq) noexcept;
  void release(std::uint32_t i) noexcept { free_.push_back(i); }
  StreamBuffer& at(std::uint32_t i) noexcept { return buffers_[i]; }
  [[nodiscard]] std::uint32_t in_use() const noexcept {
    return static_cast<std::uint32_t>(count_ - free_.size());
  }
  [[nodiscard]] std::uint32_t count() const noexcept { return count_; }

 private:
  std::uint32_t count_;
  std::unique_ptr<StreamBuffer[]> buffers_;
  std::vector<std::uint32_t> free_;
};

}  // namespace fg::dp

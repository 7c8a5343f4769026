#include "dataplane/tcp/stream_buffer.hpp"

namespace fg::dp {

void StreamBuffer::consume(std::uint32_t n) noexcept {
  if (n == 0) return;
  if (n >= end) {
    reset(base_seq + n);
    return;
  }
  std::memmove(data, data + n, end - n);
  // Shift the presence bitmap right by n bits.
  constexpr std::uint32_t kWords = kCapacity / 64;
  const std::uint32_t word_shift = n >> 6;
  const std::uint32_t bit_shift = n & 63;
  for (std::uint32_t w = 0; w < kWords; ++w) {
    const std::uint32_t src = w + word_shift;
    std::uint64_t v = src < kWords ? present[src] >> bit_shift : 0;
    if (bit_shift != 0 && src + 1 < kWords) v |= present[src + 1] << (64 - bit_shift);
    present[w] = v;
  }
  base_seq += n;
  ready -= n < ready ? n : ready;
  end -= n;
}

StreamBufferPool::StreamBufferPool(std::uint32_t count)
    : count_(count), buffers_(std::make_unique<StreamBuffer[]>(count)) {
  free_.reserve(count);
  for (std::uint32_t i = count; i > 0; --i) free_.push_back(i - 1);
}

std::uint32_t StreamBufferPool::acquire(std::uint32_t base_seq) noexcept {
  if (free_.empty()) return kNoIndex;
  const std::uint32_t i = free_.back();
  free_.pop_back();
  buffers_[i].reset(base_seq);
  return i;
}

}  // namespace fg::dp

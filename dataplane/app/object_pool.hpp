// Fixed-capacity pool of per-flow parser states, allocated once at start.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/flow/flow.hpp"

namespace fg::dp {

template <class T>
class ObjectPool {
 public:
  explicit ObjectPool(std::uint32_t count) : items_(std::make_unique<T[]>(count)) {
    free_.reserve(count);
    for (std::uint32_t i = count; i > 0; --i) free_.push_back(i - 1);
  }
  // A fresh (value-initialised) object, or kNoIndex when the pool is empty.
  std::uint32_t acquire() noexcept {
    if (free_.empty()) return kNoIndex;
    const std::uint32_t i = free_.back();
    free_.pop_back();
    items_[i] = T{};
    return i;
  }
  void release(std::uint32_t i) noexcept { free_.push_back(i); }
  T& at(std::uint32_t i) noexcept { return items_[i]; }

 private:
  std::unique_ptr<T[]> items_;
  std::vector<std::uint32_t> free_;
};

}  // namespace fg::dp

#include "dataplane/flow/flow_table.hpp"

#include <bit>

namespace fg::dp {

FlowTable::FlowTable(std::uint32_t capacity, FlowTimeouts timeouts, FlowReleaser* releaser)
    : capacity_(capacity < 16 ? 16 : capacity),
      // Load factor stays at or below 1/2 so linear probe runs stay short.
      mask_(static_cast<std::uint32_t>(std::bit_ceil(std::uint64_t{capacity_} * 2)) - 1),
      timeouts_(timeouts),
      releaser_(releaser),
      flows_(capacity_),
      slots_(std::uint64_t{mask_} + 1, Slot{0, 0}) {
  free_.reserve(capacity_);
  for (std::uint32_t i = capacity_; i > 0; --i) free_.push_back(i - 1);
}

Flow* FlowTable::insert(const FlowKey& key, std::uint64_t hash, std::uint64_t now_ns,
                        FlowClass cls) noexcept {
  if (free_.empty() && !evict_one()) {
    ++stats_.table_full;
    return nullptr;
  }
  const std::uint32_t i = free_.back();
  free_.pop_back();
  Flow& f = flows_[i];
  f = Flow{};
  f.key = key;
  f.first_seen_ns = now_ns;
  f.last_seen_ns = now_ns;
  f.queued_ns = now_ns;
  std::uint32_t s = static_cast<std::uint32_t>(hash) & mask_;
  while (slots_[s].index != 0) s = (s + 1) & mask_;
  slots_[s] = Slot{tag_of(hash), i + 1};
  list_push_tail(cls, i);
  ++size_;
  ++stats_.created;
  return &f;
}

void FlowTable::reclass(Flow& f, std::uint64_t now_ns, FlowClass cls) noexcept {
  const std::uint32_t i = index_of(f);
  list_unlink(i);
  f.queued_ns = now_ns;
  list_push_tail(cls, i);
}

void FlowTable::remove(Flow& f) noexcept {
  if (releaser_ != nullptr) releaser_->release(f);
  const std::uint32_t i = index_of(f);
  list_unlink(i);
  erase_slot(slot_of(f));
  free_.push_back(i);
  --size_;
}

std::uint32_t FlowTable::expire(std::uint64_t now_ns, std::uint32_t budget) noexcept {
  std::uint32_t n = 0, work = 0;
  for (int c = 0; c < static_cast<int>(FlowClass::kCount) && work < budget; ++c) {
    const std::uint64_t timeout = timeout_of(static_cast<FlowClass>(c));
    while (work < budget && lists_[c].head != kNoIndex) {
      const std::uint32_t i = lists_[c].head;
      Flow& f = flows_[i];
      // Lists are ordered by queued_ns: if the head was queued less than a timeout ago,
      // nothing behind it can be due.
      if (now_ns < f.queued_ns || now_ns - f.queued_ns < timeout) break;
      ++work;
      if (now_ns >= f.last_seen_ns && now_ns - f.last_seen_ns >= timeout) {
        remove(f);
        ++stats_.expired;
        ++n;
      } else {
        list_unlink(i);  // active since it was queued: give it another period
        f.queued_ns = now_ns;
        list_push_tail(static_cast<FlowClass>(c), i);
      }
    }
  }
  return n;
}

bool FlowTable::evict_one() noexcept {
  for (FlowClass c : {FlowClass::Embryonic, FlowClass::Closing, FlowClass::Datagram}) {
    const std::uint32_t head = lists_[static_cast<int>(c)].head;
    if (head != kNoIndex) {
      remove(flows_[head]);
      ++stats_.evicted;
      return true;
    }
  }
  return false;
}

std::uint32_t FlowTable::slot_of(const Flow& f) const noexcept {
  const std::uint64_t hash = hash_flow_key(f.key);
  const std::uint32_t want = index_of(f) + 1;
  std::uint32_t s = static_cast<std::uint32_t>(hash) & mask_;
  while (slots_[s].index != want) s = (s + 1) & mask_;
  return s;
}

// Backward-shift deletion keeps probe sequences intact without tombstones, so a table
// that churns (SYN floods) never degrades.
void FlowTable::erase_slot(std::uint32_t hole) noexcept {
  std::uint32_t s = hole;
  for (;;) {
    s = (s + 1) & mask_;
    const Slot slot = slots_[s];
    if (slot.index == 0) break;
    const std::uint32_t home =
        static_cast<std::uint32_t>(hash_flow_key(flows_[slot.index - 1].key)) & mask_;
    // Move the entry back if its home is not in the cyclic range (hole, s].
    const bool home_in_range = hole <= s ? (home > hole && home <= s) : (home > hole || home <= s);
    if (!home_in_range) {
      slots_[hole] = slot;
      hole = s;
    }
  }
  slots_[hole] = Slot{0, 0};
}

void FlowTable::list_push_tail(FlowClass c, std::uint32_t i) noexcept {
  List& l = lists_[static_cast<int>(c)];
  Flow& f = flows_[i];
  f.cls = c;
  f.lru_prev = l.tail;
  f.lru_next = kNoIndex;
  if (l.tail != kNoIndex) flows_[l.tail].lru_next = i; else l.head = i;
  l.tail = i;
  ++l.count;
}

void FlowTable::list_unlink(std::uint32_t i) noexcept {
  Flow& f = flows_[i];
  List& l = lists_[static_cast<int>(f.cls)];
  if (f.lru_prev != kNoIndex) flows_[f.lru_prev].lru_next = f.lru_next; else l.head = f.lru_next;
  if (f.lru_next != kNoIndex) flows_[f.lru_next].lru_prev = f.lru_prev; else l.tail = f.lru_prev;
  f.lru_prev = f.lru_next = kNoIndex;
  --l.count;
}

std::uint64_t FlowTable::timeout_of(FlowClass c) const noexcept {
  switch (c) {
    case FlowClass::Embryonic: return timeouts_.embryonic_ns;
    case FlowClass::Established: return timeouts_.established_ns;
    case FlowClass::Closing: return timeouts_.closing_ns;
    default: return timeouts_.datagram_ns;
  }
}

}  // namespace fg::dp

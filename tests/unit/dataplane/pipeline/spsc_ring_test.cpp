// The worker-to-control-thread rings: order, fullness, in-place reservation, the loss count of
// RingOutput, and one producer and one consumer thread running at once.
#include <catch2/catch.hpp>

#include <cstdint>
#include <thread>
#include <vector>

#include "dataplane/pipeline/ring_output.hpp"
#include "dataplane/pipeline/spsc_ring.hpp"

using namespace fg::dp;

namespace {

struct Item {
  std::uint64_t seq = 0;
  std::uint8_t pad[120] = {};  // more than one cache line, as ring records are
};

std::vector<std::uint64_t> drain_all(SpscRing<Item>& ring, std::uint32_t max = 0xffffffffu) {
  std::vector<std::uint64_t> out;
  ring.drain([&](const Item& it) { out.push_back(it.seq); }, max);
  return out;
}

}  // namespace

TEST_CASE("a ring hands items over in order and refuses them when full") {
  SpscRing<Item> ring(4);
  for (std::uint64_t i = 1; i <= 4; ++i) CHECK(ring.push(Item{i}));
  CHECK_FALSE(ring.push(Item{5}));
  CHECK(ring.reserve() == nullptr);
  CHECK(drain_all(ring, 3) == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(ring.push(Item{6}));
  CHECK(drain_all(ring) == std::vector<std::uint64_t>{4, 6});
  CHECK(drain_all(ring).empty());
  CHECK(ring.free_slots() == 4);
}

TEST_CASE("a reserved slot is filled in place and seen only once committed") {
  SpscRing<Item> ring(8);
  Item* slot = ring.reserve();
  REQUIRE(slot != nullptr);
  slot->seq = 42;
  CHECK(drain_all(ring).empty());
  CHECK(ring.reserve() == slot);  // not committed: the same slot again
  ring.commit();
  CHECK(drain_all(ring) == std::vector<std::uint64_t>{42});
  CHECK(ring.reserve() != slot);
}

TEST_CASE("RingOutput counts an audit record it has no slot for") {
  RingOutput out(2, 2);
  for (int i = 0; i < 2; ++i) {
    AuditEntry* e = out.begin_audit();
    REQUIRE(e != nullptr);
    e->rule = static_cast<std::uint32_t>(i + 1);
    out.commit_audit();
  }
  CHECK(out.begin_audit() == nullptr);
  CHECK(out.lost.load() == 1);
  AuditEntry whole;
  out.audit(whole);  // the other way in, also full
  CHECK(out.lost.load() == 2);
  std::vector<std::uint32_t> rules;
  out.audit_ring.drain([&](const AuditEntry& e) { rules.push_back(e.rule); });
  CHECK(rules == std::vector<std::uint32_t>{1, 2});
}

TEST_CASE("one producer and one consumer thread pass 200,000 items in order") {
  SpscRing<Item> ring(256);
  constexpr std::uint64_t kItems = 200'000;
  std::thread producer([&] {
    for (std::uint64_t i = 1; i <= kItems;) {
      Item* slot = ring.reserve();
      if (slot == nullptr) continue;  // full: the consumer catches up
      slot->seq = i;
      slot->pad[119] = static_cast<std::uint8_t>(i);
      ring.commit();
      ++i;
    }
  });
  std::uint64_t expected = 1, wrong = 0;
  while (expected <= kItems) {
    ring.drain([&](const Item& it) {
      if (it.seq != expected || it.pad[119] != static_cast<std::uint8_t>(expected)) ++wrong;
      ++expected;
    });
  }
  producer.join();
  CHECK(wrong == 0);
  CHECK(expected == kItems + 1);
}

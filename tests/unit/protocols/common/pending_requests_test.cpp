// The shared outstanding-request table: oldest match first, oldest evicted when full, retire.
#include <catch2/catch.hpp>

#include "protocols/common/pending_requests.hpp"

using fg::proto::PendingRequests;

namespace {

struct Key {
  int id = 0;
  int tag = 0;
};

}  // namespace

TEST_CASE("find returns the oldest matching entry; retire forgets it", "[pending]") {
  PendingRequests<Key, 4> t;
  CHECK_FALSE(t.seen_request());
  CHECK(t.find([](const Key&) { return true; }) == nullptr);
  t.add({7, 1});
  t.add({8, 2});
  t.add({7, 3});
  CHECK(t.seen_request());
  CHECK(t.size() == 3);
  Key* k = t.find([](const Key& e) { return e.id == 7; });
  REQUIRE(k != nullptr);
  CHECK(k->tag == 1);
  t.retire(k);
  k = t.find([](const Key& e) { return e.id == 7; });
  REQUIRE(k != nullptr);
  CHECK(k->tag == 3);
  t.retire(k);
  CHECK(t.find([](const Key& e) { return e.id == 7; }) == nullptr);
  CHECK(t.size() == 1);
  CHECK(t.seen_request());  // stays set once a request was seen
}

TEST_CASE("a full table evicts its oldest entry and says which", "[pending]") {
  PendingRequests<Key, 3> t;
  Key evicted{};
  CHECK_FALSE(t.add({1, 0}, &evicted));
  CHECK_FALSE(t.add({2, 0}, &evicted));
  CHECK_FALSE(t.add({3, 0}, &evicted));
  CHECK(t.add({4, 0}, &evicted));
  CHECK(evicted.id == 1);
  t.retire(t.find([](const Key& e) { return e.id == 3; }));
  CHECK_FALSE(t.add({5, 0}, &evicted));  // the freed slot is reused
  CHECK(t.add({6, 0}, &evicted));
  CHECK(evicted.id == 2);
  CHECK(t.size() == 3);
  for (int id : {4, 5, 6}) CHECK(t.find([id](const Key& e) { return e.id == id; }) != nullptr);
}

TEST_CASE("a 64-slot table uses every slot and keeps order over many adds", "[pending]") {
  PendingRequests<Key, 64> t;
  for (int i = 0; i < 64; ++i) CHECK_FALSE(t.add({i, 0}));
  CHECK(t.size() == 64);
  Key evicted{};
  for (int i = 64; i < 1000; ++i) {
    CHECK(t.add({i, 0}, &evicted));
    CHECK(evicted.id == i - 64);
  }
  CHECK(t.find([](const Key& e) { return e.id < 936; }) == nullptr);
  Key* oldest = t.find([](const Key&) { return true; });
  REQUIRE(oldest != nullptr);
  CHECK(oldest->id == 936);
}

TEST_CASE("find_any returns a match without looking for older ones", "[pending]") {
  PendingRequests<Key, 8> t;
  t.add({1, 0});
  t.add({2, 0});
  CHECK(t.find_any([](const Key& e) { return e.id == 3; }) == nullptr);
  Key* k = t.find_any([](const Key& e) { return e.id == 2; });
  REQUIRE(k != nullptr);
  CHECK(k->id == 2);
  t.retire(k);
  CHECK(t.find_any([](const Key& e) { return e.id == 2; }) == nullptr);
  CHECK(t.size() == 1);
}

// Snapshot swaps: a replaced table lives until every online worker has passed a quiescent
// state, and a reader thread never sees a freed table while tables are swapped under it.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "dataplane/rcu/snapshot.hpp"

using namespace fg::dp;

namespace {
struct Table {
  explicit Table(int v, std::atomic<int>& live) : value(v), live_count(live) { ++live_count; }
  ~Table() { value = -1; --live_count; }
  int value;
  std::atomic<int>& live_count;
};
}  // namespace

TEST_CASE("a retired table is freed only after every online worker is quiescent") {
  std::atomic<int> live{0};
  RcuDomain rcu(2);
  rcu.online(0);
  rcu.online(1);
  Snapshot<Table> snap(rcu);
  CHECK(snap.get() == nullptr);
  snap.publish(std::make_unique<const Table>(1, live));
  const Table* seen_by_worker0 = snap.get();
  snap.publish(std::make_unique<const Table>(2, live));
  CHECK(snap.get()->value == 2);
  CHECK(live == 2);  // worker 0 may still hold table 1
  rcu.quiescent(0);
  snap.reclaim();
  CHECK(live == 2);  // worker 1 has not passed a quiescent state yet
  CHECK(seen_by_worker0->value == 1);
  rcu.quiescent(1);
  snap.reclaim();
  CHECK(live == 1);
  CHECK(snap.retired() == 0);
}

TEST_CASE("offline workers are not waited for") {
  std::atomic<int> live{0};
  RcuDomain rcu(2);
  rcu.online(0);
  Snapshot<Table> snap(rcu);
  snap.publish(std::make_unique<const Table>(1, live));
  snap.publish(std::make_unique<const Table>(2, live));
  rcu.quiescent(0);
  snap.reclaim();
  CHECK(live == 1);
}

TEST_CASE("a reader swapping under load never reads a freed table") {
  std::atomic<int> live{0};
  RcuDomain rcu(1);
  Snapshot<Table> snap(rcu);
  snap.publish(std::make_unique<const Table>(0, live));
  std::atomic<bool> stop{false};
  std::atomic<long> bad{0}, reads{0};
  std::thread worker([&] {
    rcu.online(0);
    while (!stop.load(std::memory_order_relaxed)) {
      const Table* t = snap.get();  // one load per "burst"
      for (int i = 0; i < 50; ++i) {
        if (t->value < 0) ++bad;
        ++reads;
      }
      rcu.quiescent(0);
    }
    rcu.offline(0);
  });
  // Keep swapping until the worker has really read under the swaps (it may start late).
  for (int v = 1; v <= 2000 || reads.load() < 100000; ++v) {
    snap.publish(std::make_unique<const Table>(v, live));
    if (v % 50 == 0) std::this_thread::yield();
  }
  stop = true;
  worker.join();
  snap.reclaim();
  CHECK(bad == 0);
  CHECK(reads > 0);
  CHECK(live == 1);
}

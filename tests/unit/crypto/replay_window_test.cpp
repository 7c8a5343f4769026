// Anti-replay window (RFC 4303 §3.4.3, Appendix A): edges of the window and ESN inference.
#include <catch2/catch.hpp>

#include "crypto/esp/replay_window.hpp"

using fg::esp::ReplayWindow;
using Check = ReplayWindow::Check;

TEST_CASE("a fresh window accepts 1 and rejects 0") {
  ReplayWindow w;
  CHECK(w.check(0) == Check::OutOfWindow);
  CHECK(w.check(1) == Check::Ok);
  w.accept(1);
  CHECK(w.check(1) == Check::Replay);
  CHECK(w.top() == 1);
}

TEST_CASE("the window holds exactly 1024 numbers behind the highest") {
  ReplayWindow w;
  w.accept(5000);
  CHECK(w.check(5000) == Check::Replay);
  CHECK(w.check(5000 - 1023) == Check::Ok);          // the oldest number still inside
  CHECK(w.check(5000 - 1024) == Check::OutOfWindow); // the first one outside
  w.accept(5000 - 1023);
  CHECK(w.check(5000 - 1023) == Check::Replay);
  CHECK(w.check(4999) == Check::Ok);
}

TEST_CASE("out-of-order packets are accepted once each, inside the window") {
  ReplayWindow w;
  for (std::uint64_t s : {10, 7, 3, 12, 11, 8}) {
    REQUIRE(w.check(s) == Check::Ok);
    w.accept(s);
  }
  for (std::uint64_t s : {10, 7, 3, 12, 11, 8}) CHECK(w.check(s) == Check::Replay);
  for (std::uint64_t s : {1, 2, 4, 5, 6, 9}) CHECK(w.check(s) == Check::Ok);
}

TEST_CASE("advancing clears bits of numbers that left the window, also by more than the window") {
  ReplayWindow w;
  for (std::uint64_t s = 1; s <= 3000; ++s) w.accept(s);
  w.accept(3000 + 64);  // moves the window by one word
  for (std::uint64_t s = 3001; s < 3064; ++s) CHECK(w.check(s) == Check::Ok);
  CHECK(w.check(3000) == Check::Replay);
  w.accept(1'000'000);  // far ahead: everything behind is fresh or out of window
  CHECK(w.check(1'000'000 - 1) == Check::Ok);
  CHECK(w.check(1'000'000 - 1023) == Check::Ok);
  CHECK(w.check(3000) == Check::OutOfWindow);
}

TEST_CASE("sequence numbers landing on the same ring position two windows apart are not confused") {
  ReplayWindow w;
  w.accept(100);
  w.accept(100 + 2048);  // same bit position in a 2048-bit ring
  CHECK(w.check(100 + 2048) == Check::Replay);
  CHECK(w.check(100 + 2048 - 1) == Check::Ok);
  CHECK(w.check(100 + 1024 + 1) == Check::Ok);
}

TEST_CASE("without ESN the 32-bit number is the sequence number") {
  ReplayWindow w;
  w.accept(0xfffffff0u);
  CHECK(w.infer(0xfffffff5u, false) == 0xfffffff5u);
  CHECK(w.infer(3, false) == 3);
  CHECK(w.check(w.infer(3, false)) == Check::OutOfWindow);
}

TEST_CASE("ESN: the high half is inferred across the 2^32 boundary (RFC 4303 Appendix A2.2)") {
  ReplayWindow w;
  // Case A: window inside one subspace; a low number means the next subspace.
  w.accept(0x00000001'fffffff0ull);
  CHECK(w.infer(0xfffffff8u, true) == 0x00000001'fffffff8ull);
  CHECK(w.infer(0xfffffff0u - 1023, true) == 0x00000001'fffffff0ull - 1023);  // window bottom: same subspace
  CHECK(w.infer(0xfffffff0u - 1024, true) == 0x00000002'00000000ull + 0xfffffff0u - 1024);  // below: next one
  CHECK(w.infer(5, true) == 0x00000002'00000005ull);
  w.accept(0x00000002'00000005ull);
  // Case B: the window spans the boundary; numbers near 2^32 belong to the previous subspace.
  CHECK(w.infer(0xfffffffeu, true) == 0x00000001'fffffffeull);
  CHECK(w.check(0x00000001'fffffffeull) == Check::Ok);
  CHECK(w.infer(0xfffffff0u, true) == 0x00000001'fffffff0ull);
  CHECK(w.check(0x00000001'fffffff0ull) == Check::Replay);
  CHECK(w.infer(6, true) == 0x00000002'00000006ull);
  CHECK(w.infer(0xfffffff0u - 2000, true) == 0x00000002'00000000ull + 0xfffffff0u - 2000);  // far behind: ahead instead
}

TEST_CASE("ESN at the very start: numbers that would need a negative high half are rejected") {
  ReplayWindow w;
  CHECK(w.infer(1, true) == 1);
  CHECK(w.infer(0xffffffffu, true) == 0);  // would be -1: 0 is never valid
  CHECK(w.check(0) == Check::OutOfWindow);
}

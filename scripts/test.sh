#!/bin/sh
# Quick start 2: install, build and run the whole test suite:
#   unit, golden (vs tshark), replay, end-to-end (namespaces + DPDK) on the release build;
#   unit tests again under ASan+UBSan; every fuzz target for a short run (clang, libFuzzer).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-tests
scripts/build.sh
meson test -C build --print-errorlogs --num-processes 2

[ -f build-asan/build.ninja ] || meson setup build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --suite unit --print-errorlogs --num-processes 2

[ -f build-fuzz/build.ninja ] || CC=clang CXX=clang++ meson setup build-fuzz --buildtype=debugoptimized \
  -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-fuzz
meson test -C build-fuzz --suite fuzz --print-errorlogs --num-processes 2

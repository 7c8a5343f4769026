#!/bin/sh
# Configures (once) and builds fieldguard in ./build (release, -march from meson_options).
set -eu
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build --buildtype=release
ninja -C build

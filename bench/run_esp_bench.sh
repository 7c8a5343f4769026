#!/bin/sh
# ESP stage throughput per core beside `openssl speed -evp aes-256-gcm` at the same sizes, in
# one run on the same core (taskset -c CPU). Prints a table; writes nothing.
# usage: bench/run_esp_bench.sh [BUILD_DIR] [SECONDS] [CPU]
set -eu
build=${1:-build} seconds=${2:-3} cpu=${3:-1}
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(openssl version)"
for size in 64 512 1400; do
  echo "[$size-byte frames]"
  taskset -c "$cpu" "$build/bench/esp_bench" "$size" "$seconds" | sed 's/^/  fieldguard /'
  # OpenSSL's figure: bytes/s of AES-256-GCM over buffers of the same size (bytes/s in -mr output).
  k=$(taskset -c "$cpu" openssl speed -evp aes-256-gcm -bytes "$size" -seconds "$seconds" -mr 2>/dev/null |
      awk -F: '/^\+F:/ {print $4}')
  awk -v k="$k" -v s="$size" 'BEGIN { printf "  openssl speed -evp aes-256-gcm -bytes %d: %10.0f buffers/s  %7.3f Gbit/s\n", s, k/s, k*8/1e9 }'
done

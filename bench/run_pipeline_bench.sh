#!/bin/sh
# Pipeline packets/s per core beside DPDK's own 5tswap forwarding bound, in one run, on the
# same core (lcore 1) and the same kind of port. Writes nothing; prints a table.
# usage: bench/run_pipeline_bench.sh [BUILD_DIR] [SECONDS] [PACKETS] [FLOWS]
#
# Two pairings, both reported (docs/PERFORMANCE.md says what each one means):
# - net_ring: testpmd circulates the 64 packets of --tx-first between two looped rings (they
#   never leave L1); the pipeline circulates the whole capture (~1 M distinct mbufs) through
#   one ring. Same port kind, very different working sets. So the pipeline also circulates a
#   64-packet capture (4 flows; 46 frames), which stays in L1 as testpmd's packets do: its
#   cost without memory misses (each pass, the 4 connections close and open again).
# - net_pcap replay: testpmd and the pipeline each receive the capture from a net_pcap port
#   with infinite_rx (the PMD copies every frame of the capture, held in memory, into a fresh
#   mbuf, as a NIC writes received frames) and transmit to it (dropped). Same port, same
#   traffic, same core.
set -eu
build=${1:-build} seconds=${2:-10} packets=${3:-1000000} flows=${4:-2000}
here=$(cd "$(dirname "$0")" && pwd)
gen=${GEN_ICS_PCAP:-$here/../../shared/tools/gen_ics_pcap.py}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
eal="--no-huge --no-pci --no-shconf -m 3072 --log-level=lib.eal:error"

python3 "$gen" modbus "$work/modbus.pcap" --packets "$packets" --flows "$flows" >/dev/null
python3 "$gen" dnp3 "$work/dnp3.pcap" --packets "$packets" --flows "$flows" >/dev/null
python3 "$gen" modbus "$work/l1.pcap" --packets 64 --flows 4 >/dev/null

# Mean of the last three per-port Rx-pps reports times the number of ports: packets/s
# forwarded by testpmd's one forwarding core.
testpmd_pps() { # LOG PORTS
  awk -v ports="$2" '/Rx-pps:/ { v[++n] = $2 } END {
    s = 0; c = 0; for (i = n; i > n - 3 * ports && i > 0; i--) { s += v[i]; c++ }
    if (c) printf "%.0f", s * ports / c; else print 0 }' "$1"
}

# Bound 1: testpmd 5tswap (swaps the L2-L4 addresses and ports of every packet) between two
# looped net_ring ports, one forwarding core.
timeout -s INT $((seconds + 5)) dpdk-testpmd $eal -l 0,1 --vdev net_ring0 --vdev net_ring1 -- \
  --forward-mode=5tswap --tx-first --nb-cores=1 --stats-period=1 --auto-start >"$work/testpmd.log" 2>&1 || true
ring_bound=$(testpmd_pps "$work/testpmd.log" 2)

run() { "$build/bench/pipeline_bench" "$@" 2>/dev/null | tr '\n' ' '; echo; }
ring() { run $eal -l 1 -- "$@"; }
replay() { # CAPTURE SECONDS [OPTIONS]: the pipeline on a net_pcap port replaying CAPTURE
  f=$1; shift
  run $eal -l 1 --vdev "net_pcap0,rx_pcap=$f,infinite_rx=1" -- "$f" "$@" --vdev-port
}
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "testpmd 5tswap bound (2 looped net_ring ports, 64 packets in flight, 1 core): ${ring_bound} packets/s"
echo "pipeline without parsers, net_ring loop of a 64-packet Modbus capture (in L1 like testpmd's):"
echo "  $(ring "$work/l1.pcap" "$seconds" --no-inspect)"
for f in modbus dnp3; do
  cap="$work/$f.pcap"
  echo "[$f mix, $packets packets, $flows flows]"
  echo " net_ring loop of the capture's mbufs:"
  echo "  io only (ring rx/tx, no pipeline):  $(ring "$cap" "$seconds" --io-only)"
  echo "  pipeline without parsers:           $(ring "$cap" "$seconds" --no-inspect)"
  echo "  pipeline with all parsers:          $(ring "$cap" "$seconds")"
  echo "  pipeline with all parsers+identity: $(ring "$cap" "$seconds" --identity)"
  # Bound 2: testpmd 5tswap on a net_pcap port replaying the same capture.
  timeout -s INT $((seconds + 8)) dpdk-testpmd $eal -l 0,1 --vdev "net_pcap0,rx_pcap=$cap,infinite_rx=1" -- \
    --forward-mode=5tswap --nb-cores=1 --stats-period=1 --auto-start --mbuf-size=640 \
    --total-num-mbufs=$((packets + 65536)) >"$work/testpmd_pcap.log" 2>&1 || true
  echo " net_pcap port replaying the capture (infinite_rx):"
  echo "  testpmd 5tswap bound:               $(testpmd_pps "$work/testpmd_pcap.log" 1) packets/s"
  echo "  io only (port rx/tx, no pipeline):  $(replay "$cap" "$seconds" --io-only)"
  echo "  pipeline without parsers:           $(replay "$cap" "$seconds" --no-inspect)"
  echo "  pipeline with all parsers:          $(replay "$cap" "$seconds")"
  # Whole process, offline: read the file with libpcap, run the pipeline, write the output
  # file and the audit log (formatting included).
  start=$(date +%s.%N)
  "$build/daemon/fieldguardd" -q -r "$cap" -w "$work/out.pcap" --audit-log "$work/audit.jsonl"
  end=$(date +%s.%N)
  echo "  fieldguardd -r (+ -w, --audit-log): $(echo "$start $end $packets" | awk '{printf "%.2f s, %.0f packets/s", $2-$1, $3/($2-$1)}'), $(wc -l < "$work/audit.jsonl") audit records"
  rm -f "$work/out.pcap" "$work/audit.jsonl"
done

#!/bin/sh
# Pipeline packets/s per core beside DPDK's own 5tswap forwarding bound, in one run, on the
# same core (lcore 1) and the same kind of port (net_ring). Writes nothing; prints a table.
# usage: bench/run_pipeline_bench.sh [BUILD_DIR] [SECONDS] [PACKETS] [FLOWS]
set -eu
build=${1:-build} seconds=${2:-10} packets=${3:-1000000} flows=${4:-2000}
here=$(cd "$(dirname "$0")" && pwd)
gen=${GEN_ICS_PCAP:-$here/../../shared/tools/gen_ics_pcap.py}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
eal="--no-huge --no-pci --no-shconf -m 2048 --log-level=lib.eal:error"

python3 "$gen" modbus "$work/modbus.pcap" --packets "$packets" --flows "$flows" >/dev/null
python3 "$gen" dnp3 "$work/dnp3.pcap" --packets "$packets" --flows "$flows" >/dev/null

# Bound: testpmd forwarding with 5tswap (swaps L2-L4 addresses and ports of every packet)
# between two looped net_ring ports, one forwarding core.
timeout -s INT $((seconds + 5)) dpdk-testpmd $eal -l 0,1 --vdev net_ring0 --vdev net_ring1 -- \
  --forward-mode=5tswap --tx-first --nb-cores=1 --stats-period=1 --auto-start >"$work/testpmd.log" 2>&1 || true
bound=$(awk '/Rx-pps:/ {pps[$2]=$2; v[NR]=$2} /Rx-pps:/ {last[++n]=$2} END {
  # average the per-port Rx-pps of the last 3 reports (each report has two ports)
  s=0; c=0; for (i=n; i>n-6 && i>0; i--) { s+=last[i]; c++ } ; if (c) printf "%.0f", s*2/c; else print 0 }' "$work/testpmd.log")

run() { "$build/bench/pipeline_bench" $eal -l 1 -- "$@" 2>/dev/null | tr '\n' ' '; echo; }
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "testpmd 5tswap bound (net_ring, 1 core): ${bound} packets/s"
for f in modbus dnp3; do
  echo "[$f mix, $packets packets, $flows flows]"
  echo "  io only (ring rx/tx, no pipeline):  $(run "$work/$f.pcap" "$seconds" --io-only)"
  echo "  pipeline without parsers:           $(run "$work/$f.pcap" "$seconds" --no-inspect)"
  echo "  pipeline with all parsers:          $(run "$work/$f.pcap" "$seconds")"
  echo "  pipeline with all parsers+identity: $(run "$work/$f.pcap" "$seconds" --identity)"
  # Whole process, offline: read the file with libpcap, run the pipeline, write the output
  # file and the audit log (formatting included).
  start=$(date +%s.%N)
  "$build/daemon/fieldguardd" -q -r "$work/$f.pcap" -w "$work/out.pcap" --audit-log "$work/audit.jsonl"
  end=$(date +%s.%N)
  echo "  fieldguardd -r (+ -w, --audit-log): $(echo "$start $end $packets" | awk '{printf "%.2f s, %.0f packets/s", $2-$1, $3/($2-$1)}'), $(wc -l < "$work/audit.jsonl") audit records"
  rm -f "$work/out.pcap" "$work/audit.jsonl"
done

#!/bin/sh
# Quick start 1: install, build, install fieldguard, and run the DPDK dataplane on two net_pcap
# virtual devices that replay the bundled capture (examples/captures/demo-ics.pcap).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install-deps.sh
scripts/build.sh
meson install -C build --quiet
demo=$(mktemp -d /tmp/fieldguard-demo.XXXXXX)
# An empty capture gives the platform-side port something to read.
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' > "$demo/empty.pcap"
sed "s#@DEMO_DIR@#$demo#g; s#@CAPTURE@#$root/examples/captures/demo-ics.pcap#g" \
  examples/demo/fieldguard-demo.yaml.in > "$demo/fieldguard.yaml"
# meson installs daemons to PREFIX/sbin, which a plain root shell may not have on PATH.
fgd=$(command -v fieldguardd || echo /usr/local/sbin/fieldguardd)
echo "== $fgd -c $demo/fieldguard.yaml (DPDK net_pcap vdevs, stops when the capture ends)"
"$fgd" -c "$demo/fieldguard.yaml"
echo
echo "== alerts and anomalies ($demo/events.jsonl)"
python3 "$root/examples/demo/show_events.py" "$demo/events.jsonl" "$demo/audit.jsonl"
echo
echo "Forwarded traffic: $demo/platform-out.pcap   audit log: $demo/audit.jsonl"

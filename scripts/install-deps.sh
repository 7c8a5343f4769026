#!/bin/sh
# Installs the Debian 12 packages fieldguard builds, runs and tests with (as root).
set -eu
export DEBIAN_FRONTEND=noninteractive
BUILD="meson ninja-build pkg-config g++ libdpdk-dev dpdk libpcap-dev libboost-program-options-dev
  libssl-dev libmbedtls-dev libyaml-cpp-dev catch2 libcurl4-openssl-dev libsystemd-dev"
# Test peers and tools: tshark (reference dissector), scapy and pymodbus (real peers),
# iproute2/ethtool (namespaces), dpdk-dev (testpmd, for the benchmark bound), clang (libFuzzer),
# libmodbus5 (the anomaly study's historian, eval/peers/libmodbus_historian.py).
TEST="tshark wireshark-common make python3 python3-scapy python3-pymodbus python3-serial python3-serial-asyncio iproute2 ethtool tcpreplay
  libmodbus5
  dpdk-dev clang libclang-rt-14-dev
  rsyslog rsyslog-openssl systemd openssl curl python3-cryptography nginx"
want=$BUILD
[ "${1:-}" = "--with-tests" ] && want="$BUILD $TEST"
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  # wireshark-common asks whether non-root users may capture; the answer is no.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing
fi
# Node peers (node-opcua, node-snap7) for the rule-enforcement end-to-end tests.
[ "${1:-}" = "--with-tests" ] && "$(dirname "$0")/install-node-peers.sh"
exit 0

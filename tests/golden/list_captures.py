#!/usr/bin/env python3
"""Lists the shared captures for meson: KIND<TAB>PATH<TAB>FLOOR per line.

FLOOR is the agreement (percent) a golden test must reach: 100 unless
tests/golden/agreement_floor.tsv records a lower, documented figure for that capture.
"""
import os
import sys

pcaps = sys.argv[1]
floors = {}
floor_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), "agreement_floor.tsv")
if os.path.exists(floor_file):
    for line in open(floor_file):
        line = line.strip()
        if line and not line.startswith("#"):
            name, value = line.split("\t")[:2]
            floors[name] = value
for kind in sorted(os.listdir(pcaps)):
    d = os.path.join(pcaps, kind)
    if not os.path.isdir(d):
        continue
    for f in sorted(os.listdir(d)):
        if f.endswith((".pcap", ".pcapng")):
            print(f"{kind}\t{os.path.join(d, f)}\t{floors.get(kind + '/' + f, '100')}")

#!/usr/bin/env python3
"""Prints the demo's events and a per-protocol, per-verdict count of its audit records."""
import collections
import json
import sys

events, audit = sys.argv[1], sys.argv[2]
for line in open(events):
    e = json.loads(line)
    where = f"{e.get('src_ip')}:{e.get('src_port', '')} -> {e.get('dst_ip')}:{e.get('dst_port', '')}"
    print(f"  {e['event']:<8} {e.get('name', ''):<34} frame {e.get('frame', '-'):<4} {where:<40} {e['action']:<6} {e['detail']}")
counts = collections.Counter()
for line in open(audit):
    r = json.loads(line)
    counts[(r["proto"], r["verdict"])] += 1
print("\n== audit records by protocol and verdict")
for (proto, verdict), n in sorted(counts.items()):
    print(f"  {proto:<12} {verdict:<6} {n}")

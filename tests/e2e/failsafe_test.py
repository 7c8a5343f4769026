#!/usr/bin/python3
"""End-to-end: the per-pair fail-safe policy under overload, on DPDK net_pcap vdevs.

The field port replays a capture of UDP frames (50 flows, written by the test) as fast as the
worker asks for it,
so its receive queue never empties: after kOverloadBursts full bursts in a row the worker is
overloaded. With `fail: open` every frame still reaches the plant port (the rest without
inspection) and a health.overload_fail_open event says so; with `fail: closed` the frames
past the overload point are dropped and health.overload_fail_closed says so. Counts come
from the daemon's summary, the output capture (capinfos) and fieldguardctl-visible stats.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
PACKETS = 20000
BURST = 32
OVERLOAD_BURSTS = 64  # dataplane/port/dpdk/dpdk_dataplane.hpp kOverloadBursts


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def write_udp_capture(path, n, flows=50):
    """n Ethernet/IPv4/UDP frames from 198.18.0.1 to 198.18.0.2, spread over `flows` ports."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            payload = bytes(18)
            udp = struct.pack("!HHHH", 40000 + i % flows, 20000, 8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                             bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2]))
            csum = sum(struct.unpack("!10H", ip))
            csum = (csum & 0xffff) + (csum >> 16)
            ip = ip[:10] + struct.pack("!H", ~((csum & 0xffff) + (csum >> 16)) & 0xffff) + ip[12:]
            frame = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp
            f.write(struct.pack("<IIII", i // 1000, (i % 1000) * 1000, len(frame), len(frame)) + frame)


def count_packets(path):
    n = 0
    with open(path, "rb") as f:
        f.read(24)
        while True:
            h = f.read(16)
            if len(h) < 16:
                return n
            f.seek(struct.unpack("<IIII", h)[2], 1)
            n += 1


def run(work, policy, src):
    cfg = os.path.join(work, policy + ".yaml")
    out = os.path.join(work, policy + "-north.pcap")
    with open(cfg, "w") as f:
        f.write(f"""
dataplane:
  backend: dpdk
  eal: [--no-huge, --no-pci, --no-shconf, -l, "0", --log-level=lib.eal:error, --no-telemetry]
  idle_exit: 1s
  burst: {BURST}
  ports:
    - name: field
      device: net_pcap{policy}0,rx_pcap={src},tx_pcap={work}/{policy}-south.pcap
    - name: plant
      device: net_pcap{policy}1,rx_pcap={work}/empty.pcap,tx_pcap={out}
  pairs:
    - south: field
      north: plant
      fail: {policy}
""")
    events, summary = os.path.join(work, policy + "-events.jsonl"), os.path.join(work, policy + "-summary.json")
    r = subprocess.run([FIELDGUARDD, "-q", "-c", cfg, "--no-control", "--event-log", events, "--summary-json", summary],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"fieldguardd ({policy}) failed:\n{r.stdout}{r.stderr}")
    health = [json.loads(x) for x in open(events) if '"health"' in x]
    return count_packets(out), json.load(open(summary)), health


def main():
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            fail("end-to-end tests need root in CI")
        print("SKIP: needs root (DPDK)")
        sys.exit(77)
    work = tempfile.mkdtemp(prefix="fg-failsafe-")
    try:
        src = os.path.join(work, "udp.pcap")
        write_udp_capture(src, PACKETS)
        total = count_packets(src)
        with open(os.path.join(work, "empty.pcap"), "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))

        north, s, health = run(work, "open", src)
        print(f"fail: open   -> {north}/{total} forwarded, {s['packets_in']} inspected, events {[h['name'] for h in health]}")
        check(north == total, f"fail open: {north} of {total} frames reached the plant port")
        check(s["packets_in"] < total and s["packets_in"] >= (OVERLOAD_BURSTS - 1) * BURST,
              f"fail open: {s['packets_in']} inspected, expected the first ~{OVERLOAD_BURSTS * BURST} only")
        check(s["forwarded"] == s["packets_in"], "fail open: inspected frames were dropped")
        check(any(h["name"] == "health.overload_fail_open" and h["bypassed"] > 0 for h in health),
              f"fail open: no health.overload_fail_open event with the bypassed count: {health}")

        north, s, health = run(work, "closed", src)
        print(f"fail: closed -> {north}/{total} forwarded, {s['packets_in']} inspected, events {[h['name'] for h in health]}")
        check(north == s["forwarded"] and north < total, f"fail closed: {north} of {total} frames forwarded")
        check(any(h["name"] == "health.overload_fail_closed" and h["dropped"] > 0 for h in health),
              f"fail closed: no health.overload_fail_closed event with the dropped count: {health}")
        print("PASS")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

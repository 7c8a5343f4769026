#!/usr/bin/python3
"""`fieldguardd -r X -w Y` under the monitor default forwards every packet unchanged:
Y has the same packets, byte for byte, in the same order. Also checks the summary."""
import json
import os
import subprocess
import sys
import tempfile

from scapy.utils import RawPcapReader


def packets(path):
    r = RawPcapReader(path)
    try:
        return [bytes(data) for data, _meta in r]
    finally:
        r.close()


def main():
    fgd, capture = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "out.pcap")
        summary = os.path.join(work, "summary.json")
        r = subprocess.run([fgd, "-q", "-r", capture, "-w", out, "--summary-json", summary], capture_output=True, text=True)
        if r.returncode != 0:
            print("fieldguardd failed:", r.stderr)
            sys.exit(1)
        a, b = packets(capture), packets(out)
        s = json.load(open(summary))
    print(f"{os.path.basename(capture)}: {len(a)} packets in, {len(b)} written; summary in={s['packets_in']} forwarded={s['forwarded']}")
    if a != b:
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                print(f"first difference at packet {i + 1}")
                break
        sys.exit(1)
    if s["packets_in"] != len(a) or s["forwarded"] != len(a) or s["dropped"] != 0:
        print("summary disagrees with the capture")
        sys.exit(1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Every shared capture through `fieldguardd -r`: responses answering no request
(dnp3.unmatched_response, opcua.unmatched_response) are raised exactly where
expected_unmatched_responses.tsv says the capture holds one, with its reason, and nowhere
else. Legitimate traffic (unsolicited responses, multi-fragment responses, Publish queues,
flows joined mid-stream, encrypted channels) must stay quiet.

usage: unmatched_responses_test.py FIELDGUARDD PCAP_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

EVENTS = ("dnp3.unmatched_response", "opcua.unmatched_response")


def expected_events():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected_unmatched_responses.tsv")
    expected = {}
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            capture, event, frames, reason = line.rstrip("\n").split("\t")
            if not reason.strip():
                sys.exit(f"{path}: {capture}: every expected event needs its reason")
            for frame in frames.split(","):
                expected.setdefault(capture, set()).add((event, int(frame)))
    return expected


def raised(fgd, capture, work):
    events = os.path.join(work, "events.jsonl")
    if os.path.exists(events):
        os.remove(events)  # the event log appends (its chain continues): start empty
    r = subprocess.run([fgd, "-q", "-r", capture, "--event-log", events], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"fieldguardd -r {capture} failed ({r.returncode}): {r.stderr}")
    found = set()
    if os.path.exists(events):
        with open(events) as f:
            for line in f:
                e = json.loads(line)
                if e.get("name") in EVENTS:
                    found.add((e["name"], e["frame"]))
    return found


def main():
    fgd, pcaps = sys.argv[1], sys.argv[2]
    expected = expected_events()
    failures = 0
    checked = 0
    with tempfile.TemporaryDirectory() as work:
        for kind in sorted(os.listdir(pcaps)):
            d = os.path.join(pcaps, kind)
            if not os.path.isdir(d):
                continue
            for name in sorted(os.listdir(d)):
                if not name.endswith((".pcap", ".pcapng")):
                    continue
                key = f"{kind}/{name.rsplit('.', 1)[0]}"
                found = raised(fgd, os.path.join(d, name), work)
                want = expected.pop(key, set())
                checked += 1
                for e, frame in sorted(found - want):
                    print(f"FAIL {key}: unexpected {e} at frame {frame}")
                    failures += 1
                for e, frame in sorted(want - found):
                    print(f"FAIL {key}: expected {e} at frame {frame} was not raised")
                    failures += 1
                if found and found == want:
                    print(f"ok   {key}: {len(found)} documented unmatched response(s)")
    for key in sorted(expected):
        print(f"FAIL {key}: listed in expected_unmatched_responses.tsv but not among the captures")
        failures += 1
    print(f"{checked} captures checked, {failures} problem(s)")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

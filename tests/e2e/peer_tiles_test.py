#!/usr/bin/python3
"""The anomaly study's capture machinery on real peers (eval/peer_record.py, eval/pcap_tiles.py):

1. records 40 s of the study's plant of real peers in network namespaces (pymodbus HMI, libmodbus
   historian, node-snap7 station, node-opcua subscriber against pymodbus, snap7 and node-opcua
   servers) and checks each of the four clients left complete connections in the capture;
2. tiles 10 minutes from it twice (two seeds) and checks, with tshark (not our own code), that
   every TCP checksum is good and that TCP analysis finds no lost, unseen or out-of-order segment
   (so sequence and acknowledgement spaces were shifted consistently); with our parser, that every
   tiled connection carries exactly the frames of one recorded connection (same payloads, flags,
   directions and relative times) on a fresh client port and fresh sequence numbers;
3. runs fieldguardd -r: each tiled connection has exactly the audit records of the recorded
   connection it copies (at most those, for a copy the capture's end cut short), and learning on one tiling then enforcing on the other
   raises no conformance and no baseline event (the same real sessions, laid out differently).
Everything created here is removed, even on failure.
"""
import collections
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(HERE, "support"))
sys.path.insert(0, os.path.join(ROOT, "eval"))
from harness import fail  # noqa: E402
import pcap_tiles as pt  # noqa: E402
import anomaly_eval as ae  # noqa: E402

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
US = 1_000_000


def signature(conn):
    """What a copy must keep of a connection: per frame, relative time, direction, TCP flags, payload."""
    t0 = conn.frames[0][0]
    sig = []
    for t, fr, fc in conn.frames:
        ip, tcp, *_, flags = pt.parse(fr)
        total = int.from_bytes(fr[ip + 2:ip + 4], "big")
        doff = (fr[tcp + 12] >> 4) * 4
        sig.append((t - t0, fc, flags, bytes(fr[tcp + doff:ip + total])))
    return tuple(sig)


def isn(conn):
    return int.from_bytes(conn.frames[0][1][pt.parse(conn.frames[0][1])[1] + 4:][:4], "big")


def tile(pool, path, seed):
    rnd = random.Random(seed)
    ports = pt.PortAllocator(rnd)
    t0 = (1767600000 + seed * 86400) * US
    streams = [pt.client_stream(ss, t0, t0 + 600 * US, ports, rnd) for ss in pool.values()]
    return pt.write(path, pt.merge(streams))[0]


def audit_counts(pcap, out, config=None):
    """Audit records per (client ip, client port, protocol) of a replay."""
    log = os.path.join(out, "audit.jsonl")
    if os.path.exists(log):
        os.unlink(log)
    argv = [FIELDGUARDD, "-q", "-r", pcap, "--audit-log", log]
    subprocess.run(argv + (["-c", config] if config else []), check=True)
    c = collections.Counter()
    for line in open(log):
        e = json.loads(line)
        client, port = (e["src_ip"], e["src_port"]) if e["dst_port"] in (502, 102, 4840) else (e["dst_ip"], e["dst_port"])
        c[(client, port, e["proto"])] += 1
    return c


def main():
    out = tempfile.mkdtemp(prefix="fg-peer-tiles-")
    try:
        rec = os.path.join(out, "recorded.pcap")
        r = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "eval", "peer_record.py"), "normal", rec,
                            "--seconds", "40"], capture_output=True, text=True, timeout=150)
        if r.returncode:
            fail(f"recording failed: {r.stdout}{r.stderr}")
        _, frames = pt.read_pcap(rec)
        pool = pt.segments(frames)
        clients = {".".join(map(str, c)): sum(len(s.conns) for s in ss) for c, ss in pool.items()}
        print("recorded:", len(frames), "frames; complete connections per client:", clients)
        for ip in ("198.18.0.10", "198.18.0.11", "198.18.0.12", "198.18.0.14"):
            if not clients.get(ip):
                fail(f"no complete connection of {ip} in the recording")
        recorded = {}
        for ss in pool.values():
            for s in ss:
                for c in s.conns:
                    recorded[signature(c)] = c

        rec_audit = audit_counts(rec, out)
        per_conn = collections.defaultdict(collections.Counter)
        for (ip, port, proto), n in rec_audit.items():
            per_conn[(ip, port)][proto] += n

        tiled = []
        for seed in (1, 2):
            path = os.path.join(out, f"tiled{seed}.pcap")
            n = tile(pool, path, seed)
            tiled.append(path)
            bad = subprocess.run(["tshark", "-r", path, "-o", "tcp.check_checksum:TRUE", "-Y",
                                  "tcp.checksum.status == 0 || tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment"
                                  " || tcp.analysis.out_of_order || tcp.analysis.retransmission",
                                  "-T", "fields", "-e", "frame.number"], capture_output=True, text=True)
            if bad.returncode or bad.stdout.strip():
                fail(f"tshark finds bad checksums or broken TCP in {path}: frames {bad.stdout.split()[:10]} {bad.stderr[-300:]}")
            _, tframes = pt.read_pcap(path)
            conns = pt.connections(tframes)
            tiled_audit = audit_counts(path, out)
            seen_isn = collections.defaultdict(list)
            cut = 0
            for c in conns:
                sig = signature(c)
                orig = recorded.get(sig)
                if orig is None and not c.ended:
                    # The capture's end cuts each client's last copy: a prefix of a recorded connection.
                    orig = next((o for k, o in recorded.items() if k[:len(sig)] == sig), None)
                    cut += 1
                if orig is None:
                    fail(f"tiled connection {c.client.hex()}:{c.cport} is no recorded connection's exact copy")
                if c.cport == orig.cport and isn(c) == isn(orig):
                    fail("a tiled connection kept the recorded port and sequence numbers")
                seen_isn[signature(orig)].append(isn(c))
                want = per_conn[(".".join(map(str, orig.client)), orig.cport)]
                for proto, k in want.items():
                    have = tiled_audit[(".".join(map(str, c.client)), c.cport, proto)]
                    if (have != k) if c.ended else (have > k):
                        fail(f"copy on port {c.cport}: {have} {proto} audit records, its recorded connection has {k}")
            if any(len(set(v)) != len(v) for v in seen_isn.values()):
                fail("two copies of a recorded connection start with the same sequence number")
            got = collections.Counter()
            for (_, _, proto), k in tiled_audit.items():
                got[proto] += k
            print(f"tiled {seed}: {n} frames, {len(conns)} connections ({len(seen_isn)} distinct recorded ones, "
                  f"{cut} cut by the capture's end), audit records {dict(got)}")
            if not all(got[p] for p in ("modbus", "s7comm", "opcua")):
                fail(f"a protocol is missing from the tiled capture's audit records: {dict(got)}")

        state = os.path.join(out, "state")
        os.makedirs(state)
        for mode in ("learn", "enforce"):
            with open(os.path.join(out, mode + ".yaml"), "w") as f:
                f.write(f"anomaly:\n  baseline: {{mode: {mode}, state_dir: {state}}}\n")
        ae.run(FIELDGUARDD, os.path.join(out, "learn.yaml"), tiled[0], os.path.join(out, "learn.events.jsonl"))
        evs = ae.run(FIELDGUARDD, os.path.join(out, "enforce.yaml"), tiled[1], os.path.join(out, "enforce.events.jsonl"))
        loud = [(d, n) for d, n, *_ in evs if d in ("conformance", "baseline")]
        print("enforce on the second tiling:", collections.Counter(n for _, n, *_ in evs) or "no events")
        if loud:
            fail(f"conformance/baseline events on the same sessions re-laid: {collections.Counter(loud)}")
        print("PASS")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()

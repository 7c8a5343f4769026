#!/usr/bin/python3
"""The anomaly study on traffic of real peers (docs/ANOMALY.md, "5. Evaluation"), in one command:

1. records, side by side in two sets of network namespaces (eval/peer_record.py):
   - RECORD seconds of a plant of real peers (pymodbus HMI, libmodbus historian, node-snap7
     station, node-opcua subscriber against pymodbus, snap7 and node-opcua servers);
   - the eight scripted attacks, driven by real clients against the same real servers;
2. cuts the normal recording in two by time: segments (eval/pcap_tiles.py) that start in the first
   half are one pool, the others the second pool; the study learns on the first and evaluates on
   the second, then (unless --one-direction) the other way round, since a few minutes of learning
   may or may not have seen everything normal;
3. tiles TRAIN hours from the learn pool and TEST hours from the evaluation pool (recorded segments
   back to back with recorded gaps, fresh ports and sequence numbers, no change of timing inside a
   segment), and for every attack and run a capture of evaluation-pool background with the attack's
   recorded connections placed inside it;
4. runs `fieldguardd -r`: learn on the training capture, enforce on the others, and reports the
   detection per attack and the false positives per hour, per detector (eval/anomaly_eval.py's tables).

Usage: peer_study.py FIELDGUARDD [--record 480] [--train-hours 8] [--test-hours 24] [--attack-runs 3]
                     [--out DIR] [--markdown FILE] [--recordings DIR (reuse a previous run's recordings)]
                     [--one-direction]
Exit 0 when, in every direction, every attack is detected by at least one detector and every
detector stays under one false positive per hour of normal traffic.
"""
import argparse
import collections
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import anomaly_eval as ae  # noqa: E402
import pcap_tiles as pt  # noqa: E402

US = 1_000_000
DAY = 86400
T0 = 1767600000  # 2026-01-05 08:00 UTC: capture time of the first tiled hour
# Attack name -> (minutes of background, gap range in seconds between its connections or None to
# keep the recorded timing). The drift's writes are separate connections recorded back to back;
# the study spaces them at the operator's pace, as a patient attacker would send them.
ATTACKS = {
    "unit_id_scan": (20, None),
    "function_code_scan": (20, None),
    "register_sweep": (20, None),
    "write_burst": (20, None),
    "plc_stop": (20, None),
    "connection_flood": (20, None),
    "recon_replay": (20, None),
    "write_drift": (330, (180, 480)),
}
DOCS = {
    "unit_id_scan": "pymodbus client from the HMI's address: units 0-247 of plc-1 (FC17 / FC3), 6-12 per second",
    "function_code_scan": "a socket client on a new host: function codes 1-127 on plc-1, 3-10 per second",
    "register_sweep": "pymodbus client from the HMI's address: FC3 of all 65,536 holding registers, 125 at a time, about 10 per second",
    "write_burst": "pymodbus client from the HMI's address: FC6 register 20, values 40-60 (learned), 300 writes 10-30 ms apart",
    "plc_stop": "node-snap7 S7Client (tests/e2e/peers/s7_station.js stop) from the station's address: PLC STOP to the snap7 server",
    "connection_flood": "raw socket on a new host: 3000 SYNs in 3 s to plc-1:502 (real kernels answer and reset)",
    "recon_replay": "the client requests of modbus/iti_modbus_testdata_part1.pcap sent over real connections to plc-1, 100-300 ms apart",
    "write_drift": "pymodbus client from the HMI's address: 45 writes of register 20 creeping 55..99, one connection each, every 3-8 min",
}


def record(out, seconds, drift_writes):
    """Both recordings at once (separate namespaces); returns (normal pcap, attack dir)."""
    rec = os.path.join(HERE, "peer_record.py")
    normal, attacks = os.path.join(out, "recorded_normal.pcap"), os.path.join(out, "recorded_attacks")
    with open(os.path.join(out, "record_normal.log"), "w") as ln, open(os.path.join(out, "record_attacks.log"), "w") as la:
        pn = subprocess.Popen(["/usr/bin/python3", rec, "normal", normal, "--seconds", str(seconds)], stdout=ln, stderr=ln)
        pa = subprocess.Popen(["/usr/bin/python3", rec, "attacks", attacks, "--drift-writes", str(drift_writes)],
                              stdout=la, stderr=la)
        ra, rn = pa.wait(), pn.wait()
    if rn or ra:
        raise SystemExit(f"recording failed (normal rc {rn}, attacks rc {ra}); logs in {out}")
    return normal, attacks


def mac_map_of(frames):
    """The MAC each IPv4 address used as a source in a capture (to give the attack lab's hosts the
    MACs their namesakes have in the normal recording: one host, one MAC)."""
    m = {}
    for _, fr in frames:
        p = pt.parse(fr)
        if p:
            m.setdefault(p[2], bytes(fr[6:12]))
    return m


def split_pools(segs, mid):
    learn, test = {}, {}
    for client, ss in segs.items():
        learn[client] = [s for s in ss if s.start < mid]
        test[client] = [s for s in ss if s.start >= mid]
        if not learn[client] or not test[client]:
            raise SystemExit(f"{socket.inet_ntoa(client)}: no recorded segment in one half of the recording")
    return learn, test


def background(pool, t_start, t_end, ports, rnd):
    return [pt.client_stream(ss, t_start, t_end, ports, rnd) for ss in pool.values()]


def attack_stream(frames, t_at, gaps, ports, rnd, mac_map):
    """The attack's recorded connections, with fresh ports and sequence numbers, starting at t_at:
    at their recorded offsets, or (gaps) one after another with a gap drawn from the range."""
    conns = sorted(pt.connections(frames), key=lambda c: c.frames[0][0])
    first = conns[0].frames[0][0]
    out, t = [], t_at
    for c in conns:
        start = t if gaps else t_at + (c.frames[0][0] - first)
        seg = pt.Segment(c.client, [c])
        out.extend(pt.emit_segment(seg, start, ports, rnd, mac_map))
        if gaps:
            t = start + (seg.end - seg.start) + int(rnd.uniform(*gaps) * US)
    out.sort(key=lambda x: x[0])
    return out


def behaviour_model(state):
    """(training windows, k, best silhouette) of the learned model in state/baseline.yaml."""
    got = {}
    with open(os.path.join(state, "baseline.yaml")) as f:
        for line in f:
            key, _, val = line.strip().partition(": ")
            if key in ("training_windows", "sizes", "silhouettes"):
                got[key] = json.loads(val)
    sizes = got.get("sizes", [])
    return got.get("training_windows", 0), len(sizes), max(got.get("silhouettes", [0]) or [0])


def describe_pool(pool):
    rows = []
    for client, ss in sorted(pool.items()):
        dur = sum(s.end - s.start for s in ss) / US
        conns = sum(len(s.conns) for s in ss)
        frames = sum(len(s.frames) for s in ss)
        rows.append(f"{socket.inet_ntoa(client)}: {len(ss)} segments, {conns} connections, {frames} frames, "
                    f"{dur:.1f} s inside segments")
    return rows


def judge_direction(a, out, learn_pool, test_pool, attack_dir, macs, title):
    """Learn on learn_pool's tiling, enforce on test_pool's tiling and on the attack captures
    (test_pool background) in out/; returns (ok, markdown lines)."""
    os.makedirs(out, exist_ok=True)
    state = os.path.join(out, "state")
    os.makedirs(state, exist_ok=True)
    for f in os.listdir(state):
        os.unlink(os.path.join(state, f))  # learn from scratch
    for mode in ("learn", "enforce"):
        with open(os.path.join(out, mode + ".yaml"), "w") as f:
            f.write(f"anomaly:\n  baseline: {{mode: {mode}, state_dir: {state}}}\n")
    rnd = random.Random(a.seed)
    ports = pt.PortAllocator(rnd)
    train, test = os.path.join(out, "train.pcap"), os.path.join(out, "normal_test.pcap")
    t_train = T0 * US
    n_train, _, _ = pt.write(train, pt.merge(background(learn_pool, t_train, t_train + int(a.train_hours * 3600 * US), ports, rnd)))
    t_test = (T0 + DAY) * US
    n_test, _, _ = pt.write(test, pt.merge(background(test_pool, t_test, t_test + int(a.test_hours * 3600 * US), ports, rnd)))

    learned = ae.run(a.fieldguardd, os.path.join(out, "learn.yaml"), train, os.path.join(out, "train.events.jsonl"))
    windows, clusters, silhouette = behaviour_model(state)
    enforce = os.path.join(out, "enforce.yaml")
    normal = ae.run(a.fieldguardd, enforce, test, os.path.join(out, "normal_test.events.jsonl"))
    fp = collections.Counter(d for d, *_ in normal)
    fp_names = collections.Counter(n for _, n, *_ in normal)

    attacks_meta = json.load(open(os.path.join(attack_dir, "attacks.json")))
    results = {}
    # Events in an attack capture that are not the attack's (another server, or outside the
    # judged interval) are false positives on its background, which is normal traffic too.
    bg_fp, bg_names, bg_hours = collections.Counter(), collections.Counter(), 0.0
    for i, (name, (minutes, gaps)) in enumerate(ATTACKS.items()):
        _, aframes = pt.read_pcap(os.path.join(attack_dir, name + ".pcap"))
        info = attacks_meta[name]
        runs = []
        for k in range(a.attack_runs):
            t0 = (T0 + (2 + k) * DAY + i * 6 * 3600) * US
            t1 = t0 + minutes * 60 * US
            at = t0 + min(minutes * 60 * US // 3, 600 * US)
            astream = attack_stream(aframes, at, gaps, ports, rnd, macs)
            pcap = os.path.join(out, f"{name}.{k}.pcap")
            pt.write(pcap, pt.merge(background(test_pool, t0, t1, ports, rnd) + [iter(astream)]))
            meta = {"start_ns": astream[0][0] * 1000, "end_ns": astream[-1][0] * 1000, "server": info["server"]}
            with open(pcap + ".json", "w") as f:
                json.dump(dict(meta, attack=name), f)
            evs = ae.run(a.fieldguardd, enforce, pcap, os.path.join(out, f"{name}.{k}.events.jsonl"))
            runs.append(ae.judge(evs, meta))
            lo, hi = meta["start_ns"] - 10 * 10**9, meta["end_ns"] + 20 * 10**9
            for d, n, t, src, dst, _ in evs:
                if not (lo <= t <= hi and meta["server"] in (src, dst)):
                    bg_fp[d] += 1
                    bg_names[n] += 1
            bg_hours += (t1 - t0) / US / 3600
        results[name] = ae.summarise(DOCS[name], a.attack_runs, runs)

    names = list(ATTACKS)
    hours = a.test_hours
    all_fp = fp + bg_fp
    ok = ae.verdict(results, names, a.attack_runs, fp, hours) and all(all_fp[d] / (hours + bg_hours) < 1 for d in ae.DETECTORS)
    lines = [f"### {title}\n", "Learn pool:\n"] + ["- " + r for r in describe_pool(learn_pool)] + \
            ["", "Evaluation pool:\n"] + ["- " + r for r in describe_pool(test_pool)] + \
            ["", f"Training: {a.train_hours:g} h tiled from the learn pool ({n_train} frames); false positives "
                 f"measured on {a.test_hours:g} h tiled from the evaluation pool ({n_test} frames); events during "
                 f"training: {len(learned)}; behaviour model: {windows} training windows, k = {clusters} by silhouette "
                 f"({silhouette:.3f}).\n"]
    lines += ae.tables(results, names, a.attack_runs, fp, fp_names, hours)
    lines += ["", f"False positives on all normal traffic: the {hours:g} h above plus the background of the attack "
                  f"captures ({bg_hours:.1f} h, events other than the attack's own):\n",
              "| detector | in the attack captures' background | all normal traffic | per hour |", "|---|---|---|---|"]
    for d in ae.DETECTORS:
        lines.append(f"| {d} | {bg_fp[d]} in {bg_hours:.1f} h | {all_fp[d]} in {hours + bg_hours:.1f} h | "
                     f"{all_fp[d] / (hours + bg_hours):.3f} |")
    if bg_names:
        lines += ["", "Background false positives by event: " + ", ".join(f"{k} {v}" for k, v in sorted(bg_names.items()))]
    lines += ["", f"{title}: {'PASS' if ok else 'FAIL'} (every attack capture detected by at least one detector, "
                  "< 1 false positive per hour per detector, on the test hours and on all normal traffic)", ""]
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"results": results, "false_positives": fp, "test_hours": hours, "background_false_positives": bg_fp,
                   "background_hours": bg_hours, "ok": ok}, f, indent=1)
    return ok, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("fieldguardd")
    ap.add_argument("--record", type=float, default=480, help="seconds of normal traffic to record")
    ap.add_argument("--train-hours", type=float, default=8)
    ap.add_argument("--test-hours", type=float, default=24)
    ap.add_argument("--attack-runs", type=int, default=3)
    ap.add_argument("--drift-writes", type=int, default=45)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=None)
    ap.add_argument("--markdown", default=None)
    ap.add_argument("--one-direction", action="store_true",
                    help="only learn on the first half and evaluate on the second (not also the other way round)")
    ap.add_argument("--recordings", default=None, help="reuse recorded_normal.pcap and recorded_attacks/ from this directory")
    a = ap.parse_args()
    started = time.time()
    out = a.out or tempfile.mkdtemp(prefix="fg-peer-study-")
    os.makedirs(out, exist_ok=True)
    if a.recordings:
        normal_pcap = os.path.join(a.recordings, "recorded_normal.pcap")
        attack_dir = os.path.join(a.recordings, "recorded_attacks")
    else:
        normal_pcap, attack_dir = record(out, a.record, a.drift_writes)
    recorded_s = time.time() - started
    _, frames = pt.read_pcap(normal_pcap)
    macs = mac_map_of(frames)
    segs = pt.segments(frames)
    span = (frames[-1][0] - frames[0][0]) / US
    mid = frames[0][0] + (frames[-1][0] - frames[0][0]) // 2
    first, second = split_pools(segs, mid)

    attacks_meta = json.load(open(os.path.join(attack_dir, "attacks.json")))
    lines = [f"Recorded in this run: {span:.0f} s of real peers (normal), cut at {(mid - frames[0][0]) / US:.0f} s "
             f"into two pools; the attacks recorded at the same time in a second set of namespaces. Recording took "
             f"{recorded_s:.0f} s, the whole study {{TOTAL}} s.\n",
             "Attacks as recorded (client, connections, frames, what the attack tool reported):\n",
             "| attack | client | connections | frames | tool output |", "|---|---|---|---|---|"]
    for name in ATTACKS:
        _, aframes = pt.read_pcap(os.path.join(attack_dir, name + ".pcap"))
        info = attacks_meta[name]
        lines.append(f"| {name} | {info['client']} | {len(pt.connections(aframes))} | {len(aframes)} | "
                     f"{info['output'].splitlines()[-1] if info['output'] else ''} |")
    lines.append("")
    directions = [("learn on the first half, evaluate on the second", "first_to_second", first, second)]
    if not a.one_direction:
        directions.append(("learn on the second half, evaluate on the first", "second_to_first", second, first))
    verdicts = []
    for title, sub, lp, tp in directions:
        ok, dl = judge_direction(a, os.path.join(out, sub), lp, tp, attack_dir, macs, title.capitalize())
        verdicts.append((title, ok))
        lines += dl
    ok = all(v for _, v in verdicts)
    lines.append("Result: " + ("PASS" if ok else "FAIL") + " (" +
                 "; ".join(f"{t}: {'pass' if v else 'fail'}" for t, v in verdicts) + ")")
    text = "\n".join(lines).replace("{TOTAL}", f"{time.time() - started:.0f}")
    print(text)
    print(f"\n(recordings, captures, configs, events and learned state in {out})")
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

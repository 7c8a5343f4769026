#!/usr/bin/python3
"""End-to-end: the rule set is reloaded 100 times while traffic crosses the DPDK dataplane,
and every packet is accounted for.

fieldguardd bridges two DPDK net_pcap ports: the field port replays a generated Modbus/TCP
capture (gen_ics_pcap.py), the plant port writes what is forwarded to a capture file. While
the traffic runs, the rule set is swapped 100 times between two valid sets (through the
control socket, through `fieldguardctl rules reload`, and by SIGHUP); every tenth attempt is
a broken file, which must be refused while the running set stays. At the end:
  packets in the input capture = packets forwarded + packets dropped by policy,
  the daemon received every packet (nothing lost), and every forwarded frame is one of the
  input frames, no more often than it was sent (nothing twice).
"""
import collections
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
FIELDGUARDCTL = os.environ.get("FIELDGUARDCTL", "fieldguardctl")
GEN = os.environ.get("GEN_ICS_PCAP", "")
RELOADS = 100
# The generated capture is replayed COPIES times in one input file: long enough traffic for
# 100 reloads without generating (slowly, in Python) a huge capture. Repeated flows are new
# connections on reused 5-tuples, which the dataplane handles as such.
PACKETS = int(os.environ.get("RELOAD_TEST_PACKETS", "200000"))
COPIES = int(os.environ.get("RELOAD_TEST_COPIES", "6"))

RULES_A = """
default_action: allow
rules:
  - {name: big-writes-a, action: drop, modbus: {function: write_multiple_registers, address: "5000-9999"}}
  - {name: writes-a, action: alert, modbus: {function: [write_single_register, write_multiple_registers]}}
  - {name: reads-a, action: allow, modbus: {function: [1, 3, 4]}}
"""
RULES_B = """
default_action: allow
rules:
  - {name: big-writes-b, action: drop, modbus: {function: write_multiple_registers, address: "8000-9999"}}
  - {name: coil-reads-b, action: alert, modbus: {function: read_coils, quantity: "1000-2000"}}
"""
RULES_BAD = """
rules:
  - {name: broken, action: alow, modbus: {function: wirte_coil}}
"""


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def read_pcap(path):
    """Frames of a classic pcap file, in order."""
    frames = []
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return frames
        endian = "<" if struct.unpack("<I", head[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else ">"
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            _, _, incl, _ = struct.unpack(endian + "IIII", rec)
            frames.append(f.read(incl))
    return frames


def control(sock_path, cmd, args=None):
    req = {"v": 1, "cmd": cmd}
    if args is not None:
        req["args"] = args
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sock_path)
    s.sendall((json.dumps(req) + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return json.loads(buf)


def main():
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            fail("end-to-end tests need root in CI")
        print("SKIP: needs root (DPDK)")
        sys.exit(77)
    if not GEN or not os.path.exists(GEN):
        fail("gen_ics_pcap.py not found (GEN_ICS_PCAP=%r): it lives in ../shared/tools" % GEN)
    work = tempfile.mkdtemp(prefix="fg-reload-")
    try:
        run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work):
    one = os.path.join(work, "one.pcap")
    subprocess.run(["/usr/bin/python3", GEN, "modbus", one, "--packets", str(PACKETS), "--flows", "400"],
                   check=True, stdout=subprocess.DEVNULL)
    src = os.path.join(work, "in.pcap")
    with open(one, "rb") as f:
        data = f.read()
    with open(src, "wb") as f:
        f.write(data)
        for _ in range(COPIES - 1):
            f.write(data[24:])
    total = (len(data) and len(read_pcap(one))) * COPIES
    empty = os.path.join(work, "empty.pcap")
    with open(src, "rb") as f, open(empty, "wb") as e:
        e.write(f.read(24))  # a capture with no packets: the plant side sends nothing
    out_plant, out_field = os.path.join(work, "out_plant.pcap"), os.path.join(work, "out_field.pcap")
    rules = {k: os.path.join(work, f"rules_{k}.yaml") for k in ("a", "b", "bad")}
    for k, text in (("a", RULES_A), ("b", RULES_B), ("bad", RULES_BAD)):
        with open(rules[k], "w") as f:
            f.write(text)
    cfg = os.path.join(work, "fieldguard.yaml")
    with open(cfg, "w") as f:
        f.write(f"""
dataplane:
  backend: dpdk
  eal: [--no-huge, --no-pci, --no-shconf, -l, "0", --log-level=lib.eal:error, --file-prefix, fgreload{os.getpid()}]
  ports:
    - {{name: field, device: "net_pcap0,rx_pcap={src},tx_pcap={out_field}"}}
    - {{name: plant, device: "net_pcap1,rx_pcap={empty},tx_pcap={out_plant}"}}
  pairs: [{{south: field, north: plant}}]
  idle_exit: 3s
flows: {{max: 8192}}
rules: {rules['a']}
""")
    sock = os.path.join(work, "control.sock")
    summary, events = os.path.join(work, "summary.json"), os.path.join(work, "events.jsonl")
    log = open(os.path.join(work, "fieldguardd.log"), "w")
    fg = subprocess.Popen([FIELDGUARDD, "-c", cfg, "--control-socket", sock, "--summary-json", summary,
                           "--event-log", events], stdout=log, stderr=subprocess.STDOUT)
    try:
        end = time.time() + 30
        while not os.path.exists(sock) and fg.poll() is None and time.time() < end:
            time.sleep(0.01)
        if not os.path.exists(sock):
            fail("no control socket:\n" + open(log.name).read())
        ok = refused = hups = 0
        version = control(sock, "rules.show")["data"]["version"]
        if version != 1:
            fail(f"rule set version at start is {version}, expected 1")
        rx_at_first = control(sock, "stats")["data"]["packets_in"]
        t0 = time.time()
        for i in range(RELOADS):
            if i % 10 == 9:
                r = control(sock, "rules.reload", {"path": rules["bad"]})
                if r["ok"] or "unknown action" not in r.get("error", ""):
                    fail(f"a broken rule file was not refused with its error: {r}")
                refused += 1
                continue
            path = rules["a"] if i % 2 == 0 else rules["b"]
            if i % 10 == 4:
                # The command line tool, as an operator would use it.
                c = subprocess.run([FIELDGUARDCTL, "-s", sock, "rules", "reload", path], capture_output=True, text=True)
                if c.returncode != 0:
                    fail("fieldguardctl rules reload: " + c.stdout + c.stderr)
            elif i % 10 == 6:
                # SIGHUP reloads the file in force (set by the previous reload).
                before = control(sock, "rules.show")["data"]["version"]
                fg.send_signal(signal.SIGHUP)
                end = time.time() + 10
                while control(sock, "rules.show")["data"]["version"] == before and time.time() < end:
                    time.sleep(0.005)
                hups += 1
            else:
                r = control(sock, "rules.reload", {"path": path})
                if not r["ok"]:
                    fail(f"reload {i} refused: {r}")
            ok += 1
        print(f"{RELOADS} reload attempts in {time.time() - t0:.2f} s")
        info = control(sock, "rules.show")["data"]
        rx_at_last = control(sock, "stats")["data"]["packets_in"]
        status = control(sock, "status")["data"]
        print("after the reloads:", json.dumps(info), "status rules_version", status.get("rules_version"))
        shown = subprocess.run([FIELDGUARDCTL, "-s", sock, "rules", "show"], capture_output=True, text=True)
        print(shown.stdout)
        if shown.returncode != 0 or "version" not in shown.stdout or info["hash"] not in shown.stdout:
            fail("fieldguardctl rules show: " + shown.stdout + shown.stderr)
        if info["version"] != 1 + ok or status.get("rules_version") != info["version"]:
            fail(f"version {info['version']} after {ok} reloads (status says {status.get('rules_version')})")
        if info["failed_reloads"] != refused:
            fail(f"{info['failed_reloads']} failed reloads counted, {refused} refused")
        print(f"packets received: {rx_at_first} at the first reload, {rx_at_last} after the last, of {total}")
        if rx_at_last >= total or rx_at_last <= rx_at_first:
            fail("the reloads did not overlap the traffic (raise RELOAD_TEST_PACKETS)")
        fg.wait(timeout=120)
    finally:
        if fg.poll() is None:
            fg.send_signal(signal.SIGTERM)
            try:
                fg.wait(timeout=20)
            except subprocess.TimeoutExpired:
                fg.kill()
    if fg.returncode != 0:
        fail(f"fieldguardd exited {fg.returncode}:\n" + open(log.name).read())
    with open(summary) as f:
        s = json.load(f)
    print("summary:", json.dumps(s))
    frames_in = read_pcap(src)
    frames_out = read_pcap(out_plant)
    back = read_pcap(out_field)
    policy = s["dropped_by"]["policy"]
    print(f"in {len(frames_in)}, out {len(frames_out)}, dropped by policy {policy}, sent back {len(back)}")
    if s["packets_in"] != len(frames_in):
        fail(f"the daemon received {s['packets_in']} of {len(frames_in)} packets")
    if s["dropped"] != policy:
        fail(f"packets dropped for other reasons than policy: {s['dropped_by']}")
    if len(back) != 0:
        fail("packets went back out of the field port")
    if len(frames_in) != len(frames_out) + policy:
        fail(f"in {len(frames_in)} != out {len(frames_out)} + dropped {policy}")
    if policy == 0:
        fail("no packet was dropped by policy: the rule sets did not act")
    have = collections.Counter(frames_in)
    have.subtract(collections.Counter(frames_out))
    if any(v < 0 for v in have.values()):
        fail("a forwarded frame was not in the input, or was forwarded more often than it was sent")
    names = collections.Counter()
    with open(events) as f:
        for line in f:
            e = json.loads(line)
            if e.get("event") in ("rules.reloaded", "rules.reload_refused"):
                names[e["event"]] += 1
            elif e.get("rule"):
                names[e["rule"]] += 1
    print("events:", dict(names))
    if names["rules.reloaded"] != ok or names["rules.reload_refused"] != refused:
        fail(f"{names['rules.reloaded']} reload events for {ok} reloads, "
             f"{names['rules.reload_refused']} refusal events for {refused}")
    print(f"PASS: {ok} reloads ({hups} by SIGHUP) and {refused} refusals under traffic; "
          f"{len(frames_out)} forwarded + {policy} dropped by policy = {len(frames_in)} sent")


if __name__ == "__main__":
    main()

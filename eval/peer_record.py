#!/usr/bin/python3
"""Records the anomaly study's traffic from real peers (docs/ANOMALY.md, "5. Evaluation").

  normal OUT.pcap --seconds S    a plant of real peers, all at once, for S seconds:
      hmi   198.18.0.10  pymodbus client polling plc-1 and plc-2 (eval/peers/modbus_hmi.py)
      scada 198.18.0.11  libmodbus historian, a new connection every 5 s (eval/peers/libmodbus_historian.py)
      eng   198.18.0.12  node-snap7 S7Client reading DB1 every 1 s (eval/peers/s7_hmi.js)
      ops   198.18.0.14  node-opcua client: subscription + reads + writes (eval/peers/opcua_subscriber.js)
      plc-1 198.18.0.101, plc-2 198.18.0.102  pymodbus servers (tests/e2e/support/modbus_server.py)
      plc-3 198.18.0.103  snap7 S7Server (tests/e2e/peers/s7_plc.js)
      ua    198.18.0.105  node-opcua server with live values (eval/peers/opcua_plant.js)
  attacks OUTDIR                 the scripted attacks, each on its own capture NAME.pcap, driven by
      real clients against the same real servers (eval/peer_attacks.py, s7_station.js stop); a
      new host, attacker 198.18.0.66, for the attacks that need one.

Each runs in namespaces of its own (eval/peer_lab.py), so both can run side by side.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
PEERS = os.path.join(ROOT, "tests", "e2e", "peers")
sys.path.insert(0, HERE)
from peer_lab import Lab  # noqa: E402

PY = "/usr/bin/python3"
HOSTS = {"hmi": 10, "scada": 11, "eng": 12, "ops": 14, "plc1": 101, "plc2": 102, "plc3": 103, "ua": 105}
ATTACK_HOSTS = dict(HOSTS, attacker=66)
NODE_ENV = dict(os.environ, NODE_PATH=os.path.join(PEERS, "node_modules"))


def wait_listening(lab, host, port, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        r = subprocess.run(lab.cmd(host, "ss", "-Hltn", f"sport = :{port}"), capture_output=True, text=True)
        if r.stdout.strip():
            return
        time.sleep(0.2)
    raise SystemExit(f"{host}: nothing listens on port {port} after {timeout} s")


def start_servers(lab, pki):
    lab.start("plc1", [PY, os.path.join(ROOT, "tests", "e2e", "support", "modbus_server.py")])
    lab.start("plc2", [PY, os.path.join(ROOT, "tests", "e2e", "support", "modbus_server.py")])
    lab.start("plc3", ["node", os.path.join(PEERS, "s7_plc.js")], env=NODE_ENV)
    lab.start("ua", ["node", os.path.join(HERE, "peers", "opcua_plant.js"), pki], env=NODE_ENV)
    for host, port in (("plc1", 502), ("plc2", 502), ("plc3", 102), ("ua", 4840)):
        wait_listening(lab, host, port)


def record_normal(out, seconds, seed):
    with Lab(HOSTS, "N") as lab, tempfile.TemporaryDirectory(prefix="fg-eval-pki-") as pki:
        start_servers(lab, pki)
        cap = lab.capture(out)
        t0 = time.time()
        clients = [
            lab.start("hmi", [PY, os.path.join(HERE, "peers", "modbus_hmi.py"), lab.ip("plc1"), lab.ip("plc2"),
                              "--duration", str(seconds), "--seed", str(seed)]),
            lab.start("scada", [PY, os.path.join(HERE, "peers", "libmodbus_historian.py"), lab.ip("plc1"),
                                "--duration", str(seconds), "--seed", str(seed + 1)]),
            lab.start("eng", ["node", os.path.join(HERE, "peers", "s7_hmi.js"), lab.ip("plc3"), str(seconds),
                              str(seed + 2)], env=NODE_ENV),
            lab.start("ops", ["node", os.path.join(HERE, "peers", "opcua_subscriber.js"),
                              f"opc.tcp://{lab.ip('ua')}:4840/fieldguard", pki, str(seconds), str(seed + 3)],
                      env=NODE_ENV),
        ]
        for c in clients:
            try:
                c.wait(max(1, seconds + 60 - (time.time() - t0)))
            except subprocess.TimeoutExpired:
                pass  # stopped below; the capture keeps what it saw
        time.sleep(1)
        lab.stop(cap)
    return out


def record_attacks(outdir, drift_writes):
    os.makedirs(outdir, exist_ok=True)
    attacks = os.path.join(HERE, "peer_attacks.py")
    with Lab(ATTACK_HOSTS, "X") as lab, tempfile.TemporaryDirectory(prefix="fg-eval-pki-") as pki:
        start_servers(lab, pki)
        # Who runs each attack, from which host, with which arguments: see eval/peer_attacks.py.
        plan = [
            ("unit_id_scan", "hmi", [PY, attacks, "unit_id_scan", lab.ip("plc1")]),
            ("function_code_scan", "attacker", [PY, attacks, "function_code_scan", lab.ip("plc1")]),
            ("register_sweep", "hmi", [PY, attacks, "register_sweep", lab.ip("plc1")]),
            ("write_burst", "hmi", [PY, attacks, "write_burst", lab.ip("plc1")]),
            ("connection_flood", "attacker", [PY, attacks, "connection_flood", lab.ip("plc1")]),
            ("recon_replay", "hmi", [PY, attacks, "recon_replay", lab.ip("plc1")]),
            ("write_drift", "hmi", [PY, attacks, "write_drift", lab.ip("plc1"), "--writes", str(drift_writes)]),
            ("plc_stop", "eng", ["node", os.path.join(PEERS, "s7_station.js"), lab.ip("plc3"), "stop"]),
        ]
        meta = {}
        for name, host, argv in plan:
            pcap = os.path.join(outdir, name + ".pcap")
            cap = lab.capture(pcap)
            r = subprocess.run(lab.cmd(host, *argv), env=NODE_ENV, capture_output=True, text=True, timeout=300)
            time.sleep(1)
            lab.stop(cap)
            doc = {"attack": name, "client": lab.ip(host), "server": lab.ip("plc3" if name == "plc_stop" else "plc1"),
                   "rc": r.returncode, "output": (r.stdout + r.stderr).strip()[-400:]}
            meta[name] = doc
            print(f"attack {name}: rc {r.returncode} {doc['output'][-120:]}", flush=True)
        with open(os.path.join(outdir, "attacks.json"), "w") as f:
            json.dump(meta, f, indent=1)
    return outdir


def main():
    # SIGTERM (a timeout, a test runner) unwinds like Ctrl-C: the labs stop their peers and
    # remove their namespaces on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["normal", "attacks"])
    ap.add_argument("out")
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--drift-writes", type=int, default=45)
    a = ap.parse_args()
    if a.kind == "normal":
        record_normal(a.out, a.seconds, a.seed)
    else:
        record_attacks(a.out, a.drift_writes)
    return 0


if __name__ == "__main__":
    sys.exit(main())

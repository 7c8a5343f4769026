#!/usr/bin/python3
"""End-to-end: fieldguardd is killed (SIGKILL) at random points while it applies 50 updates
(`fieldguardctl update apply FILE`, the air-gapped path), and every restart must come up on
either the old or the new bundle, complete: the daemon's running policy, the `current` link
and the files on disk all belong to one version, never a mix.

Each version's policy is distinct (its rule count and default action are functions of the
version), so a mix of two versions would show. libpcap backend in network namespaces (fast to
restart); a health window of 300 ms makes the kill land before, during and after the swap.
"""
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from netns import Topology  # noqa: E402
from update_console import bundle_tool  # noqa: E402
from harness import fail, require_root  # noqa: E402

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
FIELDGUARDCTL = os.environ.get("FIELDGUARDCTL", "fieldguardctl")
UPDATES = int(os.environ.get("FG_CRASH_UPDATES", "50"))
ACTIONS = ["allow", "alert"]


def policy_of(v):
    rules = v % 4 + 1
    return rules, ACTIONS[v % 2]


def policy_text(v):
    rules, default = policy_of(v)
    lines = [f"acl:\n  default: {default}\n  rules:"]
    for k in range(rules):
        lines.append(f"    - {{name: v{v}-r{k}, action: alert, proto: tcp, dst_port: \"{6000 + k}\"}}")
    return "\n".join(lines) + "\n"


def ctl(sock, *args):
    return subprocess.run([FIELDGUARDCTL, "-s", sock, "--json", *args], capture_output=True, text=True)


def check_disk(state_dir, version):
    """`current` names bundles/<version> and every file there matches its manifest."""
    target = os.readlink(os.path.join(state_dir, "current"))
    if target != f"bundles/{version}":
        fail(f"current -> {target}, but the daemon runs bundle {version}")
    d = os.path.join(state_dir, target)
    manifest = json.load(open(os.path.join(d, "manifest.json")))
    for f in manifest["files"]:
        data = open(os.path.join(d, f["name"]), "rb").read()
        if len(data) != f["size"] or hashlib.sha256(data).hexdigest() != f["sha256"]:
            fail(f"{d}/{f['name']} does not match manifest.json")
        if f["role"] == "config" and data.decode() != policy_text(version):
            fail(f"{d}/{f['name']} holds another version's policy")


def main():
    require_root("network namespaces")
    work = tempfile.mkdtemp(prefix="fg-update-crash-")
    rng = random.Random(int(os.environ.get("FG_SEED", str(os.getpid()))))
    bundle_tool("keygen", "--out", f"{work}/console")
    bundles = {}
    for v in range(1, UPDATES + 2):
        p = f"{work}/policy-{v}.yaml"
        with open(p, "w") as f:
            f.write(policy_text(v))
        # Every version carries the same file name, so a mix would need two versions' files.
        os.makedirs(f"{work}/v{v}", exist_ok=True)
        os.replace(p, f"{work}/v{v}/policy.yaml")
        bundles[v] = f"{work}/b{v}.fgb"
        bundle_tool("sign", "--key", f"{work}/console.key", "--version", str(v), "--gateway", "gw-1",
                    "--out", bundles[v], f"config={work}/v{v}/policy.yaml")
    state_dir, sock, events = f"{work}/state", f"{work}/control.sock", f"{work}/events.jsonl"
    outcomes = {"old": 0, "new": 0}
    with Topology() as t:
        cfg = f"{work}/fieldguard.yaml"
        with open(cfg, "w") as f:
            f.write(f"""
dataplane:
  backend: pcap
  ports:
    - {{name: field, device: {t.south_if}}}
    - {{name: plant, device: {t.north_if}}}
  pairs:
    - {{south: field, north: plant}}
acl:
  default: allow
update:
  state_dir: {state_dir}
  gateway_id: gw-1
  keys: [{work}/console.pub]
  max_bundle_size: 64KiB
  health: {{window: 300ms, require_traffic: false}}
""")
        fg = None

        def start():
            if os.path.exists(sock):
                os.unlink(sock)
            p = subprocess.Popen(["ip", "netns", "exec", t.bridge, FIELDGUARDD, "-c", cfg, "--control-socket", sock,
                                  "--event-log", events], stdout=subprocess.DEVNULL, stderr=open(f"{work}/fg.log", "a"))
            end = time.time() + 20
            # The socket file appears at bind(), a moment before listen(): wait for an answer.
            while not os.path.exists(sock) or ctl(sock, "status").returncode != 0:
                if p.poll() is not None or time.time() > end:
                    fail("fieldguardd did not start:\n" + open(f"{work}/fg.log").read())
                time.sleep(0.02)
            return p

        def running_version():
            r = ctl(sock, "update", "status")
            if r.returncode != 0:
                fail("update status: " + r.stdout + r.stderr)
            d = json.loads(r.stdout)["data"]
            v = d["current_version"]
            rules, default = policy_of(v) if v else (0, "allow")
            want = f"(policy: {rules} rules, default {default}, from acl)"
            if not d["running"].endswith(want):
                fail(f"daemon runs {d['running']!r} but bundle {v} holds {want}: a mix")
            return v

        try:
            fg = start()
            r = subprocess.run([FIELDGUARDCTL, "-s", sock, "update", "apply", bundles[1]], capture_output=True, text=True)
            if r.returncode != 0:
                fail("first apply: " + r.stdout + r.stderr)
            current = running_version()
            if current != 1:
                fail(f"after the first apply the daemon runs bundle {current}")
            # The air-gapped path has the same size limit as a download.
            with open(f"{work}/big.bin", "wb") as f:
                f.write(os.urandom(100 * 1024))
            bundle_tool("sign", "--key", f"{work}/console.key", "--version", str(UPDATES + 10), "--gateway", "gw-1",
                        "--out", f"{work}/big.fgb", f"baseline={work}/big.bin")
            r = ctl(sock, "update", "apply", f"{work}/big.fgb")
            if r.returncode != 1 or json.loads(r.stdout)["data"]["last"]["reason"] != "oversize":
                fail("an oversize bundle file was not refused: " + r.stdout + r.stderr)
            t0 = time.time()
            for attempt in range(2, UPDATES + 2):
                ctlp = subprocess.Popen([FIELDGUARDCTL, "-s", sock, "update", "apply", bundles[attempt]],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                # Half the kills land within the first milliseconds (verify, install, swap), half later
                # (apply, health window, after).
                time.sleep(rng.uniform(0.0, 0.03) if rng.random() < 0.5 else rng.uniform(0.0, 0.45))
                fg.send_signal(signal.SIGKILL)
                fg.wait()
                ctlp.wait()
                fg = start()
                v = running_version()
                if v not in (current, attempt):
                    fail(f"after killing the update {current} -> {attempt} the daemon runs bundle {v}")
                check_disk(state_dir, v)
                outcomes["new" if v == attempt else "old"] += 1
                current = v
            elapsed = time.time() - t0
        finally:
            if fg and fg.poll() is None:
                fg.send_signal(signal.SIGTERM)
                try:
                    fg.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    fg.kill()
    print(f"PASS: {UPDATES} updates killed at random points: {outcomes['old']} restarts on the old bundle, "
          f"{outcomes['new']} on the new one, none mixed ({elapsed:.1f} s)")


if __name__ == "__main__":
    main()

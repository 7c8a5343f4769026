#!/usr/bin/python3
"""End-to-end: remote update from a console that is Debian's nginx (TLS, client certificates
required by `ssl_verify_client on`, a test CA), through fieldguardd's DPDK dataplane
(net_af_packet) between network namespaces.

1. A new rule bundle (reset TCP 5020, reset Modbus register writes) is delivered while a
   stream of new UDP flows and a Modbus connection reading registers cross the bridge: the
   verdicts change (5020 refused, writes reset) and not one datagram or read is lost.
2. Each forged or unfit bundle is refused with an event naming the reason and the running
   config untouched: bad signature, unknown key, hash mismatch, older version, expired
   manifest, wrong target, oversize download, invalid rules inside a valid signature, and a
   server whose certificate does not chain to the pinned CA.
3. A bundle that cuts all IP traffic fails the health check and is rolled back automatically.
4. Console key rotation: a bundle signed by the old key adds a new key, the next (signed by
   the new key) revokes the old one; a bundle signed by the old key is then refused.
5. A bundle whose `baseline` (a learned-state file) is malformed is refused (invalid_content)
   and the anomaly engine keeps its state; a bundle with a good one puts it in force in
   enforce mode: the learned reads pass quietly, a read of register 500 raises
   baseline.address_out_of_range and (baseline.action: drop in the config) quarantines the pair.
6. The console receives a report (HTTP POST) for every outcome.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from netns import Topology, bridge_dataplane  # noqa: E402
from update_console import Nginx, Pki, bundle_tool  # noqa: E402
from harness import fail, wait_for, require_root, stop_all  # noqa: E402

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
FIELDGUARDCTL = os.environ.get("FIELDGUARDCTL", "fieldguardctl")

LISTENER = r"""
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5020)); s.listen(8)
while True:
    c, _ = s.accept(); c.close()
"""

PROBE = r"""
import socket, sys
s = socket.socket(); s.settimeout(3)
try:
    s.connect((sys.argv[1], 5020)); print("connected")
except ConnectionRefusedError:
    print("refused")
except OSError as e:
    print("error", e)
"""

# Every datagram from a fresh socket: each is a new flow, judged by the ACL in force.
SENDER = r"""
import socket, sys, time
dst, n, gap, port = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
t = time.time()
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(str(i).encode(), (dst, port)); s.close()
    t += gap
    d = t - time.time()
    if d > 0: time.sleep(d)
"""

# One Modbus/TCP connection reading for `seconds`: every read must succeed.
MODBUS_READS = r"""
import sys, time
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient(sys.argv[1], port=502, timeout=2, retries=0)
if not c.connect():
    print("connect failed"); sys.exit(2)
ok = bad = 0
end = time.time() + float(sys.argv[2])
while time.time() < end:
    r = c.read_holding_registers(10, 8, slave=1)
    if r.isError() or r.registers != list(range(10, 18)): bad += 1
    else: ok += 1
    time.sleep(0.01)
c.close()
print(ok, bad)
"""

MODBUS_WRITE = r"""
import sys
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient(sys.argv[1], port=502, timeout=2, retries=0)
if not c.connect():
    print("connect failed"); sys.exit(0)
try:
    r = c.write_register(20, 20, slave=1)
    print("written" if not r.isError() else "error")
except Exception as e:
    print("failed", type(e).__name__)
c.close()
"""

# A read outside what the bundle's baseline learned (registers 10-17).
ODD_READ = r"""
import sys
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient(sys.argv[1], port=502, timeout=2, retries=0)
if not c.connect():
    print("connect failed"); sys.exit(0)
try:
    r = c.read_holding_registers(500, 4, slave=1)
    print("answered" if not r.isError() else "error")
except Exception as e:
    print("failed", type(e).__name__)
c.close()
"""

RECEIVER = r"""
import socket, sys
n, idle, port = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", port)); s.settimeout(idle)
got = set()
print("ready", flush=True)
try:
    while len(got) < n:
        got.add(int(s.recv(64)))
except socket.timeout:
    pass
print(len(got), flush=True)
"""


def utc(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class UdpStream:
    """n datagrams field -> plant, `gap` apart, each a new flow; result() = how many arrived."""

    def __init__(self, t, n, gap, port=7000):
        self.n = n
        self.rx = subprocess.Popen(["ip", "netns", "exec", t.plant, "/usr/bin/python3", "-c", RECEIVER, str(n), "2.0",
                                    str(port)],
                                   stdout=subprocess.PIPE, text=True)
        if self.rx.stdout.readline().strip() != "ready":
            fail("UDP receiver did not start")
        self.tx = subprocess.Popen(["ip", "netns", "exec", t.field, "/usr/bin/python3", "-c", SENDER, t.plant_ip,
                                    str(n), str(gap), str(port)])

    def result(self):
        self.tx.wait(timeout=60)
        out, _ = self.rx.communicate(timeout=60)
        return int(out.strip())


def main():
    require_root()
    work = tempfile.mkdtemp(prefix="fg-update-e2e-")
    good, rogue = Pki(work, "console"), Pki(work, "rogue")
    bundle_tool("keygen", "--out", f"{work}/console")
    bundle_tool("keygen", "--out", f"{work}/stranger")
    port = 20000 + os.getpid() % 20000
    url_name = "gw-1.fgb"
    stamp = [int(time.time()) - 1000]
    now = time.time()

    def policy(name, text):
        d = f"{work}/{name}"
        os.makedirs(d, exist_ok=True)
        with open(f"{d}/policy.yaml", "w") as f:
            f.write(text)
        return f"{d}/policy.yaml"

    def sign(out, version, files, key="console", extra=()):
        bundle_tool("sign", "--key", f"{work}/{key}.key", "--version", str(version), *extra, "--out", f"{work}/{out}",
                    *[f"{role}={path}" for role, path in files])
        return f"{work}/{out}"

    def forge(src, out, where):
        b = bytearray(open(src, "rb").read())
        mlen = int.from_bytes(b[8:12], "big")
        at = {"signature": 12 + mlen + 16 + 5, "payload": len(b) - 3}[where]
        b[at] ^= 0x01
        with open(f"{work}/{out}", "wb") as f:
            f.write(b)
        return f"{work}/{out}"

    gw1 = ("--gateway", "gw-1")
    # A rule file (RULES-SYNTAX.md), loaded, compiled and swapped in by the rule engine.
    rules_dir = f"{work}/v2"
    os.makedirs(rules_dir, exist_ok=True)
    reset_5020 = f"{rules_dir}/rules.yaml"
    with open(reset_5020, "w") as f:
        f.write("default_action: allow\nrules:\n  - name: no-engineering-port\n    action: reset\n"
                "    proto: tcp\n    dst_port: 5020\n  - name: no-register-writes\n    action: reset\n"
                "    proto: tcp\n    dst_port: 502\n    modbus: {function: [write_single_register, 16]}\n")
    b2 = sign("b2.fgb", 2, [("rules", reset_5020)], extra=gw1)
    b1 = sign("b1.fgb", 1, [("rules", reset_5020)], extra=gw1)
    other_policy = policy("v3", "acl:\n  default: allow\n")
    b3 = sign("b3.fgb", 3, [("config", other_policy)], extra=gw1)
    big = f"{work}/baseline.bin"
    with open(big, "wb") as f:
        f.write(os.urandom(100 * 1024))
    refusals = [
        ("bad_signature", forge(b3, "bad-sig.fgb", "signature")),
        ("unknown_key", sign("stranger.fgb", 3, [("config", other_policy)], key="stranger", extra=gw1)),
        ("hash_mismatch", forge(b3, "bad-hash.fgb", "payload")),
        ("older_version", b1),
        ("older_version", b2),
        ("expired", sign("expired.fgb", 3, [("config", other_policy)],
                         extra=gw1 + ("--created", utc(now - 10 * 86400), "--expires-at", utc(now - 9 * 86400)))),
        ("wrong_target", sign("other-gw.fgb", 3, [("config", other_policy)], extra=("--gateway", "gw-2", "--group", "south"))),
        ("oversize", sign("big.fgb", 3, [("config", other_policy), ("baseline", big)], extra=gw1)),
        ("invalid_content", sign("invalid.fgb", 5, [("rules", policy("v5", "default_action: allow\nrules:\n  - {name: typo, action: dorp}\n"))], extra=gw1)),
    ]
    bundle_tool("keygen", "--out", f"{work}/console2")
    old_id = bundle_tool("keyid", f"{work}/console.pub").stdout.strip()
    rotate_add = sign("b8.fgb", 8, [("rules", reset_5020)], extra=gw1 + ("--add-key", f"{work}/console2.pub"))
    rotate_revoke = sign("b9.fgb", 9, [("rules", reset_5020)], key="console2", extra=gw1 + ("--revoke-key", old_id))
    old_key_late = sign("b10.fgb", 10, [("rules", reset_5020)], extra=gw1)
    cut_all = sign("b7.fgb", 7, [("config", policy("v7", "acl:\n  default: drop\n"))], extra=gw1)
    after_impostor = sign("b6.fgb", 6, [("config", other_policy)], extra=gw1)

    procs = []
    nginx = None
    with Topology() as t:
        try:
            nginx = Nginx(work, port, good, netns=t.bridge)
            nginx.start()
            cfg = f"{work}/fieldguard.yaml"
            with open(cfg, "w") as f:
                f.write(bridge_dataplane(t) + f"""acl:
  default: allow
anomaly:
  baseline: {{state_dir: {work}/anomaly, action: drop, event_holdoff: 1s}}
update:
  state_dir: {work}/state
  gateway_id: gw-1
  groups: [north]
  keys: [{work}/console.pub]
  url: https://127.0.0.1:{port}/{url_name}
  report_url: https://127.0.0.1:{port}/report
  ca: {good.ca}
  cert: {good.client}
  key: {good.client_key}
  interval: 1h
  jitter: 0s
  max_bundle_size: 64KiB
  health: {{window: 1s, require_traffic: true}}
""")
            sock, events = f"{work}/control.sock", f"{work}/events.jsonl"
            log = open(f"{work}/fieldguardd.log", "w")
            fg = subprocess.Popen(["ip", "netns", "exec", t.bridge, FIELDGUARDD, "-c", cfg, "--control-socket", sock,
                                   "--event-log", events], stdout=log, stderr=subprocess.STDOUT)
            procs.append(fg)

            def ctl(*args):
                return subprocess.run([FIELDGUARDCTL, "-s", sock, *args], capture_output=True, text=True)

            wait_for(lambda: fg.poll() is not None or ctl("status").returncode == 0, 60, "fieldguardd")
            if fg.poll() is not None:
                fail("fieldguardd exited early:\n" + open(log.name).read())
            procs.append(subprocess.Popen(["ip", "netns", "exec", t.plant, "/usr/bin/python3", "-c", LISTENER]))
            procs.append(subprocess.Popen(["ip", "netns", "exec", t.plant, "/usr/bin/python3",
                                           os.path.join(os.path.dirname(os.path.abspath(__file__)), "support", "modbus_server.py")],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(1.0)

            def status():
                r = ctl("--json", "update", "status")
                if r.returncode != 0:
                    fail("update status: " + r.stderr)
                return json.loads(r.stdout)["data"]

            def probe():
                return t.ns(t.field, "/usr/bin/python3", "-c", PROBE, t.plant_ip, check=False).stdout.strip()

            def publish(path):
                stamp[0] += 1
                nginx.serve(path, url_name, stamp[0])

            # The first automatic poll finds nothing yet (404); wait until it has happened.
            wait_for(lambda: status()["last"]["attempt"] >= 1, 10, "the first poll")
            if probe() != "connected":
                fail("before any update, TCP 5020 should be open: " + probe())

            def modbus_write():
                return t.ns(t.field, "/usr/bin/python3", "-c", MODBUS_WRITE, t.plant_ip, check=False).stdout.strip()

            for _ in range(10):  # the Modbus server may still be starting
                if modbus_write() == "written":
                    break
                time.sleep(0.5)
            else:
                fail("before any update, a Modbus register write should pass: " + modbus_write())

            # 1. Live update under traffic.
            publish(b2)
            stream = UdpStream(t, 1500, 0.002)
            reads = subprocess.Popen(["ip", "netns", "exec", t.field, "/usr/bin/python3", "-c", MODBUS_READS, t.plant_ip,
                                      "3.0"], stdout=subprocess.PIPE, text=True)
            time.sleep(0.5)
            r = ctl("update", "check-now")
            print(r.stdout.strip())
            if r.returncode != 0:
                fail("update check-now did not apply bundle 2: " + r.stdout + r.stderr)
            got = stream.result()
            print(f"new UDP flows during the update: {got}/1500 delivered")
            if got != 1500:
                fail(f"{1500 - got} datagrams lost during the update")
            ok_reads, bad_reads = map(int, reads.communicate(timeout=30)[0].split())
            print(f"Modbus reads on one connection across the update: {ok_reads} ok, {bad_reads} failed")
            if bad_reads or ok_reads < 50:
                fail("Modbus reads on a live connection were disturbed by the update")
            verdict = probe()
            print("TCP 5020 after bundle 2:", verdict)
            if verdict != "refused":
                fail("bundle 2's rules (reset 5020) are not in force: " + verdict)
            verdict = modbus_write()
            print("Modbus register write after bundle 2:", verdict)
            if verdict == "written":
                fail("bundle 2's rules (no register writes) are not in force")
            if status()["current_version"] != 2:
                fail("update status does not show bundle 2")

            # 2. Refusals: the config stays as it is.
            def expect_refused(reason, path=None):
                if path:
                    publish(path)
                r = ctl("--json", "update", "check-now")
                last = json.loads(r.stdout.strip().splitlines()[-1])["data"]["last"] if r.stdout.strip() else {}
                print(f"{reason:16} -> exit {r.returncode}, {last.get('outcome')} ({last.get('reason')}): {last.get('detail')}")
                if r.returncode != 1 or last.get("reason") != reason:
                    fail(f"expected refusal {reason}, got exit {r.returncode}: {r.stdout} {r.stderr}")
                st = status()
                if st["current_version"] != 2 or "policy: 2 rules, default allow" not in st["running"]:
                    fail(f"the running config changed after a refused bundle: {st}")

            for reason, path in refusals:
                expect_refused(reason, path)
            # An impostor console: same address, a certificate from a CA the gateway does not pin.
            publish(after_impostor)
            nginx.reload(rogue)
            expect_refused("untrusted_server")
            nginx.reload(good)
            if probe() != "refused":
                fail("after the refusals, the ACL of bundle 2 is no longer in force")

            # 3. A bundle that cuts all IP traffic is rolled back by the health check.
            publish(cut_all)
            stream = UdpStream(t, 1500, 0.002)
            time.sleep(0.3)
            r = ctl("--json", "update", "check-now")
            last = json.loads(r.stdout.strip().splitlines()[-1])["data"]["last"]
            print(f"cut-all bundle 7 -> exit {r.returncode}, {last['outcome']} ({last['reason']}): {last['detail']}")
            if r.returncode != 1 or last["outcome"] != "rolled_back" or last["reason"] != "health_check_failed":
                fail("bundle 7 was not rolled back by the health check")
            got = stream.result()
            st = status()
            if st["current_version"] != 2 or st["highest_version"] != 7:
                fail(f"after the rollback the gateway should run bundle 2 and remember 7: {st}")
            if probe() != "refused":
                fail("after the rollback, bundle 2's ACL is not in force")
            # The same port: flows the bad bundle judged (and dropped) are judged again under the
            # restored rule set, so they pass again at once.
            after = UdpStream(t, 200, 0.002)
            if after.result() != 200:
                fail("traffic does not flow after the rollback")
            print(f"during the bad bundle {got}/1500 datagrams passed; after the rollback 200/200")

            # 4. Key rotation: the old key adds the new one, the new one revokes the old.
            for path, version in ((rotate_add, 8), (rotate_revoke, 9)):
                publish(path)
                r = ctl("update", "check-now")
                if r.returncode != 0 or status()["current_version"] != version:
                    fail(f"rotation bundle {version} was not applied: {r.stdout} {r.stderr}")
            keys = status()["keys"]
            if old_id in keys or len(keys) != 1:
                fail(f"after rotation the old key should be revoked: {keys}")
            publish(old_key_late)
            r = ctl("--json", "update", "check-now")
            last = json.loads(r.stdout.strip().splitlines()[-1])["data"]["last"]
            if r.returncode != 1 or last["reason"] != "unknown_key":
                fail(f"a bundle signed by the revoked key was not refused: {last}")
            print("key rotation: bundle 8 (old key, adds new) and 9 (new key, revokes old) applied; old key refused")

            # 5. A bundle's baseline: a malformed one refuses the bundle, a good one is enforced.
            def baseline_show():
                r = ctl("--json", "baseline", "show")
                if r.returncode != 0:
                    fail("baseline show: " + r.stderr)
                return json.loads(r.stdout)["data"]

            state_dir = f"{work}/v12"
            os.makedirs(state_dir, exist_ok=True)
            learned = f"{state_dir}/baseline.yaml"
            with open(learned, "w") as f:
                f.write(f"version: 1\nmode: enforce\npairs:\n  - client: {t.field_ip}\n    server: {t.plant_ip}\n"
                        "    port: 502\n    proto: modbus\n    requests: 600\n    max_rate: 100\n    units: [1]\n"
                        "    functions:\n      - {code: 3, count: 600, ranges: [[10, 17]]}\n")
            broken = f"{work}/v11-baseline.yaml"
            with open(broken, "w") as f:
                f.write("version: 1\nmode: enforce\npairs:\n  - {client: 198.18.0.1, server: nowhere, port: 502, "
                        "proto: modbus, requests: 1}\n")
            publish(sign("b11.fgb", 11, [("rules", reset_5020), ("baseline", broken)], key="console2", extra=gw1))
            r = ctl("--json", "update", "check-now")
            last = json.loads(r.stdout.strip().splitlines()[-1])["data"]["last"]
            print(f"malformed baseline bundle 11 -> exit {r.returncode}, {last['outcome']} ({last['reason']}): {last['detail']}")
            if r.returncode != 1 or last["reason"] != "invalid_content" or "v11-baseline.yaml:4:5" not in last["detail"]:
                fail(f"the malformed baseline was not refused as invalid_content with its position: {last}")
            show = baseline_show()
            if status()["current_version"] != 9 or show["mode"] != "off" or show["pairs"] != 0:
                fail(f"a refused baseline bundle changed the running state: {show}")
            publish(sign("b12.fgb", 12, [("rules", reset_5020), ("baseline", learned)], key="console2", extra=gw1))
            r = ctl("update", "check-now")
            if r.returncode != 0 or status()["current_version"] != 12:
                fail(f"the baseline bundle 12 was not applied: {r.stdout} {r.stderr}")
            show = baseline_show()
            print("baseline after bundle 12:", {k: show.get(k) for k in ("mode", "pairs", "from_bundle")})
            if show["mode"] != "enforce" or show["pairs"] != 1 or "/bundles/12/" not in show.get("from_bundle", ""):
                fail(f"bundle 12's baseline is not in force: {show}")
            ok_reads, bad_reads = map(int, t.ns(t.field, "/usr/bin/python3", "-c", MODBUS_READS, t.plant_ip, "1.0",
                                                check=False).stdout.split())
            if bad_reads or ok_reads < 10:
                fail(f"reads the bundle's baseline learned were disturbed: {ok_reads} ok, {bad_reads} failed")
            print("odd read under bundle 12's baseline:",
                  t.ns(t.field, "/usr/bin/python3", "-c", ODD_READ, t.plant_ip, check=False).stdout.strip())
            wait_for(lambda: any(json.loads(line).get("name") == "baseline.address_out_of_range" for line in open(events)),
                     5, "baseline.address_out_of_range under the bundle's baseline")
            wait_for(lambda: baseline_show()["quarantined"], 5, "the pair quarantined under the bundle's baseline")
            after = t.ns(t.field, "/usr/bin/python3", "-c", ODD_READ, t.plant_ip, check=False).stdout.strip()
            if after != "connect failed":
                fail(f"the quarantined client still reaches the server: {after}")
            print("bundle 12's baseline enforced: the odd read raised baseline.address_out_of_range, pair quarantined")
        finally:
            stop_all(procs, timeout=15)
            if nginx:
                nginx.stop()

    all_events = [json.loads(line) for line in open(events)]
    if not any(e.get("rule") == "no-register-writes" and e.get("action") == "reset" for e in all_events):
        fail("no event shows bundle 2's rule resetting the Modbus write")
    evs = [e for e in all_events if e.get("event") == "update"]
    names = [(e.get("name"), e.get("reason")) for e in evs]
    wanted = [("update.applied", None)] + [("update.refused", r) for r, _ in refusals] + \
             [("update.refused", "untrusted_server"), ("update.rolled_back", "health_check_failed")]
    for name, reason in wanted:
        if not any(n == name and (reason is None or r == reason) for n, r in names):
            fail(f"no {name} event with reason {reason} in the event log: {names}")
    reports = [json.loads(line) for line in nginx.reports() if line.startswith("{")]
    outcomes = {r["outcome"] for r in reports}
    if not {"applied", "refused", "rolled_back"} <= outcomes:
        fail(f"the console did not receive every outcome: {outcomes}")
    print(f"PASS: bundle applied under traffic without loss, {len(refusals) + 1} refusals, rollback on a failed "
          f"health check, key rotation, a bundle's baseline refused when malformed and enforced when good; "
          f"{len(evs)} update events, {len(reports)} reports at the console")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""End-to-end: learn a baseline, export it, load it as rules, enforce it, through the DPDK
dataplane (net_af_packet on veths between network namespaces), and keep it across a restart.

1. fieldguardd bridges field and plant; `fieldguardctl baseline learn start`; a real pymodbus
   client polls a real pymodbus server (FC3 registers 0-9, FC6 register 20 = 50); `learn stop`.
2. `baseline export FILE --drop` writes the allowlist; `fieldguardctl rules check FILE` accepts it;
   `baseline enforce`: normal polling stays quiet, a read of register 500 raises
   baseline.address_out_of_range (alert only: the daemon has no rules yet).
3. fieldguardd is restarted with `rules: FILE` and `baseline.action: drop`: `baseline show`
   still says enforce with the same pair (state written atomically under the state directory),
   normal polling passes, the read of register 500 is dropped by the exported rules and raises
   the baseline event again.
4. That event quarantined the pair: the client cannot reach the server until
   `fieldguardctl baseline release`.
5. The quarantine survives a restart: fieldguardd is stopped and started again while the pair
   is quarantined; the client's polling is still dropped and `baseline show` gives the reason.
   `baseline release CLIENT SERVER 502` lets it through (a pair that is not quarantined is
   refused); after a further restart it is still released.
6. That last daemon runs a permissive rule file whose `anomaly:` says nothing: a malformed
   Modbus PDU (reserved function 0x30) is answered (conformance alert). `rules reload` of a
   file whose `anomaly:` sets modbus.illegal_function to block makes the next one unanswered
   without a restart; a reload of a file with a bad `anomaly:` section (and other rules) is
   refused with FILE:LINE:COL and both the old rules and the block stay.
7. That daemon writes its audit log at `logging.audit: changes`: the polling's reads are left
   out and counted in `stats`; the flagged malformed PDUs are written. `fieldguardctl audit
   level all` writes every record again at once (an `audit.level_changed` event says so).
Everything created here is removed, even on failure.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from netns import Topology, bridge_dataplane  # noqa: E402
from harness import fail, wait_for, require_root  # noqa: E402

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
FIELDGUARDCTL = os.environ.get("FIELDGUARDCTL", "fieldguardctl")
HERE = os.path.dirname(os.path.abspath(__file__))

POLL = r"""
import sys, time
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient(sys.argv[1], port=502, timeout=3, retries=1)
if not c.connect():
    print("connect failed"); sys.exit(2)
end = time.time() + float(sys.argv[2])
n = 0
while time.time() < end:
    r = c.read_holding_registers(0, 10, slave=1)
    if r.isError() or r.registers != list(range(10)):
        print("read failed", r); sys.exit(3)
    if n % 5 == 0:
        w = c.write_register(20, 50, slave=1)
        if w.isError():
            print("write failed", w); sys.exit(4)
    n += 1
    time.sleep(0.2)
c.close()
print("polls", n)
"""

ODD_READ = r"""
import sys
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient(sys.argv[1], port=502, timeout=2, retries=0)
if not c.connect():
    print("connect failed"); sys.exit(2)
try:
    r = c.read_holding_registers(500, 4, slave=1)
    ok = not r.isError()
except Exception as e:  # pymodbus raises on a timeout in some versions
    ok = False
    r = e
c.close()
print("answered" if ok else "no answer", r)
sys.exit(0 if ok else 1)
"""


MALFORMED = r"""
import socket, sys
s = socket.create_connection((sys.argv[1], 502), timeout=2)
s.sendall(bytes([0, 7, 0, 0, 0, 4, 1, 0x30, 0, 0]))  # unit 1, function 0x30: reserved
try:
    data = s.recv(64)
except (socket.timeout, ConnectionResetError) as e:
    data, err = b"", e
print("answered " + data.hex() if data else "no answer")
sys.exit(0 if data else 1)
"""


def config_text(t, state, rules=None, action="alert", audit_log=None):
    text = bridge_dataplane(t) + (f"logging: {{audit_log: {audit_log}, audit: changes}}\n" if audit_log else "")
    text += f"""anomaly:
  baseline: {{state_dir: {state}, event_holdoff: 1s, action: {action}}}
  clustering: {{window: 2s, min_windows: 3}}
"""
    if rules:
        text += f"rules: {rules}\n"
    return text


class Daemon:
    def __init__(self, t, work, name, cfg_text):
        self.t, self.work = t, work
        self.cfg = os.path.join(work, name + ".yaml")
        with open(self.cfg, "w") as f:
            f.write(cfg_text)
        self.sock = os.path.join(work, name + ".sock")
        self.events = os.path.join(work, name + ".events.jsonl")
        self.log = open(os.path.join(work, name + ".log"), "w")
        self.proc = subprocess.Popen(["ip", "netns", "exec", t.bridge, FIELDGUARDD, "-c", self.cfg, "--event-log",
                                      self.events, "--control-socket", self.sock], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(self.sock) or self.proc.poll() is not None, 30, "the control socket")
        if self.proc.poll() is not None:
            fail("fieldguardd exited early:\n" + open(self.log.name).read())
        time.sleep(1.0)  # the af_packet ports come up

    def ctl(self, *args, check=True):
        r = subprocess.run([FIELDGUARDCTL, "-s", self.sock, *args], capture_output=True, text=True)
        print("$ fieldguardctl", " ".join(args), "->", r.returncode)
        print(r.stdout.rstrip())
        if check and r.returncode != 0:
            fail(f"fieldguardctl {' '.join(args)}: {r.stderr}")
        return r

    def names(self):
        if not os.path.exists(self.events):
            return []
        return [json.loads(line).get("name", "") for line in open(self.events)]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def poll(t, seconds):
    r = t.ns(t.field, "/usr/bin/python3", "-c", POLL, t.plant_ip, str(seconds), check=False)
    if r.returncode != 0:
        fail("polling through fieldguardd failed: " + r.stdout + r.stderr)
    print("normal polling:", r.stdout.strip())


def malformed_answered(t):
    r = t.ns(t.field, "/usr/bin/python3", "-c", MALFORMED, t.plant_ip, check=False)
    print("malformed PDU (function 0x30):", r.stdout.strip())
    return r.returncode == 0


def polls_fail(t):
    r = t.ns(t.field, "/usr/bin/python3", "-c", POLL, t.plant_ip, "1", check=False)
    print("polling:", r.returncode, r.stdout.strip())
    return r.returncode != 0


def odd_read(t):
    r = t.ns(t.field, "/usr/bin/python3", "-c", ODD_READ, t.plant_ip, check=False)
    print("read of register 500:", r.stdout.strip())
    return r.returncode == 0


def main():
    require_root()
    work = tempfile.mkdtemp(prefix="fg-e2e-anomaly-")
    state = os.path.join(work, "state")
    exported = os.path.join(work, "baseline-rules.yaml")
    daemons, procs = [], []
    with Topology() as t:
        try:
            srv = subprocess.Popen(["ip", "netns", "exec", t.plant, "/usr/bin/python3",
                                    os.path.join(HERE, "support", "modbus_server.py")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(srv)

            # 1. Learn.
            d = Daemon(t, work, "learn", config_text(t, state))
            daemons.append(d)
            d.ctl("baseline", "learn", "start")
            for attempt in range(10):  # the server and the bridge come up
                if t.ns(t.field, "/usr/bin/python3", "-c", POLL, t.plant_ip, "0.5", check=False).returncode == 0:
                    break
                time.sleep(0.5)
            poll(t, 8)
            d.ctl("baseline", "learn", "stop")
            show = json.loads(d.ctl("--json", "baseline", "show").stdout)["data"]
            pairs = [p for p in show["pair_list"] if p["client"] == t.field_ip and p["server"] == t.plant_ip]
            if not pairs or pairs[0]["functions"] != 2:
                fail(f"baseline does not hold the pair with its 2 functions: {show}")

            # 2. Export, check as rules, enforce.
            d.ctl("baseline", "export", exported, "--drop")
            print(open(exported).read())
            d.ctl("rules", "check", exported)
            d.ctl("baseline", "enforce")
            poll(t, 3)
            if any(n.startswith("baseline.") and n not in ("baseline.learn_started", "baseline.learn_stopped",
                                                           "baseline.enforcing") for n in d.names()):
                fail(f"normal polling raised baseline events: {d.names()}")
            if not odd_read(t):
                fail("without rules the odd read must still be answered (enforce only alerts)")
            wait_for(lambda: "baseline.address_out_of_range" in d.names(), 5, "baseline.address_out_of_range")
            d.stop()

            # 3. Restart with the export as the rule set.
            d2 = Daemon(t, work, "enforce", config_text(t, state, exported, action="drop"))
            daemons.append(d2)
            show = json.loads(d2.ctl("--json", "baseline", "show").stdout)["data"]
            if show["mode"] != "enforce" or not any(p["client"] == t.field_ip for p in show["pair_list"]):
                fail(f"the learned state did not survive the restart: {show}")
            status = json.loads(d2.ctl("--json", "status").stdout)["data"]
            print("status:", status)
            poll(t, 3)
            if odd_read(t):
                fail("the exported rules (default drop) let the read of register 500 through")
            wait_for(lambda: "baseline.address_out_of_range" in d2.names(), 5, "baseline event after the restart")
            stats = json.loads(d2.ctl("--json", "stats").stdout)["data"]
            if stats["dropped_by"]["policy"] == 0:
                fail(f"no policy drops counted: {stats}")

            # 4. baseline.action drop: the pair that stepped outside is cut off until released.
            wait_for(lambda: "baseline.quarantined" in d2.names(), 5, "baseline.quarantined")
            if not polls_fail(t):
                fail("the quarantined client still reaches the server")
            show = json.loads(d2.ctl("--json", "baseline", "show").stdout)["data"]
            if not show["quarantined"]:
                fail(f"baseline show lists no quarantined pair: {show}")
            if not os.path.exists(os.path.join(state, "quarantine.yaml")):
                fail("the quarantine was not saved under the state directory")
            d2.stop()

            # 5. The quarantine survives a restart; a release survives the next one.
            d3 = Daemon(t, work, "restart", config_text(t, state, exported, action="drop"))
            daemons.append(d3)
            show = json.loads(d3.ctl("--json", "baseline", "show").stdout)["data"]
            q = [p for p in show["quarantined"] if p["client"] == t.field_ip and p["server"] == t.plant_ip]
            if not q or q[0]["because"] != "baseline.address_out_of_range" or not q[0]["since"]:
                fail(f"the quarantine (with its reason) did not survive the restart: {show}")
            human = d3.ctl("baseline", "show").stdout
            if "quarantined" not in human or "since" not in human or "baseline.address_out_of_range" not in human:
                fail(f"baseline show does not say why and since when the pair is quarantined: {human}")
            if "baseline.quarantine_restored" not in d3.names():
                fail(f"no baseline.quarantine_restored event: {d3.names()}")
            if not polls_fail(t):
                fail("after the restart the quarantined client reaches the server again")
            # Released by name, as `baseline show` lists the pair; a pair that is not
            # quarantined is refused and lifts nothing.
            wrong = d3.ctl("baseline", "release", t.field_ip, t.plant_ip, "503", check=False)
            if wrong.returncode == 0 or "is not quarantined" not in wrong.stderr:
                fail(f"releasing a pair that is not quarantined must fail and say so: {wrong.stderr}")
            bad = d3.ctl("baseline", "release", "plc-3", t.plant_ip, "502", check=False)
            if bad.returncode == 0 or "client must be an IP address" not in bad.stderr:
                fail(f"a release naming no address must fail and say so: {bad.stderr}")
            if not polls_fail(t):
                fail("a refused release let the quarantined client through")
            d3.ctl("baseline", "release", t.field_ip, t.plant_ip, "502")
            time.sleep(0.3)
            poll(t, 1)
            d3.stop()
            permissive = os.path.join(work, "permissive.yaml")
            with open(permissive, "w") as f:
                f.write("default_action: allow\nrules: []\n")
            # This one writes its audit log at `logging.audit: changes`: the polling's reads are
            # left out (and counted), the flagged malformed PDUs are kept.
            d4_audit = os.path.join(work, "reload.audit.jsonl")
            d4 = Daemon(t, work, "reload", config_text(t, state, permissive, action="alert", audit_log=d4_audit))
            daemons.append(d4)
            show = json.loads(d4.ctl("--json", "baseline", "show").stdout)["data"]
            if show["quarantined"]:
                fail(f"a released quarantine came back after a restart: {show}")
            poll(t, 1)

            # 6. rules reload changes a conformance action live; a bad anomaly: keeps the old.
            if not malformed_answered(t):
                fail("with conformance alert the malformed PDU must reach the server and be answered")
            blocking = os.path.join(work, "blocking.yaml")
            with open(blocking, "w") as f:
                f.write("default_action: allow\nrules: []\nanomaly:\n"
                        "  conformance: {overrides: {modbus.illegal_function: block}}\n")
            d4.ctl("rules", "reload", blocking)
            if malformed_answered(t):
                fail("after the reload (illegal_function: block) the malformed PDU was still answered")
            acts = [json.loads(line) for line in open(d4.events)]
            acts = [e.get("action") for e in acts if e.get("name") == "modbus.illegal_function"]
            print("modbus.illegal_function actions:", acts)
            if acts[:1] != ["alert"] or acts[-1:] != ["block"]:
                fail(f"expected the event's action to go from alert to block: {acts}")
            poll(t, 1)  # well-formed traffic is not affected
            bad = os.path.join(work, "bad-anomaly.yaml")
            with open(bad, "w") as f:
                f.write("default_action: drop\nrules: []\nanomaly:\n  conformance: {default: dorp}\n")
            r = d4.ctl("rules", "reload", bad, check=False)
            if r.returncode == 0 or "bad-anomaly.yaml:4:26: error: anomaly.conformance.default" not in r.stderr + r.stdout:
                fail(f"the bad anomaly section was not refused with its position: {r.stdout} {r.stderr}")
            poll(t, 1)  # the old rules (default allow) still run, not the refused file's drop
            if malformed_answered(t):
                fail("the refused reload lifted the block of the malformed PDU")
            kinds = [json.loads(line).get("event", "") for line in open(d4.events)]
            if "rules.reload_refused" not in kinds or "anomaly.settings_applied" not in d4.names():
                fail(f"expected anomaly.settings_applied and rules.reload_refused events: {kinds} {d4.names()}")

            # 7. logging.audit: changes on the live dataplane.
            stats = json.loads(d4.ctl("--json", "stats").stdout)["data"]
            written = [json.loads(line) for line in open(d4_audit)] if os.path.exists(d4_audit) else []
            print(f"audit at changes: {stats['audit_records']} records, {stats['audit_filtered']} left out, "
                  f"{len(written)} written")
            if stats["audit_filtered"] == 0 or stats["audit_records"] < stats["audit_filtered"] + len(written):
                fail(f"stats do not count the records left out: {stats}")
            reads = [r for r in written if r.get("modbus", {}).get("function") in (3, 4)
                     and r["verdict"] == "allow" and not r["anomalies"]]
            if reads:
                fail(f"{len(reads)} plain reads written at logging.audit: changes, e.g. {reads[0]}")
            if not any(r["anomalies"] for r in written):
                fail("the malformed PDUs (flagged) are missing from the audit log at changes")
            # ... and switched to `all` at run time, for an investigation, without a restart.
            if "audit level: changes" not in d4.ctl("audit", "level").stdout:
                fail("fieldguardctl audit level does not show changes")
            if d4.ctl("audit", "level", "most", check=False).returncode == 0:
                fail("audit level accepted a level that does not exist")
            d4.ctl("audit", "level", "all")
            poll(t, 1)
            time.sleep(0.5)
            written = [json.loads(line) for line in open(d4_audit)]
            if not any(r.get("modbus", {}).get("function") == 3 and not r["anomalies"] for r in written):
                fail("after `audit level all` the polling's reads are still not written")
            changed = [json.loads(line) for line in open(d4.events)]
            changed = [e for e in changed if e.get("name") == "audit.level_changed"]
            if len(changed) != 1 or changed[0].get("previous") != "changes" or changed[0].get("level") != "all":
                fail(f"expected one audit.level_changed event (changes -> all): {changed}")
        finally:
            for dm in daemons:
                dm.stop()
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
    print(f"PASS: learn -> export -> rules -> enforce through DPDK, state and quarantine kept across restarts, "
          f"anomaly settings applied by rules reload ({work})")


if __name__ == "__main__":
    main()

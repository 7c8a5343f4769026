"""fieldguardd between two network namespaces with a rule file, for the end-to-end tests with
real peers (tests/e2e/rules_*_test.py).

    with Gateway(rules="examples/rules/water-plant-modbus.yaml") as gw:
        gw.spawn(gw.t.plant, "/usr/bin/python3", "modbus_server.py")    # a peer in the plant namespace
        r = gw.run(gw.t.field, "/usr/bin/python3", "client.py", ...)  # a peer in the field namespace
        gw.stop()                                                     # flushes audit and event logs
        gw.audit(), gw.events()

The dataplane is DPDK (net_af_packet on the bridge namespace's veth ends), as in
tests/e2e/bridge_test.py, or libpcap's live mode when the test runs with `--backend pcap`.
Every process started here and every namespace is removed on the way out, whatever happened;
fieldguardd's own log is printed when the test fails.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from harness import require_root  # noqa: F401 (tests import it from here too)
from netns import Topology, bridge_dataplane

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
FIELDGUARDCTL = os.environ.get("FIELDGUARDCTL", "fieldguardctl")
E2E_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_ROOT = os.path.dirname(os.path.dirname(E2E_DIR))
PEERS_DIR = os.path.join(E2E_DIR, "peers")
EXAMPLES_DIR = os.path.join(SOURCE_ROOT, "examples", "rules")


class TestFailure(Exception):
    pass


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def require_node_peers(*modules):
    """The node peers come from tests/e2e/peers/node_modules (scripts/install-deps.sh --with-tests)."""
    missing = [m for m in modules if not os.path.isdir(os.path.join(PEERS_DIR, "node_modules", m))]
    if missing:
        fail("node peers not installed (" + ", ".join(missing) + "): run scripts/install-deps.sh --with-tests")


def wait_for(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    fail("timed out waiting for " + what)


def _terminated(signum, _frame):
    # meson's timeout sends SIGTERM: unwind through the `with Gateway` blocks so that peers and
    # namespaces are removed all the same.
    raise SystemExit(f"FAIL: terminated by signal {signum}")


def run_test(body):
    """Runs body() and turns a TestFailure into 'FAIL: ...' and exit 1."""
    require_root()
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGINT, _terminated)
    try:
        body()
    except TestFailure as e:
        print("FAIL:", e)
        sys.exit(1)


class Gateway:
    def __init__(self, rules, extra_config="", backend=None):
        self.rules = rules
        # DPDK (net_af_packet) unless the test is run with --backend pcap (libpcap live mode).
        if backend is None:
            argv = sys.argv
            backend = "pcap" if "--backend" in argv and argv[argv.index("--backend") + 1] == "pcap" else "dpdk"
        self.backend = backend
        self.extra_config = extra_config
        self.work = tempfile.mkdtemp(prefix="fg-e2e-rules-")
        self.t = Topology()
        self.procs = []
        self.captures = []
        self.fg = None
        self.paths = {n: os.path.join(self.work, n) for n in
                      ("fieldguard.yaml", "audit.jsonl", "events.jsonl", "summary.json", "control.sock",
                       "fieldguardd.log")}

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self):
        self.t.__enter__()
        try:
            self._start()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def _config_text(self):
        return bridge_dataplane(self.t, self.backend) + f"""{"rules: " + self.rules if self.rules else ""}
{self.extra_config}"""

    def _start(self):
        with open(self.paths["fieldguard.yaml"], "w") as f:
            f.write(self._config_text())
        log = open(self.paths["fieldguardd.log"], "w")
        p = self.paths
        self.fg = subprocess.Popen(["ip", "netns", "exec", self.t.bridge, FIELDGUARDD, "-c", p["fieldguard.yaml"],
                                    "--audit-log", p["audit.jsonl"], "--event-log", p["events.jsonl"],
                                    "--control-socket", p["control.sock"], "--summary-json", p["summary.json"]],
                                   stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(self.fg)
        wait_for(lambda: os.path.exists(p["control.sock"]) or self.fg.poll() is not None, 30,
                 "fieldguardd's control socket")
        if self.fg.poll() is not None:
            fail("fieldguardd exited early:\n" + open(p["fieldguardd.log"]).read())
        if self.rules:
            # The daemon runs the file this test is about, as the operator would check it.
            r = self.ctl("--json", "rules", "show")
            check(r.returncode == 0, f"fieldguardctl rules show: {r.stdout} {r.stderr}")
            shown = json.loads(r.stdout)["data"]
            print(f"fieldguardctl rules show: {shown['rules']} rules from {shown['source']}, "
                  f"default {shown['default_action']}, hash {shown['hash']}")
            check(os.path.samefile(shown["source"], self.rules), f"the daemon runs {shown['source']}, not {self.rules}")

    def stop(self):
        """Stops fieldguardd (SIGTERM), which flushes the audit and event logs and the summary."""
        if self.fg and self.fg.poll() is None:
            self.fg.send_signal(signal.SIGTERM)
            try:
                self.fg.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.fg.kill()
                self.fg.wait()
                fail("fieldguardd did not stop on SIGTERM")

    def __exit__(self, exc_type, exc, tb):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.t.__exit__(None, None, None)
        if exc_type is None:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            print(f"---- kept {self.work} (config, audit, events, peer logs, captures) ----")
            print("---- fieldguardd log ----")
            try:
                print(open(self.paths["fieldguardd.log"]).read()[-4000:])
            except OSError:
                pass
        return False

    # -- peers -----------------------------------------------------------------------------
    def spawn(self, ns, *cmd, name=None, cwd=None):
        """Starts a long-running peer in namespace ns; its output goes to WORK/<name>.log."""
        name = name or os.path.basename(cmd[1] if len(cmd) > 1 else cmd[0])
        out = open(os.path.join(self.work, name + ".log"), "w")
        p = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        p.log_path = out.name
        self.procs.append(p)
        return p

    def run(self, ns, *cmd, timeout=30, cwd=None):
        return subprocess.run(["ip", "netns", "exec", ns, *cmd], capture_output=True, text=True, timeout=timeout,
                              cwd=cwd)

    def run_jsonl(self, ns, *cmd, timeout=30, cwd=None):
        """Runs a peer that prints one JSON line per result; returns them."""
        r = self.run(ns, *cmd, timeout=timeout, cwd=cwd)
        lines = [json.loads(ln) for ln in r.stdout.splitlines() if ln.startswith("{")]
        if not lines:
            fail(f"{' '.join(cmd)} printed no result (exit {r.returncode}):\n{r.stdout}\n{r.stderr}")
        return lines

    def run_json(self, ns, *cmd, timeout=30, cwd=None):
        """Runs a peer that prints one JSON line as its last line; returns that object."""
        return self.run_jsonl(ns, *cmd, timeout=timeout, cwd=cwd)[-1]

    @staticmethod
    def log_lines(proc):
        """The JSON lines a spawned peer printed so far."""
        out = []
        with open(proc.log_path) as f:
            for ln in f:
                if ln.startswith("{"):
                    out.append(json.loads(ln))
        return out

    def capture(self, ns, iface, name):
        """Starts dumpcap on iface in namespace ns (what that namespace receives and sends);
        returns the pcap path, complete after stop_captures()."""
        path = os.path.join(self.work, name + ".pcap")
        p = self.spawn(ns, "dumpcap", "-P", "-i", iface, "-w", path, name="dumpcap-" + name)
        wait_for(lambda: "Capturing on" in open(p.log_path).read() or p.poll() is not None, 15, "dumpcap on " + iface)
        if p.poll() is not None:
            fail("dumpcap failed: " + open(p.log_path).read())
        self.captures.append(p)
        return path

    def stop_captures(self):
        time.sleep(0.3)  # the last packets to reach the interface
        for p in self.captures:
            p.send_signal(signal.SIGTERM)
        for p in self.captures:
            p.wait(timeout=10)
        self.captures = []

    def stats(self, quiet=False):
        """fieldguardctl --json stats: the daemon's counters (dropped_by, resets_sent, rules.*)."""
        r = self.ctl("--json", "stats")
        check(r.returncode == 0, f"fieldguardctl stats: {r.stdout} {r.stderr}")
        data = json.loads(r.stdout)["data"]
        if not quiet:
            keys = ("forwarded", "dropped_by", "resets_sent", "rules")
            print("fieldguardctl stats:", json.dumps({k: data.get(k) for k in keys}))
        return data

    def ctl(self, *args):
        return subprocess.run([FIELDGUARDCTL, "-s", self.paths["control.sock"], *args], capture_output=True, text=True)

    # -- what fieldguardd recorded ---------------------------------------------------------
    def _jsonl(self, name):
        try:
            with open(self.paths[name]) as f:
                return [json.loads(ln) for ln in f if ln.strip()]
        except FileNotFoundError:
            return []

    def audit(self):
        return self._jsonl("audit.jsonl")

    def events(self):
        return self._jsonl("events.jsonl")

    def summary(self):
        with open(self.paths["summary.json"]) as f:
            return json.load(f)


def rule_alerts(events, rule, action):
    """The alert events fieldguardd raised when rule `rule` (action `action`) decided a PDU."""
    return [e for e in events if e.get("event") == "alert" and e.get("name") == "policy.rule_match"
            and e.get("rule") == rule and e.get("action") == action]


def show(title, records):
    print(f"{title}:")
    for r in records:
        print("   ", json.dumps(r, sort_keys=True)[:400])

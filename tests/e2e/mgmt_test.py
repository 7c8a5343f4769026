#!/usr/bin/python3
"""End-to-end management test: fieldguardd bridges two network namespaces on DPDK
net_af_packet vdevs; a real pymodbus client reads registers from a real pymodbus server
through it, and every fieldguardctl command (status, stats, flows list/top with filters,
events tail, audit tail [-f], audit verify, capture start/status/stop) is driven in its
human and its --json form. The answers are checked against the traffic the test sent:
the number of Modbus reads, the packets the capture holds, the connection the ACL reset.
The Prometheus endpoint must agree with `stats`; rotated, sealed audit files must verify,
and copies with a deleted, a reordered and an edited record must not.
Everything created here is removed, even on failure.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from netns import Topology, bridge_dataplane  # noqa: E402
from harness import fail, wait_for, require_root, stop_all  # noqa: E402

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
FIELDGUARDCTL = os.environ.get("FIELDGUARDCTL", "fieldguardctl")
HERE = os.path.dirname(os.path.abspath(__file__))
READS = 12
METRICS_PORT = 9310

CLIENT = r"""
import sys
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient(sys.argv[1], port=502, timeout=3, retries=1)
if not c.connect():
    print("connect failed"); sys.exit(2)
for i in range(int(sys.argv[2])):
    r = c.read_holding_registers(10 + i, 4, slave=1)
    if r.isError():
        print("error", r); sys.exit(3)
c.close()
print("ok")
"""

DENIED = r"""
import socket, sys
s = socket.socket(); s.settimeout(5)
try:
    s.connect((sys.argv[1], 5020)); sys.exit(1)
except ConnectionRefusedError:
    sys.exit(0)
"""

LISTENER = r"""
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5020)); s.listen(8)
while True:
    c, _ = s.accept(); c.close()
"""

SCRAPE = r"""
import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode())
"""


def check(cond, msg):
    if not cond:
        fail(msg)


class Ctl:
    def __init__(self, sock):
        self.sock = sock

    def run(self, *args, expect=0):
        r = subprocess.run([FIELDGUARDCTL, "-s", self.sock, *args], capture_output=True, text=True, timeout=30)
        if r.returncode != expect:
            fail(f"fieldguardctl {' '.join(args)}: exit {r.returncode}, expected {expect}\n{r.stdout}{r.stderr}")
        return r.stdout

    def json(self, *args):
        out = self.run("--json", *args)
        reply = json.loads(out)
        check(reply.get("v") == 1 and reply.get("ok") is True, f"{args}: not an ok v1 answer: {out}")
        return reply["data"]

    def both(self, *args):
        """Runs a command in both output forms: the human table must be aligned text."""
        human = self.run(*args)
        check(human.strip() != "" and not human.lstrip().startswith("{"), f"{args}: no human output: {human!r}")
        return human, self.json(*args)


def config_text(t, work, backend):
    return bridge_dataplane(t, backend, f", --file-prefix=fgmgmt{os.getpid()}") + f"""      fail: open
acl:
  default: allow
  rules:
    - name: no-engineering-port
      action: reset
      proto: tcp
      dst_port: "5020"
logging:
  max_size: 8KiB
  keep: 20
  seal_key: {work}/seal.key
  seal_interval: 1s
control:
  capture_dir: {work}/captures
metrics:
  listen: 127.0.0.1:{METRICS_PORT}
"""


def telemetry(cmd):
    """One command on DPDK's telemetry socket (what dpdk-telemetry.py does)."""
    path = f"/var/run/dpdk/fgmgmt{os.getpid()}/dpdk_telemetry.v2"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    json.loads(s.recv(16384))  # the greeting
    s.send(cmd.encode())
    reply = json.loads(s.recv(1 << 16))
    s.close()
    return reply[cmd]


def table_rows(text):
    return [line.split() for line in text.splitlines() if line.strip()]


def verify(files, key, expect):
    r = subprocess.run([FIELDGUARDCTL, "audit", "verify", "--key", key, *files], capture_output=True, text=True)
    rj = subprocess.run([FIELDGUARDCTL, "--json", "audit", "verify", "--key", key, *files], capture_output=True, text=True)
    check(r.returncode == expect and rj.returncode == expect,
          f"audit verify exit {r.returncode}/{rj.returncode}, expected {expect}:\n{r.stdout}{r.stderr}")
    return r.stdout, json.loads(rj.stdout)


def tamper_checks(work, files, key):
    """Copies of the audit files with one record deleted, two swapped, one edited."""
    out, rep = verify(files, key, 0)
    print("audit verify (intact):", out.strip().splitlines()[-1])
    check(rep["ok"] and rep["seals"] >= 1 and rep["last_sealed_seq"] == rep["last_seq"],
          f"intact log: {rep}")
    # Tamper inside the newest file that holds at least 6 lines.
    target = next(f for f in reversed(files) if len(open(f).read().splitlines()) >= 6)
    idx = files.index(target)
    lines = open(target).read().splitlines(keepends=True)
    for kind in ("deleted", "reordered", "edited"):
        d = os.path.join(work, "tamper-" + kind)
        os.makedirs(d)
        copies = []
        for f in files:
            shutil.copy(f, d)
            copies.append(os.path.join(d, os.path.basename(f)))
        bad = list(lines)
        if kind == "deleted":
            del bad[3]
            where = 4  # the record after the gap
        elif kind == "reordered":
            bad[2], bad[3] = bad[3], bad[2]
            where = 3
        else:
            bad[2] = bad[2].replace('"verdict":"allow"', '"verdict":"drop"', 1) if '"verdict":"allow"' in bad[2] \
                else bad[2].replace('"ts":"', '"ts":"1', 1)
            where = 3
        open(copies[idx], "w").write("".join(bad))
        out, rep = verify(copies, key, 1)
        kinds = {p["kind"] for p in rep["problems"]}
        lines_named = {(os.path.basename(p["file"]), p["line"]) for p in rep["problems"]}
        print(f"audit verify ({kind}):", out.strip().splitlines()[0])
        check(kind in kinds, f"{kind} record not reported as {kind}: {rep['problems']}")
        check((os.path.basename(target), where) in lines_named,
              f"{kind}: expected {os.path.basename(target)}:{where} named, got {lines_named}")
        check(f"{os.path.basename(target)}:{where}" in out, f"{kind}: human output does not name the line:\n{out}")


def main():
    backend = "pcap" if "--backend" in sys.argv and sys.argv[sys.argv.index("--backend") + 1] == "pcap" else "dpdk"
    require_root()
    work = tempfile.mkdtemp(prefix="fg-mgmt-")
    procs = []
    key, pub = os.path.join(work, "seal.key"), os.path.join(work, "seal.pub")
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", key], check=True, capture_output=True)
    os.chmod(key, 0o600)
    subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub], check=True, capture_output=True)
    audit, events = os.path.join(work, "audit.jsonl"), os.path.join(work, "events.jsonl")
    try:
        with Topology() as t:
            try:
                cfg = os.path.join(work, "fieldguard.yaml")
                with open(cfg, "w") as f:
                    f.write(config_text(t, work, backend))
                sock = os.path.join(work, "control.sock")
                log = open(os.path.join(work, "fieldguardd.log"), "w")
                fg = subprocess.Popen(["ip", "netns", "exec", t.bridge, FIELDGUARDD, "-c", cfg, "--audit-log", audit,
                                       "--event-log", events, "--control-socket", sock],
                                      stdout=log, stderr=subprocess.STDOUT)
                procs.append(fg)
                wait_for(lambda: os.path.exists(sock) or fg.poll() is not None, 30, "the control socket")
                check(fg.poll() is None, "fieldguardd exited early:\n" + open(log.name).read())
                ctl = Ctl(sock)

                # status
                human, st = ctl.both("status")
                print(human)
                check(st["mode"] == backend and st["workers"] == 1 and "rules_version" in st, f"status: {st}")
                wait_for(lambda: ctl.json("status")["workers_alive"] == 1, 5, "the worker to be seen alive")
                check("workers alive  1/1" in ctl.run("status"), "status table: workers alive 1/1 missing")

                # capture: everything to and from the Modbus port, started before any traffic
                ctl.run("capture", "start", "--file", "modbus.pcap", "--filter", "tcp port 502", "--max-seconds", "120")
                cs = ctl.json("capture", "status")
                check(cs["running"] and cs["filter"] == "tcp port 502", f"capture status: {cs}")
                ctl.run("capture", "start", "--file", "again.pcap", expect=1)  # one at a time
                ctl.run("capture", "start", "--file", "x.pcap", "--filter", "tcp port", expect=1)  # bad filter

                srv = subprocess.Popen(["ip", "netns", "exec", t.plant, "/usr/bin/python3",
                                        os.path.join(HERE, "support", "modbus_server.py")],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                procs.append(srv)
                procs.append(subprocess.Popen(["ip", "netns", "exec", t.plant, "/usr/bin/python3", "-c", LISTENER]))
                time.sleep(1.0)
                for attempt in range(10):
                    r = t.ns(t.field, "/usr/bin/python3", "-c", CLIENT, t.plant_ip, str(READS), check=False)
                    if r.returncode == 0:
                        break
                    time.sleep(0.5)
                check(r.returncode == 0, "Modbus reads through fieldguardd failed: " + r.stdout + r.stderr)
                r = t.ns(t.field, "/usr/bin/python3", "-c", DENIED, t.plant_ip, check=False)
                check(r.returncode == 0, "the denied port 5020 was not refused")
                time.sleep(0.5)

                # flows: the Modbus connection, by filters and as the top flow by packets and bytes
                human, fl = ctl.both("flows", "list", "--port", "502")
                print(human)
                modbus = [f for f in fl["flows"] if f["server_port"] == 502 and f["app"] == "modbus"]
                check(len(modbus) >= 1, f"flows --port 502: no Modbus flow: {fl}")
                mf = max(modbus, key=lambda f: f["packets"])
                check(mf["client"] == t.field_ip and mf["server"] == t.plant_ip and mf["proto"] == "tcp", f"flow: {mf}")
                check(mf["packets_from_client"] >= READS and mf["packets_from_server"] >= READS, f"flow packets: {mf}")
                check(any(r[:3] == ["tcp", f"{t.field_ip}:{mf['client_port']}", f"{t.plant_ip}:502"]
                          for r in table_rows(human)), "flows table lacks the Modbus flow")
                top = ctl.json("flows", "top", "--by", "packets", "-n", "1")
                check(top["shown"] == 1 and top["flows"][0]["server_port"] == 502, f"flows top: {top}")
                topb = ctl.json("flows", "top", "--by", "bytes", "-n", "1")
                check(topb["flows"][0]["server_port"] == 502, f"flows top --by bytes: {topb}")
                ctl.both("flows", "top", "--by", "bytes")
                by_addr = ctl.json("flows", "list", "--addr", t.plant_ip, "--proto", "tcp")
                check(all(t.plant_ip in (f["client"], f["server"]) and f["proto"] == "tcp" for f in by_addr["flows"])
                      and by_addr["matched"] >= 2, f"flows --addr --proto: {by_addr}")
                check(any(f["server_port"] == 5020 for f in by_addr["flows"]), "the reset connection is not listed")
                by_app = ctl.json("flows", "list", "--app", "modbus")
                check(all(f["app"] == "modbus" for f in by_app["flows"]) and by_app["matched"] >= 1, f"--app: {by_app}")
                none = ctl.json("flows", "list", "--port", "4840")
                check(none["matched"] == 0 and none["flows"] == [], f"flows --port 4840: {none}")
                ctl.run("flows", "list", "--addr", "not-an-ip", expect=1)
                ctl.run("flows", "sideways", expect=2)

                # stats: Modbus PDUs = requests + responses; the reset; per port and worker
                human, s = ctl.both("stats")
                print(human)
                check(s["pdus"]["modbus"] == 2 * READS, f"stats: {s['pdus']['modbus']} Modbus PDUs, sent {2 * READS}")
                check(s["dropped_by"]["policy"] >= 1 and s["resets_sent"] >= 1, f"stats drops: {s}")
                if backend == "dpdk":  # ethdev counters; libpcap has none per port
                    ports = {p["name"]: p for p in s["ports"]}
                    check(ports["field"]["rx_packets"] >= mf["packets_from_client"] and
                          ports["plant"]["rx_packets"] >= mf["packets_from_server"], f"port counters: {ports}")
                check(len(s["workers"]) == 1 and s["workers"][0]["packets_in"] == s["packets_in"], "worker rows")
                check(any(r[:2] == ["modbus", str(2 * READS)] for r in table_rows(human)), "stats table: modbus row")

                # Prometheus agrees with stats
                m = t.ns(t.bridge, "/usr/bin/python3", "-c", SCRAPE, str(METRICS_PORT)).stdout
                check(f'fieldguard_pdus_total{{protocol="modbus"}} {2 * READS}' in m, "metrics: Modbus PDU count")
                check("# TYPE fieldguard_dropped_packets_total counter" in m and 'reason="policy"' in m, "metrics families")
                # DPDK telemetry agrees too (its copy is refreshed every second)
                if backend == "dpdk":
                    time.sleep(1.2)
                    tel = telemetry("/fieldguard/stats")
                    check(tel["pdus_modbus"] == 2 * READS and tel["dropped_policy"] >= 1 and tel["worker0_alive"] == 1
                          and tel["port_field_rx_packets"] >= mf["packets_from_client"], f"telemetry: {tel}")

                # events: the alert of the reset connection
                ev_lines = ctl.run("--json", "events", "tail", "-n", "20").splitlines()
                recs = [json.loads(x) for x in ev_lines]
                check(any(r.get("dst_port") == 5020 and r.get("action") == "reset" for r in recs), f"events: {recs}")
                human = ctl.run("events", "tail")
                check("5020" in human and "reset" in human, "events tail (human) lacks the reset: " + human)

                # audit tail: one record per Modbus request and response
                lines = ctl.run("--json", "audit", "tail", "-n", "1000").splitlines()
                arecs = [json.loads(x) for x in lines if '"event":"seal"' not in x]
                reads = [r for r in arecs if r.get("proto") == "modbus" and r["modbus"].get("function") == 3]
                check(len(reads) == 2 * READS, f"audit tail: {len(reads)} Modbus read records, sent {2 * READS}")
                check(all("seq" in r and len(r["prev"]) == 64 for r in arecs), "audit records lack the chain")
                human = ctl.run("audit", "tail", "-n", "3")
                check(len(human.splitlines()) == 3 and "modbus" in human, "audit tail -n 3 (human): " + human)

                # audit tail -f follows new records
                follower = subprocess.Popen([FIELDGUARDCTL, "-s", sock, "--json", "audit", "tail", "-n", "0", "-f"],
                                            stdout=subprocess.PIPE, text=True)
                procs.append(follower)
                time.sleep(0.5)
                t.ns(t.field, "/usr/bin/python3", "-c", CLIENT, t.plant_ip, "2")
                got = []
                end = time.time() + 10
                while time.time() < end and len([g for g in got if '"modbus"' in g]) < 4:
                    got.append(follower.stdout.readline())
                follower.send_signal(signal.SIGTERM)
                check(len([g for g in got if '"modbus"' in g]) == 4, f"audit tail -f saw {got}")

                # capture stop: the file holds exactly the Modbus connections' packets
                time.sleep(0.3)
                human = ctl.run("capture", "stop")
                print(human)
                cs = ctl.json("capture", "status")
                check(not cs["running"] and cs["dropped"] == 0, f"capture after stop: {cs}")
                ctl.run("capture", "stop", expect=1)
                pcap = os.path.join(work, "captures", "modbus.pcap")
                n = int(subprocess.run(["tshark", "-r", pcap, "-Y", "modbus.func_code == 3 && mbtcp.len == 6",
                                        "-T", "fields", "-e", "frame.number"],
                                       capture_output=True, text=True, check=True).stdout.count("\n"))
                check(n == READS + 2, f"capture holds {n} Modbus read requests, sent {READS + 2}")
                final = ctl.json("flows", "list", "--port", "502")
                total = sum(f["packets"] for f in final["flows"])
                check(cs["packets"] == total, f"capture has {cs['packets']} packets, flows on port 502 count {total}")

                # exit codes
                ctl.run("nonsense", expect=2)
                Ctl(os.path.join(work, "nowhere.sock")).run("status", expect=3)
                ctl.run("events", expect=2)
            finally:
                stop_all(procs)
        # A clean stop (sanitizer builds report here too).
        check(fg.returncode == 0, f"fieldguardd exited with {fg.returncode}:\n" + open(log.name).read()[-3000:])
        # Rotated and sealed: oldest first, then the tamper checks.
        rotated = sorted((f for f in os.listdir(work) if f.startswith("audit.jsonl.")),
                         key=lambda f: -int(f.rsplit(".", 1)[1]))
        check(len(rotated) >= 1, "the audit log never rotated (max_size 8KiB)")
        for f in [audit] + [os.path.join(work, r) for r in rotated]:
            check(os.path.getsize(f) <= 8192, f"{f} exceeds max_size")
        files = [os.path.join(work, f) for f in rotated] + [audit]
        tamper_checks(work, files, pub)
        print(f"PASS ({backend}): {READS} Modbus reads seen by flows, stats, audit, capture and metrics; "
              f"{len(files)} audit files verified")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        # EAL's runtime directory for this file prefix (the telemetry socket lived there).
        shutil.rmtree(f"/var/run/dpdk/fgmgmt{os.getpid()}", ignore_errors=True)


if __name__ == "__main__":
    main()

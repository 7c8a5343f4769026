#!/usr/bin/python3
"""End-to-end: events and audit records exported as RFC 5424 syslog over TLS (RFC 5425) to
Debian's rsyslog (imtcp with the ossl stream driver, x509/certvalid: the gateway presents a
client certificate) started by this test on loopback with its own config and certificates.

1. A replay whose config names the collector by a name its certificate does not carry:
   nothing may be delivered (verification is on), everything stays in the on-disk queue.
2. A live fieldguardd (DPDK net_af_packet in namespaces) with the right name and the same
   queue: the queued messages go first, then live traffic's records.
3. rsyslog is stopped; more traffic; rsyslog restarted: the queue drains.
Every record of the JSON-lines files must arrive exactly as written (the syslog MSG is the
line), none missing, in the files' order. Everything created here is removed, even on failure.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from netns import Topology, bridge_dataplane  # noqa: E402
from harness import fail, require_root  # noqa: E402

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
FIELDGUARDCTL = os.environ.get("FIELDGUARDCTL", "fieldguardctl")
HERE = os.path.dirname(os.path.abspath(__file__))
PORT = 16514
NAME = "collector.fieldguard.test"

CLIENT = r"""
import sys
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient(sys.argv[1], port=502, timeout=3, retries=1)
if not c.connect():
    sys.exit(2)
for i in range(int(sys.argv[2])):
    if c.read_holding_registers(i, 2, slave=1).isError():
        sys.exit(3)
c.close()
"""

RSYSLOG_CONF = """
global(
  workDirectory="{d}"
  DefaultNetstreamDriver="ossl"
  DefaultNetstreamDriverCAFile="{d}/ca.pem"
  DefaultNetstreamDriverCertFile="{d}/server.pem"
  DefaultNetstreamDriverKeyFile="{d}/server.key"
  maxMessageSize="64k"
)
module(load="imtcp" StreamDriver.Name="ossl" StreamDriver.Mode="1" StreamDriver.AuthMode="x509/certvalid")
input(type="imtcp" port="{port}" address="127.0.0.1")
template(name="fgraw" type="string" string="%msgid% %msg%\\n")
action(type="omfile" file="{d}/received.log" template="fgraw")
"""


def check(cond, msg):
    if not cond:
        fail(msg)


def wait_for(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.2)
    fail("timed out waiting for " + what)


def sh(*args):
    subprocess.run(list(args), check=True, capture_output=True)


def make_certs(d):
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    sh("openssl", "req", "-x509", *ec, "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem", "-days", "2",
       "-subj", "/CN=fieldguard test CA")
    for name, cn, ext in (("server", NAME, f"subjectAltName=DNS:{NAME}\nextendedKeyUsage=serverAuth\n"),
                          ("client", "gateway-1", "extendedKeyUsage=clientAuth\n")):
        sh("openssl", "req", *ec, "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr", "-subj", f"/CN={cn}")
        with open(f"{d}/{name}.ext", "w") as f:
            f.write(ext)
        sh("openssl", "x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key",
           "-CAcreateserial", "-out", f"{d}/{name}.pem", "-days", "2", "-extfile", f"{d}/{name}.ext")


class Rsyslog:
    def __init__(self, ns, d):
        self.ns, self.d, self.proc = ns, d, None
        with open(f"{d}/rsyslog.conf", "w") as f:
            f.write(RSYSLOG_CONF.format(d=d, port=PORT))

    def start(self):
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns, "rsyslogd", "-n", "-f", f"{self.d}/rsyslog.conf",
                                      "-i", f"{self.d}/rsyslog.pid"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = f"import socket; socket.create_connection(('127.0.0.1', {PORT}), 1).close()"
        wait_for(lambda: subprocess.run(["ip", "netns", "exec", self.ns, "/usr/bin/python3", "-c", probe],
                                        capture_output=True).returncode == 0, 15, "rsyslog to listen")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)


def syslog_config(d, server_name):
    return f"""
syslog:
  server: 127.0.0.1:{PORT}
  server_name: {server_name}
  ca: {d}/ca.pem
  cert: {d}/client.pem
  key: {d}/client.key
  queue_dir: {d}/queue
"""


def lines(path):
    return open(path).read().splitlines() if os.path.exists(path) else []


def received(d):
    out = {"audit": [], "event": []}
    for line in lines(f"{d}/received.log"):
        msgid, _, msg = line.partition(" ")
        out.setdefault(msgid, []).append(msg.strip())
    return out


def in_order_without_loss(stream, got, want):
    """`got` may repeat a message (resent after a connection loss); first copies must be `want`."""
    seen, firsts = set(), []
    for m in got:
        if m not in seen:
            seen.add(m)
            firsts.append(m)
    check(len(firsts) == len(want), f"{stream}: {len(want)} records written, {len(firsts)} distinct received")
    for i, (a, b) in enumerate(zip(firsts, want)):
        check(a == b, f"{stream}: message {i + 1} differs from the file's line:\n got  {a[:200]}\n want {b[:200]}")
    return len(got) - len(firsts)


def ctl_stats(sock):
    r = subprocess.run([FIELDGUARDCTL, "-s", sock, "--json", "stats"], capture_output=True, text=True)
    check(r.returncode == 0, "fieldguardctl stats: " + r.stderr)
    return json.loads(r.stdout)["data"]


def main():
    require_root()
    d = tempfile.mkdtemp(prefix="fg-syslog-")
    procs = []
    try:
        make_certs(d)
        with Topology() as t:
            rs = Rsyslog(t.bridge, d)
            try:
                rs.start()
                # 1. Wrong name: the certificate is valid but not for this name: refused.
                capture = os.path.join(os.path.dirname(HERE), "..", "..", "shared", "pcaps", "modbus")
                capture = os.environ.get("FG_SHARED_PCAPS", os.path.abspath(capture))
                pcap = os.path.join(capture, sorted(f for f in os.listdir(capture) if f.endswith(".pcap"))[0])
                with open(f"{d}/wrong.yaml", "w") as f:
                    f.write(syslog_config(d, "not-the-collector.test"))
                sh("ip", "netns", "exec", t.bridge, FIELDGUARDD, "-q", "-c", f"{d}/wrong.yaml", "-r", pcap,
                   "--audit-log", f"{d}/replay-audit.jsonl", "--event-log", f"{d}/replay-events.jsonl")
                time.sleep(1)
                check(lines(f"{d}/received.log") == [], "delivered to a collector whose certificate names another host")
                check(os.path.getsize(f"{d}/queue/queue") > 0, "the refused messages are not in the on-disk queue")
                replay_audit, replay_events = lines(f"{d}/replay-audit.jsonl"), lines(f"{d}/replay-events.jsonl")
                print(f"wrong server name: nothing delivered, {len(replay_audit) + len(replay_events)} messages queued")

                # 2. Live daemon, right name, same queue.
                cfg = bridge_dataplane(t) + syslog_config(d, NAME)
                with open(f"{d}/live.yaml", "w") as f:
                    f.write(cfg)
                sock = f"{d}/control.sock"
                audit, events = f"{d}/audit.jsonl", f"{d}/events.jsonl"
                fg = subprocess.Popen(["ip", "netns", "exec", t.bridge, FIELDGUARDD, "-c", f"{d}/live.yaml",
                                       "--audit-log", audit, "--event-log", events, "--control-socket", sock],
                                      stdout=open(f"{d}/fieldguardd.log", "w"), stderr=subprocess.STDOUT)
                procs.append(fg)
                wait_for(lambda: os.path.exists(sock) or fg.poll() is not None, 30, "the control socket")
                check(fg.poll() is None, "fieldguardd exited: " + open(f"{d}/fieldguardd.log").read())
                procs.append(subprocess.Popen(["ip", "netns", "exec", t.plant, "/usr/bin/python3",
                                               os.path.join(HERE, "support", "modbus_server.py")],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                time.sleep(1.0)
                for attempt in range(10):
                    if t.ns(t.field, "/usr/bin/python3", "-c", CLIENT, t.plant_ip, "10", check=False).returncode == 0:
                        break
                    time.sleep(0.5)
                wait_for(lambda: ctl_stats(sock)["syslog"]["queued_bytes"] == 0, 20, "the queue to drain")
                s = ctl_stats(sock)["syslog"]
                check(s["connected"] and s["sent"] >= len(replay_audit) + 20, f"syslog stats: {s}")

                # 3. Collector down: records wait on disk; back up: delivered, in order.
                rs.stop()
                wait_for(lambda: not ctl_stats(sock)["syslog"]["connected"], 10, "the exporter to see the collector gone")
                t.ns(t.field, "/usr/bin/python3", "-c", CLIENT, t.plant_ip, "25")
                time.sleep(2)
                s = ctl_stats(sock)["syslog"]
                check(s["queued_bytes"] > 0 and not s["connected"], f"while the collector is down: {s}")
                print(f"collector down: {s['queued_bytes']} bytes queued, last error: {s['last_error']}")
                time.sleep(2)
                rs.start()
                wait_for(lambda: ctl_stats(sock)["syslog"]["queued_bytes"] == 0, 30, "the queue to drain after restart")
                print("collector back:", ctl_stats(sock)["syslog"])
            finally:
                for p in reversed(procs):
                    if p.poll() is None:
                        p.send_signal(signal.SIGTERM)
                    try:
                        p.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        p.kill()
                time.sleep(1)
                rs.stop()
        check(fg.returncode == 0, f"fieldguardd exited with {fg.returncode}:\n" + open(f"{d}/fieldguardd.log").read()[-3000:])
        got = received(d)
        dup_a = in_order_without_loss("audit", got["audit"], replay_audit + lines(audit))
        dup_e = in_order_without_loss("event", got["event"], replay_events + lines(events))
        n_audit = len(replay_audit) + len(lines(audit))
        check(sum(1 for x in lines(audit) if '"function":3' in x) == 2 * 35, "the live audit log lacks Modbus reads")
        print(f"PASS: {n_audit} audit records and {len(got['event'])} events delivered intact and in order "
              f"({dup_a + dup_e} resent after the outage)")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()

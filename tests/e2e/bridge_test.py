#!/usr/bin/python3
"""End-to-end: fieldguardd bridges two network namespaces, on the DPDK net_af_packet backend
(default) or on the libpcap backend (--backend pcap).

A real pymodbus client in the field namespace reads holding registers from a real pymodbus
server in the plant namespace through fieldguardd; a connection to a port the ACL denies
(reset) is refused at once. The audit log must show the Modbus requests and responses, and
fieldguardctl must report the traffic. Everything created here is removed, even on failure.
"""
import json
import os
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

CLIENT = r"""
import sys
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient(sys.argv[1], port=502, timeout=3, retries=1)
if not c.connect():
    print("connect failed"); sys.exit(2)
r = c.read_holding_registers(10, 8, slave=1)
c.close()
if r.isError():
    print("error", r); sys.exit(3)
print(",".join(map(str, r.registers)))
"""

DENIED = r"""
import socket, sys, time
s = socket.socket(); s.settimeout(5)
t = time.time()
try:
    s.connect((sys.argv[1], 5020)); print("connected"); sys.exit(1)
except ConnectionRefusedError:
    print("refused %.3f" % (time.time() - t)); sys.exit(0)
except OSError as e:
    print("other", e); sys.exit(1)
"""

LISTENER = r"""
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5020)); s.listen(8)
while True:
    c, _ = s.accept(); c.close()
"""


def config_text(t, backend):
    return bridge_dataplane(t, backend) + """acl:
  default: allow
  rules:
    - name: no-engineering-port
      action: reset
      proto: tcp
      dst_port: "5020"
"""


def main():
    backend = "pcap" if "--backend" in sys.argv and sys.argv[sys.argv.index("--backend") + 1] == "pcap" else "dpdk"
    require_root()
    work = tempfile.mkdtemp(prefix="fg-e2e-")
    procs = []
    with Topology() as t:
        try:
            cfg = os.path.join(work, "fieldguard.yaml")
            with open(cfg, "w") as f:
                f.write(config_text(t, backend))
            audit, events, summary = (os.path.join(work, n) for n in ("audit.jsonl", "events.jsonl", "summary.json"))
            sock = os.path.join(work, "control.sock")
            log = open(os.path.join(work, "fieldguardd.log"), "w")
            fg = subprocess.Popen(["ip", "netns", "exec", t.bridge, FIELDGUARDD, "-c", cfg, "--audit-log", audit,
                                   "--event-log", events, "--control-socket", sock, "--summary-json", summary],
                                  stdout=log, stderr=subprocess.STDOUT)
            procs.append(fg)
            wait_for(lambda: os.path.exists(sock) or fg.poll() is not None, 30, "the control socket")
            if fg.poll() is not None:
                fail("fieldguardd exited early:\n" + open(log.name).read())
            st = subprocess.run([FIELDGUARDCTL, "-s", sock, "status"], capture_output=True, text=True)
            print(st.stdout)
            if st.returncode != 0:
                fail("fieldguardctl status: " + st.stderr)

            srv = subprocess.Popen(["ip", "netns", "exec", t.plant, "/usr/bin/python3",
                                    os.path.join(HERE, "support", "modbus_server.py")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(srv)
            lst = subprocess.Popen(["ip", "netns", "exec", t.plant, "/usr/bin/python3", "-c", LISTENER])
            procs.append(lst)
            time.sleep(1.0)

            values = None
            for attempt in range(10):
                r = t.ns(t.field, "/usr/bin/python3", "-c", CLIENT, t.plant_ip, check=False)
                if r.returncode == 0:
                    values = r.stdout.strip()
                    break
                time.sleep(0.5)
            if values != ",".join(str(i) for i in range(10, 18)):
                fail(f"Modbus read through fieldguardd returned {values!r}")
            print("modbus read through the bridge:", values)

            r = t.ns(t.field, "/usr/bin/python3", "-c", DENIED, t.plant_ip, check=False)
            print("denied port:", r.stdout.strip())
            if r.returncode != 0:
                fail("connection to the denied port 5020 was not refused: " + r.stdout + r.stderr)

            stats = subprocess.run([FIELDGUARDCTL, "-s", sock, "--json", "stats"], capture_output=True, text=True)
            data = json.loads(stats.stdout)["data"]
            print("stats:", json.dumps(data))
            if data["forwarded"] == 0 or data["dropped_by"]["policy"] == 0:
                fail("stats do not show forwarded and policy-dropped packets")
        finally:
            stop_all(procs)
    with open(summary) as f:
        s = json.load(f)
    print("summary:", json.dumps(s))
    recs = [json.loads(line) for line in open(audit)]
    reads = [r for r in recs if r.get("proto") == "modbus" and r["modbus"].get("function") == 3]
    if not any(r["src_ip"] == "198.18.0.1" and r["dst_port"] == 502 for r in reads):
        fail("no audit record for the Modbus read request")
    if not any(r["src_ip"] == "198.18.0.2" and r["src_port"] == 502 for r in reads):
        fail("no audit record for the Modbus read response")
    if s["pdus"]["modbus"] < 2:
        fail("summary counts fewer than 2 Modbus PDUs")
    print(f"PASS ({backend}): {len(recs)} audit records, {s['forwarded']} packets forwarded, {s['dropped']} dropped")


if __name__ == "__main__":
    main()

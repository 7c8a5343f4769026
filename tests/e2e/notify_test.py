#!/usr/bin/python3
"""End-to-end: the systemd notification protocol as fieldguardd.service uses it (Type=notify,
WatchdogSec). The test plays the service manager: it listens on a datagram socket named by
NOTIFY_SOCKET, sets WATCHDOG_USEC/WATCHDOG_PID as systemd does, starts fieldguardd with two
workers (lcores 0-1) on DPDK net_pcap vdevs, and expects READY=1 once the control socket exists,
then WATCHDOG=1 about once a second. Then it stalls ONE worker thread for real (ptrace
PTRACE_SEIZE + PTRACE_INTERRUPT on rte-worker-1, the rest of the daemon runs on): the pings
must stop (systemd would restart the daemon after WatchdogSec), `fieldguardctl status` must say
1/2 workers alive and exit 1, and health.worker_stalled must be logged. When the thread is let
go the pings come back with health.worker_resumed.
"""
import ctypes
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
PTRACE_DETACH, PTRACE_SEIZE, PTRACE_INTERRUPT = 17, 0x4206, 0x4207
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long


def thread_named(pid, name):
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            if f.read().strip() == name:
                return int(tid)
    fail(f"no thread {name} in {os.listdir(f'/proc/{pid}/task')}")


def pings(srv, seconds):
    got = []
    end = time.time() + seconds
    while time.time() < end:
        try:
            got.append(srv.recv(4096).decode())
        except socket.timeout:
            pass
    return [m for m in got if m == "WATCHDOG=1"]


def status(sock):
    r = subprocess.run([FIELDGUARDCTL, "-s", sock, "--json", "status"], capture_output=True, text=True)
    return r.returncode, json.loads(r.stdout)["data"]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def main():
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            fail("end-to-end tests need root in CI")
        print("SKIP: needs root (DPDK)")
        sys.exit(77)
    work = tempfile.mkdtemp(prefix="fg-notify-")
    fg = None
    try:
        empty = os.path.join(work, "empty.pcap")
        with open(empty, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        cfg = os.path.join(work, "fg.yaml")
        with open(cfg, "w") as f:
            f.write(f"""
dataplane:
  backend: dpdk
  eal: [--no-huge, --no-pci, --no-shconf, -l, "0-1", --log-level=lib.eal:error, --no-telemetry]
  ports:
    - {{name: field, device: "net_pcapn0,rx_pcap={empty},tx_pcap={work}/a.pcap"}}
    - {{name: plant, device: "net_pcapn1,rx_pcap={empty},tx_pcap={work}/b.pcap"}}
  pairs:
    - {{south: field, north: plant}}
""")
        notify = os.path.join(work, "notify.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        srv.bind(notify)
        srv.settimeout(0.2)
        sock = os.path.join(work, "control.sock")
        # WATCHDOG_PID must name the daemon itself: a small shell exec keeps the PID.
        events = os.path.join(work, "events.jsonl")
        fg = subprocess.Popen(["/bin/sh", "-c", f'WATCHDOG_PID=$$ exec "$0" "$@"', FIELDGUARDD, "-q", "-c", cfg,
                               "--control-socket", sock, "--event-log", events],
                              env=dict(os.environ, NOTIFY_SOCKET=notify, WATCHDOG_USEC="3000000"),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        msgs = []
        end = time.time() + 30
        while time.time() < end and sum(m == "WATCHDOG=1" for m in msgs) < 3:
            try:
                msgs.append(srv.recv(4096).decode())
            except socket.timeout:
                if fg.poll() is not None:
                    fail("fieldguardd exited:\n" + fg.stdout.read().decode())
        print("notifications:", msgs)
        if not msgs or msgs[0] != "READY=1":
            fail(f"the first notification is not READY=1: {msgs}")
        if not os.path.exists(sock):
            fail("READY=1 came before the control socket existed")
        if sum(m == "WATCHDOG=1" for m in msgs) < 3:
            fail("fewer than 3 watchdog pings in 30 s")
        rc, st = status(sock)
        if rc != 0 or st["workers"] != 2 or st["workers_alive"] != 2:
            fail(f"status before the stall: exit {rc}, {st}")
        tid = thread_named(fg.pid, "rte-worker-1")
        if libc.ptrace(PTRACE_SEIZE, tid, None, None) != 0 or libc.ptrace(PTRACE_INTERRUPT, tid, None, None) != 0:
            fail("ptrace: " + os.strerror(ctypes.get_errno()))
        os.waitpid(tid, 0x40000000)  # __WALL: the thread is stopped now
        try:
            pings(srv, 2.0)  # at most one ping decided before the stall was seen
            silent = pings(srv, 3.0)
            rc, st = status(sock)
        finally:
            libc.ptrace(PTRACE_DETACH, tid, None, None)
        print(f"worker 1 stalled: {len(silent)} pings in 3 s, status exit {rc}, {st['workers_alive']}/{st['workers']} alive")
        if silent:
            fail("the watchdog was fed while a worker was stalled")
        if rc != 1 or st["workers_alive"] != 1:
            fail(f"status during the stall: exit {rc}, {st}")
        back = pings(srv, 3.0)
        if len(back) < 1:
            fail("no watchdog ping after the worker moved again")
        fg.send_signal(signal.SIGTERM)
        if fg.wait(timeout=15) != 0:
            fail(f"fieldguardd exited with {fg.returncode}:\n" + fg.stdout.read().decode()[-3000:])
        names = [json.loads(x).get("name") for x in open(events)]
        if "health.worker_stalled" not in names or "health.worker_resumed" not in names:
            fail(f"health events missing: {names}")
        print("PASS: READY=1 after start-up, WATCHDOG=1 every second, none while a worker is stalled, "
              "health.worker_stalled/resumed logged")
    finally:
        if fg is not None and fg.poll() is None:
            fg.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

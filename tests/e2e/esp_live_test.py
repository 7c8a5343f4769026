#!/usr/bin/python3
"""End-to-end ESP tunnel through a live fieldguardd (DPDK net_af_packet by default, or the
libpcap backend with --backend pcap) between network namespaces:

    field 198.18.0.1 --[south]-- fieldguardd (tunnel 198.18.0.254) --[north]-- platform 198.18.0.2

- The field host sends UDP to 198.18.1.5 (behind the platform). fieldguardd resolves the
  platform's MAC by ARP, encapsulates what the selector matches, and the platform namespace
  captures the ESP; scapy decrypts it there with the SA keys.
- Mid-run, `fieldguardctl tunnel rekey` installs new SAs: every datagram arrives exactly once
  (counted by its number), under the old SPI before and the new one after.
- The platform (scapy) sends ESP to 198.18.0.254 under the old inbound SA (in its grace period)
  and the new one: its kernel ARPs for the tunnel address (fieldguardd answers) and the field
  host receives every decapsulated datagram.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "support"))
from esp_keys import Sa, write_sa_file  # noqa: E402
from netns import Topology  # noqa: E402
from harness import fail, wait_for, require_root, stop_all  # noqa: E402

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
FIELDGUARDCTL = os.environ.get("FIELDGUARDCTL", "fieldguardctl")
LOCAL, PLATFORM, SERVICE = "198.18.0.254", "198.18.0.2", "198.18.1.5"
N = 3000

SENDER = r"""
import socket, sys, time
n, rate, tag = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start = time.time()
for i in range(n):
    s.sendto(b"%s%06d" % (tag.encode(), i), ("198.18.1.5", 7000))
    ahead = start + (i + 1) / rate - time.time()
    if ahead > 0: time.sleep(ahead)
"""

CAPTURE = r"""
import os, socket, struct, sys, time
iface, out, stop = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((iface, 0)); s.settimeout(0.2)
frames = []
open(out + ".ready", "w").close()
while not os.path.exists(stop):
    try: f = s.recv(65535)
    except socket.timeout: continue
    if len(f) > 23 and f[23] == 50: frames.append(f)
with open(out, "wb") as w:
    w.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for f in frames: w.write(struct.pack("<IIII", 0, 0, len(f), len(f)) + f)
"""

LISTENER = r"""
import socket, sys, time
want, deadline = int(sys.argv[1]), time.time() + float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 7001)); s.settimeout(0.5)
got = []
# Until every expected datagram came, then a little longer to catch duplicates.
while time.time() < deadline:
    try: got.append(s.recv(2048).decode())
    except socket.timeout: pass
    if len(got) >= want: deadline = min(deadline, time.time() + 1.0)
print(" ".join(got))
"""

PLATFORM_SEND = r"""
import sys
sys.path.insert(0, sys.argv[1])
from esp_keys import Sa
from scapy.all import IP, UDP, Raw, send, conf
conf.verb = 0
spi, keyhex, first, count, tag = int(sys.argv[2], 0), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
sa = Sa(spi, "in", esn=True); sa.keymat = bytes.fromhex(keyhex)
peer = sa.scapy("198.18.0.2", "198.18.0.254")
for i in range(count):
    inner = IP(src="198.18.1.5", dst="198.18.0.1") / UDP(sport=7000, dport=7001) / Raw(b"%s%04d" % (tag.encode(), i))
    send(peer.encrypt(inner, seq_num=first + i))
"""


def ctl(sock, *args, check=True):
    r = subprocess.run([FIELDGUARDCTL, "-s", sock, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        fail(f"fieldguardctl {' '.join(args)}: {r.stdout}{r.stderr}")
    return r


def tunnel_state(sock):
    return json.loads(ctl(sock, "--json", "tunnel").stdout)["data"]


def main():
    backend = "pcap" if "--backend" in sys.argv and sys.argv[sys.argv.index("--backend") + 1] == "pcap" else "dpdk"
    require_root()
    work = tempfile.mkdtemp(prefix="fg-esp-live-")
    out1, in1 = Sa(0x1001, "out"), Sa(0x2001, "in")
    out2, in2 = Sa(0x1002, "out"), Sa(0x2002, "in")
    sa_file, rekey_file = os.path.join(work, "sas.yaml"), os.path.join(work, "rekey.yaml")
    write_sa_file(sa_file, [out1, in1])
    write_sa_file(rekey_file, [out2, in2])
    procs = []
    with Topology() as t:
        try:
            if backend == "pcap":
                ports = f"""  backend: pcap
  ports:
    - {{name: field, device: {t.south_if}}}
    - {{name: plant, device: {t.north_if}}}"""
            else:
                ports = f"""  backend: dpdk
  eal: [--no-huge, --no-pci, --no-shconf, -l, "0", --log-level=lib.eal:error]
  ports:
    - {{name: field, device: "net_af_packet0,iface={t.south_if}"}}
    - {{name: plant, device: "net_af_packet1,iface={t.north_if}"}}"""
            cfg = os.path.join(work, "fieldguard.yaml")
            with open(cfg, "w") as f:
                f.write(f"""dataplane:
{ports}
  pairs: [{{south: field, north: plant}}]
tunnel:
  local: {LOCAL}
  remote: {PLATFORM}
  sa_file: {sa_file}
  rekey_grace: 20s
  selectors:
    - {{src: 198.18.0.0/24, dst: 198.18.1.0/24, proto: udp}}
""")
            t.ns(t.field, "ip", "route", "add", "198.18.1.0/24", "via", PLATFORM)
            events, sock = os.path.join(work, "events.jsonl"), os.path.join(work, "control.sock")
            log = open(os.path.join(work, "fieldguardd.log"), "w")
            fg = subprocess.Popen(["ip", "netns", "exec", t.bridge, FIELDGUARDD, "-c", cfg, "--event-log", events,
                                   "--control-socket", sock], stdout=log, stderr=subprocess.STDOUT)
            procs.append(fg)
            wait_for(lambda: os.path.exists(sock) or fg.poll() is not None, 30, "the control socket")
            if fg.poll() is not None:
                fail("fieldguardd exited early:\n" + open(log.name).read())

            cap_file, stop = os.path.join(work, "platform.pcap"), os.path.join(work, "stop")
            cap = subprocess.Popen(["ip", "netns", "exec", t.plant, "/usr/bin/python3", "-c", CAPTURE, t.plant_if,
                                    cap_file, stop])
            procs.append(cap)
            wait_for(lambda: os.path.exists(cap_file + ".ready"), 10, "the platform capture")

            # Warm-up: the first protected packet makes fieldguardd ARP for the platform.
            for _ in range(50):
                t.ns(t.field, "/usr/bin/python3", "-c", SENDER, "1", "100", "warm")
                if tunnel_state(sock)["next_hop_mac"]:
                    break
                time.sleep(0.2)
            st = tunnel_state(sock)
            if not st["next_hop_mac"]:
                fail("the platform's MAC was never resolved: " + json.dumps(st))
            print("next hop resolved by ARP:", st["next_hop_mac"])
            time.sleep(0.3)

            # The counted run, with a rekey a third of the way in.
            sender = subprocess.Popen(["ip", "netns", "exec", t.field, "/usr/bin/python3", "-c", SENDER, str(N), "1500", "run"])
            procs.append(sender)
            time.sleep(N / 1500 / 3)
            r = ctl(sock, "tunnel", "rekey", rekey_file, "--grace", "20s")
            print(r.stdout.strip())
            sender.wait(timeout=60)
            time.sleep(0.5)

            # Inbound: old SA (in grace) then the new one; the platform's kernel ARPs for us.
            lst = subprocess.Popen(["ip", "netns", "exec", t.field, "/usr/bin/python3", "-c", LISTENER, "40", "60"],
                                   stdout=subprocess.PIPE, text=True)
            procs.append(lst)
            time.sleep(0.5)
            for sa, tag in ((in1, "old"), (in2, "new")):
                r = t.ns(t.plant, "/usr/bin/python3", "-c", PLATFORM_SEND, os.path.join(HERE, "support"),
                         hex(sa.spi), sa.keymat.hex(), "1", "20", tag, check=False)
                if r.returncode != 0:
                    fail("platform sender: " + r.stderr)
            received = lst.communicate(timeout=30)[0].split()
            open(stop, "w").close()
            cap.wait(timeout=10)

            st = tunnel_state(sock)
            print("tunnel:", json.dumps(st))
            print(ctl(sock, "tunnel").stdout)
        finally:
            stop_all(procs)

    from scapy.all import IP, Raw, rdpcap
    from scapy.layers.ipsec import ESP
    sas = {out1.spi: out1.scapy(LOCAL, PLATFORM), out2.spi: out2.scapy(LOCAL, PLATFORM)}
    ids, by_spi = [], {}
    for p in rdpcap(cap_file):
        spi = p[ESP].spi
        by_spi[spi] = by_spi.get(spi, 0) + 1
        inner = sas[spi].decrypt(p[IP])
        payload = bytes(inner[Raw])
        if payload.startswith(b"run"):
            ids.append(int(payload[3:]))
    missing = sorted(set(range(N)) - set(ids))
    dups = len(ids) - len(set(ids))
    print(f"platform decrypted {len(ids)} of {N} datagrams; by SPI {by_spi}; missing {len(missing)}, duplicates {dups}")
    if missing or dups:
        fail(f"datagrams lost across the rekey: {missing[:20]}, duplicates {dups}")
    if by_spi.get(out1.spi, 0) == 0 or by_spi.get(out2.spi, 0) == 0:
        fail("the capture does not show both the old and the new outbound SPI")
    want = [f"old{i:04d}" for i in range(20)] + [f"new{i:04d}" for i in range(20)]
    if sorted(received) != sorted(want):
        fail(f"field host received {len(received)} decapsulated datagrams, expected 40: {received[:5]}...")
    sa_drops = sum(sum(s["drops"].values()) for s in st["sas"])
    tun_drops = {k: v for k, v in st["counters"]["drops"].items() if v and k != "no_next_hop"}
    if sa_drops or tun_drops:
        fail(f"unexpected drops: SA {sa_drops}, tunnel {tun_drops}")
    if st["counters"]["arp_replies"] < 1:
        fail("fieldguardd never answered ARP for the tunnel address")
    outs = {s["spi"]: s["packets"] for s in st["sas"] if s["direction"] == "out"}
    if sum(outs.values()) != st["counters"]["encapsulated"] or sum(outs.values()) < N:
        fail(f"outbound SA counters {outs} do not add up to the {st['counters']['encapsulated']} encapsulated")
    if st["rekeys"] != 1 or "0x00001002" not in outs or "0x00001001" not in outs:
        fail("fieldguardctl tunnel does not show the rekey: " + json.dumps(st))
    rekeyed = [json.loads(line) for line in open(events) if '"tunnel.rekeyed"' in line]
    if not rekeyed or out1.hex[2:20] in open(events).read():
        fail("no tunnel.rekeyed event, or key material in the event log")
    print(f"PASS ({backend}): {N} datagrams across a rekey, none lost; 40 inbound ESP packets decapsulated "
          f"(20 under the old SA in grace); ARP answered {st['counters']['arp_replies']}x")


if __name__ == "__main__":
    main()

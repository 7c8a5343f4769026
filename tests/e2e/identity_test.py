#!/usr/bin/python3
"""End-to-end: device identity through the DPDK dataplane (net_af_packet on veths), or the
libpcap backend with --backend pcap.

    [ns field: br .1 (rtu-good)] -+                                       +- [ns plant: brp .2, pymodbus server]
    [ns bad:   .11 (rtu-bad), .99]-+- fA --veth-- [ns bridge: fAb | fieldguardd | fBb] --veth-- fB -+
    [ns spoof: .1, other MAC]    -+               [fM .254: identity service] --veth--------------+

fieldguardd runs identity in enforce mode with a 4 s lease. The mbedTLS agent admits rtu-good
(certificate from the plant CA) and its Modbus read reaches the plant; before admission, and
after its lease runs out when the agent stops renewing, the same read is dropped. rtu-bad's
expired, wrongly signed and revoked certificates, and a connection with none, are refused
with their reasons, and its Modbus traffic is dropped. A third device that copies rtu-good's
address from another MAC is dropped and reported (identity.spoofed_ip). `fieldguardctl devices
revoke` ends a lease at once. An address outside the inventory (.99) is dropped and discovered
once (identity.new_device with its protocols and peers). Everything created here is removed, even on failure.
"""
import datetime
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from netns import Topology, sh  # noqa: E402
from harness import fail, wait_for, require_root, stop_all  # noqa: E402

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
FIELDGUARDCTL = os.environ.get("FIELDGUARDCTL", "fieldguardctl")
AGENT = os.environ.get("FG_DEVICE_AGENT", "fieldguard-device-agent")
HERE = os.path.dirname(os.path.abspath(__file__))
SERVICE_IP, PLANT_IP, GOOD_IP, BAD_IP, NEW_IP = "198.18.0.254", "198.18.0.2", "198.18.0.1", "198.18.0.11", "198.18.0.99"
GOOD_MAC, BAD_MAC, SPOOF_MAC = "02:00:00:00:00:01", "02:00:00:00:00:11", "02:00:00:00:00:66"

MODBUS_READ = r"""
import sys
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient(sys.argv[1], port=502, timeout=float(sys.argv[2]), retries=0)
if not c.connect():
    print("connect failed"); sys.exit(2)
r = c.read_holding_registers(10, 4, slave=1)
c.close()
if r.isError():
    print("error", r); sys.exit(3)
print(",".join(map(str, r.registers)))
"""

TCP_PROBE = r"""
import socket, sys, time
deadline = time.time() + float(sys.argv[2])
while time.time() < deadline:
    s = socket.socket(); s.settimeout(0.2)
    try:
        s.connect((sys.argv[1], 502)); print("%.3f" % time.time()); sys.exit(0)
    except OSError:
        time.sleep(0.05)
    finally:
        s.close()
sys.exit(1)
"""

BOUND_CONNECT = r"""
import socket, sys
s = socket.socket(); s.settimeout(2); s.bind((sys.argv[1], 0))
try:
    s.connect((sys.argv[2], 502)); sys.exit(0)
except OSError:
    sys.exit(1)
"""

ARP_CLAIM = r"""
import sys
from scapy.all import ARP, Ether, sendp
iface, mac, ip, dst_mac, dst_ip = sys.argv[1:6]
sendp(Ether(src=mac, dst=dst_mac) / ARP(op=2, hwsrc=mac, psrc=ip, hwdst=dst_mac, pdst=dst_ip), iface=iface, count=3, verbose=False)
"""

NO_CERT = r"""
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
ctx.check_hostname = True
s = ctx.wrap_socket(socket.create_connection((sys.argv[2], 7443), timeout=5), server_hostname="fieldguard-gateway")
s.sendall(b"FGID/1 ADMIT\n")
print(s.recv(200).decode().strip())
"""


def expired_cert(pki, name, device):
    """A certificate from the plant CA whose validity ended yesterday (fieldguardctl pki
    issues only current ones): python3-cryptography signs it with the plant CA's key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    ca_cert = x509.load_pem_x509_certificate(open(os.path.join(pki, "ca.pem"), "rb").read())
    ca_key = serialization.load_pem_private_key(open(os.path.join(pki, "ca.key"), "rb").read(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, device)]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=3)).not_valid_after(now - datetime.timedelta(days=1))
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    open(os.path.join(pki, name + ".pem"), "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    open(os.path.join(pki, name + ".key"), "wb").write(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def ctl(sock, *args):
    r = subprocess.run([FIELDGUARDCTL, "-s", sock, *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def pki_cmd(*args):
    r = subprocess.run([FIELDGUARDCTL, "pki", *args], capture_output=True, text=True)
    if r.returncode != 0:
        fail("fieldguardctl pki " + " ".join(args) + ": " + r.stderr)


class Devices:
    """The extra namespaces behind the field port: rtu-bad and the spoofer, bridged with the
    field namespace's interface (which becomes rtu-good's bridge)."""

    def __init__(self, t):
        self.t = t
        tag = t.field[3:]
        self.bad, self.spoof = f"fgD{tag}", f"fgS{tag}"
        self.mgmt, self.mgmt_peer = f"fM{tag}", f"fMp{tag}"
        self.created = []

    def __enter__(self):
        t = self.t
        for n in (self.bad, self.spoof):
            sh("ip", "netns", "add", n)
            self.created.append(n)
            t.ns(n, "ip", "link", "set", "lo", "up")
        for n in (t.field, t.bridge, t.plant, self.bad, self.spoof):
            t.ns(n, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        # The gateway's namespace also holds the dataplane's veth ends (fAb, fBb): without this
        # its kernel would answer ARP for the service address on them too, and the dataplane
        # would see that answer on its field port (af_packet sees the kernel's own frames).
        t.ns(t.bridge, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2")
        # Field side: a bridge holding fA and the other devices' links; rtu-good is the bridge.
        t.ns(t.field, "ip", "link", "add", "fgbr", "address", GOOD_MAC, "type", "bridge")
        t.ns(t.field, "ip", "addr", "flush", "dev", t.field_if)
        t.ns(t.field, "ip", "link", "set", t.field_if, "master", "fgbr")
        for ns, mac, ip in ((self.bad, BAD_MAC, BAD_IP), (self.spoof, SPOOF_MAC, GOOD_IP)):
            dev, peer = "d0", f"d{ns[3:]}"[:12]
            peer = ("b" if ns == self.bad else "s") + ns[3:]
            sh("ip", "link", "add", dev, "netns", ns, "address", mac, "type", "veth", "peer", "name", peer, "netns", t.field)
            t.ns(ns, "ip", "addr", "add", f"{ip}/24", "dev", dev)
            t.ns(ns, "ip", "link", "set", dev, "up")
            t.ns(t.field, "ip", "link", "set", peer, "master", "fgbr")
            t.ns(t.field, "ip", "link", "set", peer, "up")
        t.ns(t.field, "ip", "addr", "add", f"{GOOD_IP}/24", "dev", "fgbr")
        t.ns(t.field, "ip", "link", "set", "fgbr", "up")
        # Plant side: a bridge holding fB and the gateway's service interface fM (ns bridge).
        t.ns(t.plant, "ip", "link", "add", "fgbrp", "type", "bridge")
        t.ns(t.plant, "ip", "addr", "flush", "dev", t.plant_if)
        t.ns(t.plant, "ip", "link", "set", t.plant_if, "master", "fgbrp")
        sh("ip", "link", "add", self.mgmt_peer, "netns", t.plant, "type", "veth", "peer", "name", self.mgmt, "netns", t.bridge)
        t.ns(t.plant, "ip", "link", "set", self.mgmt_peer, "master", "fgbrp")
        t.ns(t.plant, "ip", "link", "set", self.mgmt_peer, "up")
        t.ns(t.plant, "ip", "addr", "add", f"{PLANT_IP}/24", "dev", "fgbrp")
        t.ns(t.plant, "ip", "link", "set", "fgbrp", "up")
        t.ns(t.bridge, "ip", "addr", "add", f"{SERVICE_IP}/24", "dev", self.mgmt)
        t.ns(t.bridge, "ip", "link", "set", self.mgmt, "up")
        for n, i in ((t.plant, self.mgmt_peer), (t.bridge, self.mgmt), (t.plant, "fgbrp"), (t.field, "fgbr")):
            t.ns(n, "ethtool", "-K", i, "tso", "off", "gso", "off", "gro", "off", "tx", "off", check=False)
        return self

    def __exit__(self, *exc):
        for n in reversed(self.created):
            sh("ip", "netns", "del", n, check=False)
        return False


def main():
    backend = "pcap" if "--backend" in sys.argv and sys.argv[sys.argv.index("--backend") + 1] == "pcap" else "dpdk"
    require_root()
    work = tempfile.mkdtemp(prefix="fg-e2e-identity-")
    pki, rogue = os.path.join(work, "pki"), os.path.join(work, "rogue")
    pki_cmd("ca", pki, "--cn", "e2e plant CA")
    pki_cmd("issue", pki, "rtu-good")
    pki_cmd("issue", pki, "gateway", "--server", "--dns", "fieldguard-gateway", "--ip", SERVICE_IP)
    pki_cmd("issue", pki, "rtu-bad")  # revoked below
    os.rename(os.path.join(pki, "rtu-bad.pem"), os.path.join(pki, "revoked.pem"))
    os.rename(os.path.join(pki, "rtu-bad.key"), os.path.join(pki, "revoked.key"))
    pki_cmd("revoke", pki, os.path.join(pki, "revoked.pem"))
    pki_cmd("ca", rogue, "--cn", "rogue CA")
    pki_cmd("issue", rogue, "rtu-bad")
    expired_cert(pki, "expired", "rtu-bad")

    procs = []
    agent = None
    with Topology() as t, Devices(t) as d:
        try:
            rules = os.path.join(work, "rules.yaml")
            with open(rules, "w") as f:
                f.write(f"""
devices:
  - {{id: rtu-good, ip: {GOOD_IP}, identity: certificate}}
  - {{id: rtu-bad, ip: {BAD_IP}, identity: certificate}}
default_action: allow
""")
            if backend == "pcap":
                ports = f"""
  backend: pcap
  ports:
    - {{name: field, device: {t.south_if}}}
    - {{name: plant, device: {t.north_if}}}"""
            else:
                ports = f"""
  backend: dpdk
  eal: [--no-huge, --no-pci, --no-shconf, -l, "0", --log-level=lib.eal:error]
  ports:
    - {{name: field, device: "net_af_packet0,iface={t.south_if}"}}
    - {{name: plant, device: "net_af_packet1,iface={t.north_if}"}}"""
            cfg = os.path.join(work, "fieldguard.yaml")
            with open(cfg, "w") as f:
                f.write(f"""
dataplane:{ports}
  pairs:
    - {{south: field, north: plant}}
rules: {rules}
identity:
  mode: enforce
  lease: 4s
  listen: {SERVICE_IP}
  port: 7443
  ca: {pki}/ca.pem
  crl: {pki}/crl.pem
  server_cert: {pki}/gateway.pem
  server_key: {pki}/gateway.key
""")
            events, summary = os.path.join(work, "events.jsonl"), os.path.join(work, "summary.json")
            sock = os.path.join(work, "control.sock")
            log = open(os.path.join(work, "fieldguardd.log"), "w")
            fg = subprocess.Popen(["ip", "netns", "exec", t.bridge, FIELDGUARDD, "-c", cfg, "--event-log", events,
                                   "--control-socket", sock, "--summary-json", summary],
                                  stdout=log, stderr=subprocess.STDOUT)
            procs.append(fg)
            wait_for(lambda: os.path.exists(sock) or fg.poll() is not None, 30, "the control socket")
            if fg.poll() is not None:
                fail("fieldguardd exited early:\n" + open(log.name).read())
            srv = subprocess.Popen(["ip", "netns", "exec", t.plant, "/usr/bin/python3",
                                    os.path.join(HERE, "support", "modbus_server.py")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(srv)
            time.sleep(1.5)

            def modbus(ns, timeout=2):
                r = t.ns(ns, "/usr/bin/python3", "-c", MODBUS_READ, PLANT_IP, str(timeout), check=False)
                return r.stdout.strip()

            def agent_once(cert):
                r = t.ns(d.bad, AGENT, "--gateway", SERVICE_IP, "--server-name", "fieldguard-gateway",
                         "--ca", os.path.join(pki, "ca.pem"), "--cert", cert + ".pem", "--key", cert + ".key",
                         "--once", check=False)
                return r.returncode, r.stdout.strip()

            # 1. Not admitted yet: rtu-good's Modbus read does not get through.
            out = modbus(t.field)
            if out == "10,11,12,13":
                fail("a certificate device reached the platform before admission")
            print("before admission:", out)

            # 2. The agent admits rtu-good; its traffic passes within a second.
            agent_log = open(os.path.join(work, "agent.log"), "w")
            agent = subprocess.Popen(["ip", "netns", "exec", t.field, AGENT, "--gateway", SERVICE_IP,
                                      "--server-name", "fieldguard-gateway", "--ca", os.path.join(pki, "ca.pem"),
                                      "--cert", os.path.join(pki, "rtu-good.pem"), "--key",
                                      os.path.join(pki, "rtu-good.key")], stdout=agent_log, stderr=subprocess.STDOUT)
            wait_for(lambda: "admitted rtu-good" in open(agent_log.name).read(), 15, "the agent's admission")
            admitted_at = time.time()
            r = t.ns(t.field, "/usr/bin/python3", "-c", TCP_PROBE, PLANT_IP, "3", check=False)
            if r.returncode != 0:
                fail("no TCP connection from the admitted device:\n" + open(agent_log.name).read())
            delay = float(r.stdout.strip()) - admitted_at
            print(f"admission effective in the dataplane after {delay:.3f} s")
            if delay > 1.0:
                fail(f"admission took {delay:.3f} s to reach the dataplane")
            out = modbus(t.field)
            if out != "10,11,12,13":
                fail(f"admitted device's Modbus read returned {out!r}")
            print("admitted device reads:", out)
            time.sleep(5)  # past one lease: the agent's renewals keep it alive
            out = modbus(t.field)
            if out != "10,11,12,13":
                fail(f"after renewals, the admitted device's Modbus read returned {out!r}")
            rc, leases, _ = ctl(sock, "--json", "devices", "leases")
            lease = json.loads(leases)["data"]
            print("leases:", lease)
            if rc != 0 or not lease or lease[0]["device"] != "rtu-good" or lease[0]["mac"] != GOOD_MAC \
                    or lease[0]["mac_source"] != "dataplane" or lease[0]["renewals"] < 1:
                fail("devices leases does not show rtu-good renewed with its MAC seen by the dataplane")

            # 3. rtu-bad: every bad certificate is refused, with its reason; no certificate too.
            for cert, reason in ((os.path.join(pki, "expired"), "expired"),
                                 (os.path.join(rogue, "rtu-bad"), "wrong_ca"),
                                 (os.path.join(pki, "revoked"), "revoked")):
                rc, out = agent_once(cert)
                print(f"agent with {os.path.basename(cert)}: rc={rc} {out}")
                if rc != 1 or out != f"refused {reason}":
                    fail(f"expected refusal {reason}, got rc={rc} {out!r}")
            r = t.ns(d.bad, "/usr/bin/python3", "-c", NO_CERT, os.path.join(pki, "ca.pem"), SERVICE_IP, check=False)
            print("no certificate:", r.stdout.strip(), r.stderr.strip()[-200:])
            if r.stdout.strip() != "FGID/1 REFUSED no_certificate":
                fail("a connection without a certificate was not refused as no_certificate")
            out = modbus(d.bad)
            if out == "10,11,12,13":
                fail("the refused device's Modbus traffic reached the platform")

            # 3b. A device that is not in the inventory at all: dropped, and discovered once
            # with what it tried (Modbus to the plant).
            t.ns(d.bad, "ip", "addr", "add", f"{NEW_IP}/24", "dev", "d0")
            r = t.ns(d.bad, "/usr/bin/python3", "-c", BOUND_CONNECT, NEW_IP, PLANT_IP, check=False)
            if r.returncode == 0:
                fail("a device outside the inventory reached the platform")
            wait_for(lambda: '"identity.new_device"' in open(events).read(), 10, "identity.new_device")

            # 4. A device copying rtu-good's address from another MAC is dropped and reported:
            # its ARP claim on the address (scapy) and its Modbus traffic.
            plant_mac = t.ns(t.plant, "cat", "/sys/class/net/fgbrp/address").stdout.strip()
            t.ns(d.spoof, "/usr/bin/python3", "-c", ARP_CLAIM, "d0", SPOOF_MAC, GOOD_IP, plant_mac, PLANT_IP)
            time.sleep(0.3)
            neigh = t.ns(t.plant, "ip", "neigh", "show", GOOD_IP).stdout
            print("plant's neighbour entry for the admitted address:", neigh.strip())
            if SPOOF_MAC in neigh:
                fail("the spoofer's ARP reply poisoned the plant's neighbour table")
            t.ns(d.spoof, "ip", "neigh", "replace", PLANT_IP, "lladdr", plant_mac, "dev", "d0")
            out = modbus(d.spoof)
            if out == "10,11,12,13":
                fail("the spoofing device's Modbus traffic reached the platform")
            out = modbus(t.field)
            if out != "10,11,12,13":
                fail(f"while spoofed, the real device's Modbus read returned {out!r}")

            # 5. The agent stops renewing: the lease expires and the traffic stops.
            agent.send_signal(signal.SIGTERM)
            agent.wait(timeout=10)
            stopped = time.time()
            wait_for(lambda: '"identity.lease_expired"' in open(events).read(), 10, "identity.lease_expired")
            print(f"lease expired {time.time() - stopped:.1f} s after the agent stopped")
            out = modbus(t.field)
            if out == "10,11,12,13":
                fail("traffic still passes after the lease expired")

            # 6. Admitted again, then revoked by command: cut off at once, renewal refused.
            rc, out = 0, ""
            r = t.ns(t.field, AGENT, "--gateway", SERVICE_IP, "--server-name", "fieldguard-gateway",
                     "--ca", os.path.join(pki, "ca.pem"), "--cert", os.path.join(pki, "rtu-good.pem"),
                     "--key", os.path.join(pki, "rtu-good.key"), "--once", check=False)
            if r.returncode != 0:
                fail("re-admission failed: " + r.stdout)
            if modbus(t.field) != "10,11,12,13":
                fail("re-admitted device cannot read")
            rc, out, err = ctl(sock, "devices", "revoke", "rtu-good")
            print("revoke:", rc, out.strip(), err.strip())
            if rc != 0:
                fail("fieldguardctl devices revoke failed")
            if modbus(t.field) == "10,11,12,13":
                fail("traffic still passes after revocation")
            rc, table, _ = ctl(sock, "devices")
            print(table)

            # 7. A rule reload brings a new inventory: .99 becomes a known static device.
            with open(rules, "a") as f:
                f.write(f"  - {{id: newcomer, ip: {NEW_IP}, mac: \"{BAD_MAC}\"}}\n")
            text = open(rules).read().replace("default_action: allow\n", "")
            with open(rules, "w") as f:
                f.write(text + "default_action: allow\n")
            rc, out, err = ctl(sock, "rules", "reload")
            print("rules reload:", rc, out.strip(), err.strip())
            if rc != 0:
                fail("fieldguardctl rules reload failed")
            wait_for(lambda: '"identity.inventory_reloaded"' in open(events).read(), 5, "identity.inventory_reloaded")
            r = t.ns(d.bad, "/usr/bin/python3", "-c", BOUND_CONNECT, NEW_IP, PLANT_IP, check=False)
            if r.returncode != 0:
                fail("the device added to the inventory by a rule reload cannot reach the plant")

            rc, st, _ = ctl(sock, "--json", "stats")
            dropped = json.loads(st)["data"]["dropped_by"].get("identity", 0)
            if dropped == 0:
                fail("stats show no identity drops")
        finally:
            if agent is not None and agent.poll() is None:
                agent.send_signal(signal.SIGTERM)
            stop_all(procs)

    ev = [json.loads(line) for line in open(events)]
    names = [e["name"] for e in ev]
    for e in ev:
        if e.get("event") == "identity":
            print("event:", e["name"], "-", e["detail"], "" if e["name"] != "identity.unknown_device" else e)
    refused = {e["reason"] for e in ev if e["name"] == "identity.refused"}
    for reason in ("expired", "wrong_ca", "revoked", "no_certificate"):
        if reason not in refused:
            fail(f"no identity.refused event with reason {reason}")
    spoofs = [e for e in ev if e["name"] == "identity.spoofed_ip"]
    if not any(e.get("mac") == SPOOF_MAC and e.get("expected_mac") == GOOD_MAC and e.get("ip") == GOOD_IP
               and e.get("action") == "dropped" for e in spoofs):
        fail("no identity.spoofed_ip event naming the spoofer's MAC and the admitted one")
    unknown = [e for e in ev if e["name"] in ("identity.unknown_device", "identity.new_device") and e.get("ip") != NEW_IP]
    if unknown:
        fail(f"unexpected devices outside the inventory seen on the field side: {unknown}")
    new = [e for e in ev if e["name"] == "identity.new_device"]
    if len(new) != 1 or "modbus" not in new[0]["protocols"] or PLANT_IP not in new[0]["peers"] or new[0]["mac"] != BAD_MAC:
        fail(f"the device outside the inventory was not discovered once with its protocol and peer: {new}")
    if "identity.arp_poison" not in names:
        fail("the spoofer's ARP claim on the admitted address was not reported")
    for n in ("identity.admitted", "identity.renewed", "identity.lease_expired", "identity.revoked",
              "identity.not_admitted"):
        if n not in names:
            fail(f"no {n} event")
    print(f"PASS ({backend}): {len(ev)} events, identity names: {sorted(set(n for n in names if n.startswith('identity.')))}")


if __name__ == "__main__":
    main()

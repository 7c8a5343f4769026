#!/usr/bin/python3
"""ESP tunnel through `fieldguardd -r IN -w OUT -c CFG`, checked by independent implementations.

--case tshark   Modbus and OPC UA captures are encrypted by fieldguardd; Wireshark's tshark, given
                the keys (esp_sa UAT), decrypts every ESP packet with a good ICV and dissects the
                inner Modbus/OPC UA exactly as in the original capture (every field of those layers).
--case scapy    scapy's ESP decrypts fieldguardd's packets (ESN) back to the original IP packets,
                and packets scapy encrypts are decrypted by fieldguardd back to scapy's originals.
--case rule_protect
                `action: protect` in the rule file, no selectors: the connections the rule allows
                to port 502 leave in ESP (scapy decrypts them), everything else in the clear.
--case replay | tamper | wrong_spi | out_of_window
                scapy-made ESP with one such defect among good packets: the bad ones are dropped
                (never in the output) and counted under their reason; the good ones pass.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from esp_keys import Sa, write_sa_file, write_wireshark_profile  # noqa: E402
from harness import fail  # noqa: E402

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
PCAPS = os.environ.get("FG_PCAP_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "pcaps"))
LOCAL, REMOTE = "198.18.0.254", "198.18.9.1"
SOUTH_MAC = "02:00:00:00:00:11"


def run_fieldguardd(work, sas, inp, out, selectors=True, extra=""):
    sa_file = os.path.join(work, "sas.yaml")
    write_sa_file(sa_file, sas)
    cfg = os.path.join(work, "fieldguard.yaml")
    with open(cfg, "w") as f:
        f.write(f"""tunnel:
  local: {LOCAL}
  remote: {REMOTE}
  next_hop_mac: "02:00:00:00:09:01"
  south_mac: "{SOUTH_MAC}"
  mtu: 9000               # captures hold full-size frames; a real north link needs tunnel headroom
  sa_file: {sa_file}
""" + ("""  selectors:
    - {src: any, dst: any}
""" if selectors else "") + extra)
    r = subprocess.run([FIELDGUARDD, "-c", cfg, "-r", inp, "-w", out], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"fieldguardd failed on {inp}: {r.stderr}")
    m = re.search(r"^fieldguardd: tunnel: (\{.*\})$", r.stderr, re.M)
    if not m:
        fail("no tunnel report from fieldguardd:\n" + r.stderr)
    return json.loads(m.group(1))


def layer_fields(pcap, protos, home=None, esp=False, extra=()):
    """Per packet carrying one of `protos`: every (field name, shown value) of those layers."""
    cmd = ["tshark", "-n", "-r", pcap, *extra, "-T", "pdml", "-Y", " or ".join(protos)]
    if esp:
        cmd[1:1] = ["-o", "esp.enable_encryption_decode:TRUE", "-o", "esp.enable_authentication_check:TRUE"]
    env = dict(os.environ, HOME=home) if home else None
    x = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    packets = []
    for pkt in ET.fromstring(x).iter("packet"):
        fields = []
        for proto in pkt.iter("proto"):
            if proto.get("name") in protos:
                for f in proto.iter("field"):
                    fields.append((f.get("name"), f.get("show")))
        packets.append(fields)
    return packets


def esp_icv(pcap, home):
    out = subprocess.run(["tshark", "-n", "-r", pcap, "-o", "esp.enable_encryption_decode:TRUE",
                          "-o", "esp.enable_authentication_check:TRUE", "-Y", "esp", "-T", "fields",
                          "-e", "esp.spi", "-e", "esp.icv_good", "-e", "esp.icv_bad"],
                         capture_output=True, text=True, env=dict(os.environ, HOME=home), check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def count_ip(pcap):
    out = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", "ip or ipv6", "-T", "fields", "-e", "frame.number"],
                         capture_output=True, text=True, check=True).stdout
    return len(out.split())


def ip_frames(pcap):
    from scapy.all import IP, IPv6, rdpcap
    return [p for p in rdpcap(pcap) if IP in p or IPv6 in p]


def case_tshark(work):
    sa_out = Sa(0x1001, "out", esn=False)  # Wireshark 4.0's esp_sa table has no ESN column
    home = os.path.join(work, "home")
    write_wireshark_profile(home, [sa_out])
    captures = [("modbus/iti_modbus_testdata_part1.pcap", ["mbtcp", "modbus"]),
                ("modbus/iti_modbus_testdata_part2.pcap", ["mbtcp", "modbus"]),
                ("modbus/s4_advantech_modbus.pcap", ["mbtcp", "modbus"]),
                ("opcua/icsnpp_opcua_get_endpoints.pcap", ["opcua"]),
                ("opcua/icsnpp_opcua_browse_with_results.pcap", ["opcua"]),
                ("opcua/icsnpp_opcua_read_service.pcap", ["opcua"]),
                ("opcua/iti_opcua_method_port12001.pcap", ["opcua"])]
    for cap, protos in captures:
        extra = ("-d", "tcp.port==12001,opcua") if "port12001" in cap else ()  # as GOLDEN.md decodes it
        inp = os.path.join(PCAPS, cap)
        out = os.path.join(work, os.path.basename(cap) + ".esp.pcap")
        rep = run_fieldguardd(work, [sa_out], inp, out)
        n_ip = count_ip(inp)
        icv = esp_icv(out, home)
        if len(icv) != n_ip:
            fail(f"{cap}: {len(icv)} ESP packets for {n_ip} IP packets")
        bad = [r for r in icv if r[1] != "1" or r[2] == "1"]
        if bad:
            fail(f"{cap}: {len(bad)} ESP packets without a good ICV in tshark: {bad[:3]}")
        want = layer_fields(inp, protos, extra=extra)
        got = layer_fields(out, protos, home=home, esp=True, extra=extra)
        if not want:
            fail(f"{cap}: no {protos} in the original?")
        if got != want:
            for i, (a, b) in enumerate(zip(want, got)):
                if a != b:
                    fail(f"{cap}: packet {i} of {protos} differs:\n  original {a[:8]}\n  decrypted {b[:8]}")
            fail(f"{cap}: {len(want)} {protos} packets originally, {len(got)} after decryption")
        fields = sum(len(p) for p in want)
        print(f"ok {cap}: {n_ip} packets encrypted, all ICVs good in tshark, {len(want)} {'/'.join(protos)} packets "
              f"({fields} fields) identical; SA packets {rep['sas'][0]['packets']}")


def case_scapy(work):
    from scapy.all import IP, Ether, rdpcap, wrpcap
    # fieldguardd -> scapy
    sa_out = Sa(0x1001, "out", esn=True)
    inp = os.path.join(PCAPS, "modbus/iti_modbus_testdata_part2.pcap")
    out = os.path.join(work, "fg.pcap")
    run_fieldguardd(work, [sa_out], inp, out)
    originals = [bytes(p[IP])[:p[IP].len] for p in ip_frames(inp)]  # without Ethernet padding
    peer = sa_out.scapy(LOCAL, REMOTE)
    decrypted = [bytes(peer.decrypt(p[IP])) for p in rdpcap(out)]
    if decrypted != originals:
        fail(f"scapy decrypted {len(decrypted)} packets; {sum(a != b for a, b in zip(decrypted, originals))} differ "
             f"from the {len(originals)} originals")
    print(f"ok scapy decrypts all {len(decrypted)} of fieldguardd's ESN packets to the original IP packets")

    # scapy -> fieldguardd
    sa_in = Sa(0x2001, "in", esn=True)
    src = os.path.join(PCAPS, "opcua/iti_opcua_method_port12001.pcap")
    plain = [p[IP] for p in ip_frames(src)]
    peer = sa_in.scapy(REMOTE, LOCAL)
    frames = [Ether(dst="02:46:47:00:00:01", src="02:00:00:00:09:01") / peer.encrypt(p, seq_num=i + 1)
              for i, p in enumerate(plain)]
    esp_in = os.path.join(work, "scapy-esp.pcap")
    wrpcap(esp_in, frames)
    out2 = os.path.join(work, "fg-decap.pcap")
    rep = run_fieldguardd(work, [sa_out, sa_in], esp_in, out2)
    got = rdpcap(out2)
    if not plain:
        fail("no IP packets in " + src)
    if [bytes(p[IP]) for p in got] != [bytes(p) for p in plain]:
        fail(f"fieldguardd decapsulated {len(got)} packets that differ from scapy's {len(plain)} originals")
    if any(p[Ether].dst != SOUTH_MAC for p in got):
        fail("decapsulated frames not addressed to the south MAC")
    if rep["counters"]["decapsulated"] != len(plain):
        fail("decapsulated counter " + str(rep["counters"]))
    print(f"ok fieldguardd decrypts all {len(plain)} packets scapy encrypted (ESN), inner packets identical; "
          f"not re-encrypted: encapsulated={rep['counters']['encapsulated']}")


def case_rule_protect(work):
    """`action: protect` in the rule file, no selectors: exactly the Modbus flows go upstream in ESP."""
    from scapy.all import IP, TCP, rdpcap
    rules = os.path.join(work, "rules.yaml")
    with open(rules, "w") as f:
        f.write("""default_action: allow
rules:
  - {name: protect-modbus, action: protect, proto: tcp, dst_port: 502}
""")
    sa_out = Sa(0x1001, "out", esn=True)
    inp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "captures", "demo-ics.pcap")
    out = os.path.join(work, "fg.pcap")
    run_fieldguardd(work, [sa_out], inp, out, selectors=False, extra=f"rules: {rules}\n")
    # The rule judges a flow as its client opened it: only connections made *to* port 502 are
    # protected (the capture also holds a connection a PLC opened *from* port 502).
    servers = {(p[IP].dst, p[TCP].dport, p[IP].src, p[TCP].sport) for p in ip_frames(inp)
               if TCP in p and p[TCP].flags & 0x12 == 0x02}
    def to_502(p):
        t = p[TCP]
        for key in ((p[IP].dst, t.dport, p[IP].src, t.sport), (p[IP].src, t.sport, p[IP].dst, t.dport)):
            if key in servers:
                return key[1] == 502
        return min(t.sport, t.dport) == 502  # joined mid-stream: the lower port is the server's
    modbus = [p for p in ip_frames(inp) if TCP in p and IP in p and to_502(p)]
    clear_in = len(ip_frames(inp)) - len(modbus)
    peer = sa_out.scapy(LOCAL, REMOTE)
    esp, clear = [], []
    for p in rdpcap(out):
        (esp if IP in p and p[IP].proto == 50 else clear).append(p)
    inner = [peer.decrypt(p[IP]) for p in esp]
    if any(TCP not in q or 502 not in (q[TCP].sport, q[TCP].dport) for q in inner):
        fail("a packet that is not Modbus/TCP went into the tunnel")
    if len(inner) != len(modbus):
        fail(f"{len(inner)} packets encrypted, expected the {len(modbus)} packets of connections to port 502")
    if sum(1 for p in clear if IP in p) != clear_in:
        fail(f"{sum(1 for p in clear if IP in p)} IP packets left in the clear, expected {clear_in}")
    print(f"ok rule protect: {len(inner)} Modbus/TCP packets in ESP (decrypted by scapy), {clear_in} others in the clear")


def defect_case(work, defect):
    from scapy.all import IP, UDP, Ether, Raw, rdpcap, wrpcap
    sa_in = Sa(0x2001, "in", esn=True)
    peer = sa_in.scapy(REMOTE, LOCAL)
    inner = [IP(src="198.18.9.50", dst="198.18.0.1") / UDP(sport=5000, dport=6000) / Raw(b"pkt%04d" % i)
             for i in range(40)]
    eth = Ether(dst="02:46:47:00:00:01", src="02:00:00:00:09:01")
    good = [eth / peer.encrypt(p, seq_num=i + 1) for i, p in enumerate(inner[:20])]
    frames = list(good)
    expect_good = 20
    if defect == "replay":
        frames += [good[3], good[19]]  # old inside the window, and the newest again
        bad, reason, where = 2, "replay", "sa"
    elif defect == "tamper":
        for i, off in ((20, -1), (21, -10), (22, 60)):  # ICV last byte, ICV, ciphertext
            f = bytearray(bytes(eth / peer.encrypt(inner[i], seq_num=i + 1)))
            f[off] ^= 0x01
            frames.append(Ether(bytes(f)))
        bad, reason, where = 3, "auth", "sa"
    elif defect == "wrong_spi":
        stranger = Sa(0x2999, "in", esn=True)
        frames += [eth / stranger.scapy(REMOTE, LOCAL).encrypt(inner[i], seq_num=i + 1) for i in (20, 21)]
        bad, reason, where = 2, "bad_spi", "tunnel"
    elif defect == "out_of_window":
        frames += [eth / peer.encrypt(inner[20], seq_num=5000)]  # moves the window to 5000
        expect_good += 1
        frames += [eth / peer.encrypt(inner[21], seq_num=5000 - 1024),   # just below the window (never seen)
                   eth / peer.encrypt(inner[22], seq_num=30)]            # far below
        frames += [eth / peer.encrypt(inner[23], seq_num=5000 - 1023)]   # the oldest inside: accepted
        expect_good += 1
        bad, reason, where = 2, "out_of_window", "sa"
    else:
        fail("unknown case " + defect)
    esp_in = os.path.join(work, "in.pcap")
    wrpcap(esp_in, frames)
    out = os.path.join(work, "out.pcap")
    rep = run_fieldguardd(work, [sa_in], esp_in, out, selectors=False)
    got = [bytes(p[Raw]) for p in rdpcap(out)] if os.path.getsize(out) > 24 else []
    want = [b"pkt%04d" % i for i in range(20)]
    if defect == "out_of_window":
        want += [b"pkt0020", b"pkt0023"]
    if got != want:
        fail(f"{defect}: forwarded {got} but expected {want}")
    sa = next(s for s in rep["sas"] if s["spi"] == "0x00002001")
    counted = sa["drops"][reason] if where == "sa" else rep["counters"]["drops"][reason]
    if counted != bad:
        fail(f"{defect}: {counted} counted as {reason}, expected {bad}: {json.dumps(rep)}")
    others = sum(v for k, v in sa["drops"].items() if k != reason) + \
        sum(v for k, v in rep["counters"]["drops"].items() if k != reason)
    if others:
        fail(f"{defect}: other drop counters moved: {json.dumps(rep)}")
    if sa["packets"] != expect_good:
        fail(f"{defect}: SA counted {sa['packets']} packets, expected {expect_good}")
    print(f"ok {defect}: {bad} bad packets dropped and counted as {reason}; {expect_good} good ones forwarded")


def main():
    case = sys.argv[sys.argv.index("--case") + 1] if "--case" in sys.argv else "tshark"
    work = tempfile.mkdtemp(prefix="fg-esp-")
    if case == "tshark":
        case_tshark(work)
    elif case == "scapy":
        case_scapy(work)
    elif case == "rule_protect":
        case_rule_protect(work)
    else:
        defect_case(work, case)
    print("PASS esp", case)


if __name__ == "__main__":
    main()

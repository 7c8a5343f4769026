"""Recorded DNP3 masters and outstations as peers: a capture from /work/shared/pcaps is replayed
with tcpreplay, the master's packets on the field veth and the outstation's on the plant veth, in
the capture's order, so that fieldguardd sees both directions of a real session.

The capture is rewritten first (scapy): master -> 198.18.0.1, outstation -> 198.18.0.2 (the
addresses the rule file names), MACs set to locally administered ones that no namespace owns (so
the namespaces' kernels ignore the replayed frames instead of answering them with RSTs), checksums
recomputed (and, where a test asks, the master's ephemeral port). Nothing else changes: TCP
sequence numbers, DNP3 link frames and CRCs are as recorded.

What crossed is captured by dumpcap in the receiving namespaces and compared packet by packet
(TCP sequence number + payload) with what was sent.
"""
import os
import subprocess
import time

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.utils import rdpcap, wrpcap

MASTER_IP, OUTSTATION_IP = "198.18.0.1", "198.18.0.2"
MASTER_MAC, OUTSTATION_MAC = "02:fd:00:00:00:01", "02:fd:00:00:00:02"
DNP3_PORT = 20000


class Packet:
    """One replayed packet: which side sent it, its TCP identity, and the DNP3 application
    function(s) it carries (from tshark: the reference dissector)."""

    def __init__(self, index, from_master, frame, functions):
        self.index, self.from_master, self.frame, self.functions = index, from_master, frame, functions

    @property
    def key(self):
        return packet_key(self.frame)


def packet_key(frame):
    tcp = frame[TCP]
    return (frame[IP].src, tcp.sport, tcp.dport, tcp.seq, int(tcp.flags), bytes(tcp.payload))


def dnp3_functions(capture):
    """Frame number -> list of DNP3 application function codes, as tshark decodes them."""
    out = subprocess.run(["tshark", "-n", "-r", capture, "-T", "fields", "-e", "frame.number", "-e", "dnp3.al.func"],
                         capture_output=True, text=True, check=True).stdout
    funcs = {}
    for line in out.splitlines():
        num, _, f = line.partition("\t")
        funcs[int(num)] = [int(x) for x in f.split(",") if x]
    return funcs


def prepare(capture, workdir, master_port=None):
    """Rewrites the capture; returns (packets, runs) where runs are [(from_master, pcap_path)] of
    consecutive packets sent by the same side. master_port, when given, replaces the master's
    TCP port."""
    funcs = dnp3_functions(capture)
    frames = rdpcap(capture)
    packets = []
    for i, f in enumerate(frames, 1):
        if TCP not in f:
            continue
        from_master = f[TCP].dport == DNP3_PORT
        ip = f[IP].copy()
        ip.src, ip.dst = (MASTER_IP, OUTSTATION_IP) if from_master else (OUTSTATION_IP, MASTER_IP)
        if master_port is not None:
            if from_master:
                ip[TCP].sport = master_port
            else:
                ip[TCP].dport = master_port
        del ip.chksum
        del ip[TCP].chksum
        src, dst = (MASTER_MAC, OUTSTATION_MAC) if from_master else (OUTSTATION_MAC, MASTER_MAC)
        frame = Ether(bytes(Ether(src=src, dst=dst) / ip))  # rebuilt: checksums computed
        frame.time = f.time
        packets.append(Packet(i, from_master, frame, funcs.get(i, [])))
    runs = []
    for p in packets:
        if runs and runs[-1][0] == p.from_master:
            runs[-1][1].append(p.frame)
        else:
            runs.append((p.from_master, [p.frame]))
    base = os.path.splitext(os.path.basename(capture))[0]
    paths = []
    for n, (from_master, frames_) in enumerate(runs):
        path = os.path.join(workdir, f"{base}.{n:03d}.{'master' if from_master else 'outstation'}.pcap")
        wrpcap(path, frames_)
        paths.append((from_master, path))
    return packets, paths


def replay(gw, runs):
    """Sends each run with tcpreplay from the sender's namespace, one after the other. Before the
    other side's answer is sent, fieldguardd must have taken in this run (its packets_in counter,
    read with fieldguardctl, has grown by the run's length), as on a real wire where the answer
    follows the request: on a loaded machine a fixed pause would not guarantee it."""
    t = gw.t
    for from_master, path in runs:
        ns, iface = (t.field, t.field_if) if from_master else (t.plant, t.plant_if)
        before = gw.stats(quiet=True)["packets_in"]
        n = len(rdpcap(path))
        r = gw.run(ns, "tcpreplay", "-q", "--pps=200", "-i", iface, path)
        if r.returncode != 0:
            raise RuntimeError(f"tcpreplay {path}: {r.stderr}")
        deadline = time.time() + 5
        while gw.stats(quiet=True)["packets_in"] < before + n and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(0.02)  # and forwarded them (same burst)


def received(pcap_path):
    """Keys of the TCP packets a dumpcap capture holds."""
    if not os.path.exists(pcap_path) or os.path.getsize(pcap_path) == 0:
        return set()
    return {packet_key(f) for f in rdpcap(pcap_path) if TCP in f}

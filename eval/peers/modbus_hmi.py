#!/usr/bin/python3
"""An operator HMI polling two PLCs with a real Modbus/TCP client (pymodbus), for the anomaly study.

Each session connects to both PLCs, polls for SESSION seconds (random in --session), closes, and
the HMI reconnects after a short pause (a screen change or a station restart), until --duration.

  plc-1, unit 1: FC3 holding registers 0-9 and FC4 input registers 100-109 every 1 s; FC1 coils
                 0-15 every 2 s; an alarm screen (FC3 200-219 every 1 s) opened now and then for
                 20-60 s; the operator writes the setpoint (FC6 register 20, 40-60) every 10-40 s.
  plc-2, units 1 and 2: FC3 0-49 every 2 s.

The poll cycle is timer driven (a fixed 1 s tick, as HMIs do), so requests follow the tick, not
the previous answer. Usage: modbus_hmi.py PLC1 PLC2 --duration S [--session LO HI] [--seed N]
"""
import argparse
import random
import threading
import time

from pymodbus.client import ModbusTcpClient


def client(host):
    c = ModbusTcpClient(host, port=502, timeout=3, retries=1)
    c.connect()
    return c


def plc1_session(host, until, rnd):
    c = client(host)
    try:
        tick, t = 0, time.monotonic()
        next_write = t + rnd.uniform(10, 40)
        screen_until, next_screen = 0.0, t + rnd.uniform(20, 90)
        while t < until:
            c.read_holding_registers(0, 10, slave=1)
            c.read_input_registers(100, 10, slave=1)
            if tick % 2 == 0:
                c.read_coils(0, 16, slave=1)
            now = time.monotonic()
            if now >= next_screen:
                screen_until, next_screen = now + rnd.uniform(20, 60), now + rnd.uniform(60, 180)
            if now < screen_until:
                c.read_holding_registers(200, 20, slave=1)
            if now >= next_write:
                c.write_register(20, rnd.randint(40, 60), slave=1)
                next_write = now + rnd.uniform(10, 40)
            tick += 1
            t += 1.0
            time.sleep(max(0.0, t - time.monotonic()))
    finally:
        c.close()


def plc2_session(host, until):
    c = client(host)
    try:
        _plc2_poll(c, until)
    except Exception as e:  # as for plc-1: the session ends, the next one reconnects
        print("plc-2 session:", e)
    finally:
        c.close()


def _plc2_poll(c, until):
    t = time.monotonic()
    while t < until:
        c.read_holding_registers(0, 50, slave=1)
        time.sleep(0.5)
        c.read_holding_registers(0, 50, slave=2)
        t += 2.0
        time.sleep(max(0.0, t - time.monotonic()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plc1")
    ap.add_argument("plc2")
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--session", type=float, nargs=2, default=(45, 90))
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    end = time.monotonic() + a.duration
    while time.monotonic() < end - 5:
        until = min(end, time.monotonic() + rnd.uniform(*a.session))
        th = threading.Thread(target=plc2_session, args=(a.plc2, until))
        th.start()
        try:
            plc1_session(a.plc1, until, rnd)
        except Exception as e:  # a lost answer ends the session; the HMI reconnects, as real ones do
            print("plc-1 session:", e)
        th.join()
        time.sleep(rnd.uniform(1, 3))


if __name__ == "__main__":
    main()

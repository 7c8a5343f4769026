#!/usr/bin/python3
"""A historian polling a PLC with libmodbus (the C library, through ctypes), for the anomaly study:
every 5 s (+-0.1 s) a new TCP connection, FC3 holding registers 0-99 of unit 1, close, as many
historians and data loggers do. A poll that fails is retried once after 1 s.

Usage: libmodbus_historian.py PLC --duration S
"""
import argparse
import ctypes
import ctypes.util
import random
import time

lib = ctypes.CDLL(ctypes.util.find_library("modbus") or "libmodbus.so.5")
lib.modbus_new_tcp.restype = ctypes.c_void_p
lib.modbus_new_tcp.argtypes = [ctypes.c_char_p, ctypes.c_int]
for name in ("modbus_connect", "modbus_close", "modbus_free"):
    getattr(lib, name).argtypes = [ctypes.c_void_p]
lib.modbus_set_slave.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.modbus_set_response_timeout.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32]
lib.modbus_read_registers.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_uint16)]


def poll(host):
    ctx = lib.modbus_new_tcp(host.encode(), 502)
    if not ctx:
        return False
    try:
        lib.modbus_set_slave(ctx, 1)
        lib.modbus_set_response_timeout(ctx, 1, 0)
        if lib.modbus_connect(ctx) != 0:
            return False
        regs = (ctypes.c_uint16 * 100)()
        ok = lib.modbus_read_registers(ctx, 0, 100, regs) == 100
        lib.modbus_close(ctx)
        return ok
    finally:
        lib.modbus_free(ctx)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plc")
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--seed", type=int, default=2)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    t = time.monotonic()
    end = t + a.duration
    while t < end:
        if not poll(a.plc):
            time.sleep(1)
            poll(a.plc)
        t += 5 + rnd.uniform(-0.1, 0.1)
        time.sleep(max(0.0, t - time.monotonic()))


if __name__ == "__main__":
    main()

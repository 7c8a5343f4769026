#!/usr/bin/python3
"""A real Modbus/TCP client (pymodbus), as a water plant's SCADA/HMI uses one: one job per run.

  read ADDR COUNT            read holding registers (FC3)
  write ADDR VALUE           write single register (FC6)
  write_multiple ADDR V,V..  write multiple registers (FC16)
  write_coil ADDR 0|1        write single coil (FC5)
  coil_burst ADDR N          N write-single-coil requests back to back on one connection (a stuck
                             button); stops at the first unanswered one, reports how many passed

Prints one JSON line {"op":..,"ok":bool,"registers":[..]|"error":".."}; exit 0 on success.
A request the gateway drops times out (ok false, "no response"); one it resets fails at once.
Usage: modbus_station.py HOST UNIT JOB ARGS...
"""
import json
import sys

from pymodbus.client import ModbusTcpClient


def main():
    host, unit, job, *args = sys.argv[1:]
    unit = int(unit)
    # One try, short timeout: the test must learn quickly that a request went unanswered.
    c = ModbusTcpClient(host, port=502, timeout=2, retries=0, retry_on_empty=False)
    out = {"op": job, "ok": False}
    try:
        if not c.connect():
            out["error"] = "connect failed"
        else:
            if job == "read":
                r = c.read_holding_registers(int(args[0]), int(args[1]), slave=unit)
            elif job == "write":
                r = c.write_register(int(args[0]), int(args[1]), slave=unit)
            elif job == "write_multiple":
                r = c.write_registers(int(args[0]), [int(v) for v in args[1].split(",")], slave=unit)
            elif job == "write_coil":
                r = c.write_coil(int(args[0]), args[1] == "1", slave=unit)
            elif job == "coil_burst":
                answered = 0
                for i in range(int(args[1])):
                    try:
                        r = c.write_coil(int(args[0]), i % 2 == 0, slave=unit)
                    except Exception as e:  # the first refused write: no answer
                        out["error"] = f"{type(e).__name__}: {e}"
                        break
                    if r.isError():
                        out["error"] = str(r)
                        break
                    answered += 1
                out["answered"] = answered
                print(json.dumps(out))
                sys.exit(0 if answered == int(args[1]) else 1)
            else:
                raise SystemExit("unknown job " + job)
            if r.isError():
                out["error"] = str(r)
            else:
                out["ok"] = True
                if hasattr(r, "registers"):
                    out["registers"] = list(r.registers)
    except Exception as e:  # pymodbus raises ConnectionException/ModbusIOException on resets and timeouts
        out["error"] = f"{type(e).__name__}: {e}"
    finally:
        c.close()
    print(json.dumps(out))
    sys.exit(0 if out["ok"] else 1)


if __name__ == "__main__":
    main()

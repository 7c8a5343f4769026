#!/usr/bin/python3
"""A real Modbus/TCP server (pymodbus) for end-to-end tests: 1000 holding registers, value i at address i."""
import argparse
import logging

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartTcpServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=502)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    block = ModbusSequentialDataBlock(0, list(range(1000)))
    slave = ModbusSlaveContext(hr=block, ir=block, co=ModbusSequentialDataBlock(0, [0] * 1000),
                               di=ModbusSequentialDataBlock(0, [0] * 1000), zero_mode=True)
    StartTcpServer(context=ModbusServerContext(slaves=slave, single=True), address=(args.host, args.port))


if __name__ == "__main__":
    main()

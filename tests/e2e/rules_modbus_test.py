#!/usr/bin/python3
"""End-to-end, real peers: examples/rules/water-plant-modbus.yaml enforced by fieldguardd (DPDK
net_af_packet) between a pymodbus client (the HMI, 198.18.0.1) and a pymodbus server (the
filtration PLC, 198.18.0.2, register i holds i).

The HMI reads registers and sets a chlorine setpoint within 40-49 / 0..100: both succeed.
A setpoint outside 0..100, a register outside 40-49 and a multi-register write with one bad
value never reach the PLC: the client gets no answer, the PLC's registers are unchanged, and the
audit log has the request with verdict "drop" and rule "no-other-writes" (allowed requests carry
"allow" and their rule's name). A burst of 40 pump-coil writes on one connection passes the
rule's rate (10/s) for the first ~10 only; the next is dropped under that rule's name.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from gateway import EXAMPLES_DIR, PEERS_DIR, Gateway, check, fail, rule_alerts, run_test, show, wait_for  # noqa: E402

RULES = os.path.join(EXAMPLES_DIR, "water-plant-modbus.yaml")
SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "support", "modbus_server.py")
STATION = os.path.join(PEERS_DIR, "modbus_station.py")
PY = "/usr/bin/python3"


def requests(audit, function, address):
    return [r for r in audit if r.get("proto") == "modbus" and r["src_ip"] == "198.18.0.1"
            and r["modbus"].get("function") == function and r["modbus"].get("address") == address
            and not r["modbus"].get("is_response")]


def body():
    with Gateway(rules=RULES) as gw:
        t = gw.t
        gw.spawn(t.plant, PY, SERVER, name="plc")

        def station(*job):
            return gw.run_json(t.field, PY, STATION, t.plant_ip, "1", *job)

        # The server needs a moment to listen; the first read doubles as the readiness probe.
        first = wait_for(lambda: (lambda r: r if r["ok"] else None)(station("read", "0", "8")), 20,
                         "a Modbus read through fieldguardd")
        print("read 0-7:", first)
        check(first["registers"] == list(range(8)), "read 0-7 returned wrong values")

        r = station("read", "40", "4")
        print("read 40-43:", r)
        check(r["ok"] and r["registers"] == [40, 41, 42, 43], "read of the setpoints failed")

        r = station("write", "40", "55")
        print("write 40 = 55 (allowed window, allowed value):", r)
        check(r["ok"], "an allowed setpoint write was refused")

        refused = [("write", "40", "250"), ("write", "200", "7"), ("write_multiple", "41", "10,20,300")]
        for job in refused:
            r = station(*job)
            print(" ".join(job), "->", r)
            check(not r["ok"], f"{' '.join(job)} reached the PLC and was answered")

        # A stuck pump button: 40 coil writes back to back on one connection. The rule allows 10
        # per second per flow (rate_action drop): the first ~10 are answered, then one is dropped.
        burst = station("coil_burst", "3", "40")
        print("coil_burst 40 x coil 3 ->", burst)
        check(10 <= burst["answered"] < 40,
              f"{burst['answered']} of 40 back-to-back coil writes answered, expected 10 to 39")

        # What the PLC holds proves what reached it: 40 changed, 41-43 and 200 did not.
        r = station("read", "40", "4")
        print("read 40-43 after the writes:", r)
        check(r["ok"] and r["registers"] == [55, 41, 42, 43],
              f"setpoints are {r.get('registers')}, expected [55, 41, 42, 43]")
        r = station("read", "200", "1")
        check(r["ok"] and r["registers"] == [200], f"register 200 is {r.get('registers')}, expected [200]")

        st = gw.stats()
        check(st["rules"]["pdu_drops"] >= len(refused),
              f"stats count {st['rules']['pdu_drops']} PDU drops, expected {len(refused)}")
        check(st["rules"]["rate_limited"] >= 1, "stats count no rate-limited PDU")
        gw.stop()
        audit, events = gw.audit(), gw.events()
        alerts = rule_alerts(events, "no-other-writes", "drop")
        show("events: no-other-writes", alerts)
        check(len(alerts) >= len(refused),
              f"{len(alerts)} policy.rule_match events for no-other-writes, expected {len(refused)}")

        reads = requests(audit, 3, 40)
        show("audit: read 40", reads[:1])
        check(reads and all(a["verdict"] == "allow" and a["rule"] == "scada-reads-plcs" for a in reads),
              "read requests are not audited as allowed by scada-reads-plcs")
        good = [a for a in requests(audit, 6, 40) if 55 in a["modbus"].get("values", [55])]
        show("audit: write 40 = 55", good)
        check(any(a["verdict"] == "allow" and a["rule"] == "hmi-sets-chlorine-dosing" for a in good),
              "the allowed setpoint write is not audited as allowed by hmi-sets-chlorine-dosing")
        for function, address, what in ((6, 40, "write 40 = 250"), (6, 200, "write 200"),
                                        (16, 41, "write_multiple 41")):
            recs = [a for a in requests(audit, function, address) if a["verdict"] != "allow"]
            show(f"audit: {what}", recs)
            check(recs and all(a["verdict"] == "drop" and a["rule"] == "no-other-writes" for a in recs),
                  f"{what}: no audit record with verdict drop and rule no-other-writes")
        coils = requests(audit, 5, 3)
        passed = [a for a in coils if a["verdict"] == "allow" and a["rule"] == "hmi-switches-backwash-pumps"]
        limited = [a for a in coils if a["verdict"] == "drop" and a["rule"] == "hmi-switches-backwash-pumps"]
        show("audit: coil 3, first over the rate", limited[:1])
        check(len(passed) == burst["answered"],
              f"{len(passed)} coil writes audited as allowed, {burst['answered']} answered")
        check(limited, "no coil write audited as dropped by hmi-switches-backwash-pumps (its rate)")
        if any(a["verdict"] == "allow" and a["rule"] != "default" and a["modbus"].get("function") in (6, 16)
               and 250 in a["modbus"].get("values", []) for a in audit):
            fail("a write of 250 was audited as allowed")
    print("PASS: Modbus reads and in-range setpoint writes pass; out-of-range writes and writes over the rate"
          " dropped and audited")


if __name__ == "__main__":
    run_test(body)

#!/usr/bin/python3
"""End-to-end, real peers: examples/rules/packaging-line-s7.yaml enforced by fieldguardd (DPDK
net_af_packet) between snap7's S7Client (node-snap7, the HMI / engineering station, 198.18.0.1)
and snap7's own S7Server (the line PLC, 198.18.0.2).

The station reads DB1 (allowed: the recipe bytes come back) and resets the shift counters in
DB10 (allowed); its write to the recipe DB1 is dropped by the default action. PLC STOP and a
block download are refused: the client sees its job fail, the PLC never sees the request (its CPU stays in RUN,
snap7's server reports no control or download event), both ends receive a TCP RST for that
connection (dumpcap in each namespace), and the audit log has the request with verdict "reset"
and rule no-plc-stop / no-program-download, with a policy.rule_match event each.

snap7's client notices a reset only when it begins to wait for an answer, not while it waits
(TMsgSocket::WaitForData polls FIONREAD), so it reports the reset as its receive timeout: the
RST itself is checked on the wire.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from gateway import (EXAMPLES_DIR, PEERS_DIR, Gateway, check, require_node_peers, rule_alerts, run_test,  # noqa: E402
                     show, wait_for)
from scapy.layers.inet import IP, TCP  # noqa: E402
from scapy.utils import rdpcap  # noqa: E402

RULES = os.path.join(EXAMPLES_DIR, "packaging-line-s7.yaml")
PLC_STOP, REQUEST_DOWNLOAD, READ_VAR, WRITE_VAR = 0x29, 0x1a, 0x04, 0x05


def body():
    require_node_peers("node-snap7")
    with Gateway(rules=RULES) as gw:
        t = gw.t
        at_station = gw.capture(t.field, t.field_if, "received-by-station")
        at_plc = gw.capture(t.plant, t.plant_if, "received-by-plc")
        plc = gw.spawn(t.plant, "node", os.path.join(PEERS_DIR, "s7_plc.js"), name="plc")
        wait_for(lambda: any(e["event"] == "ready" for e in gw.log_lines(plc)), 20, "the S7 server")

        def station(*job):
            return gw.run_json(t.field, "node", os.path.join(PEERS_DIR, "s7_station.js"), t.plant_ip, *job)

        r = wait_for(lambda: (lambda x: x if x["ok"] else None)(station("dbread", "1", "0", "16")), 20,
                     "a DB1 read through fieldguardd")
        print("DBRead DB1.DBB0..15:", r)
        check(r["data"] == list(range(16)), "DB1 read returned wrong bytes")

        r = station("dbwrite", "10", "0", "0,0,0,0")
        print("DBWrite DB10.DBB0..3 (counter reset) ->", r)
        check(r["ok"], "the HMI's counter reset (DB10 bytes 0-3) was refused")
        r = station("dbwrite", "1", "0", "99")
        print("DBWrite DB1.DBB0 (recipe) ->", r)
        check(not r["ok"], "a write to the recipe DB1 succeeded through fieldguardd")

        for job in (["stop"], ["download", "5"]):
            start = time.time()
            r = station(*job)
            print(" ".join(job), "->", r, f"({time.time() - start:.1f} s)")
            check(not r["ok"], f"{job[0]} succeeded through fieldguardd")

        plc.send_signal(signal.SIGUSR1)
        wait_for(lambda: any(e["event"] == "cpu" for e in gw.log_lines(plc)), 5, "the PLC's CPU status")
        plc_events = gw.log_lines(plc)
        show("PLC (snap7 server) events", plc_events)
        check([e["status"] for e in plc_events if e["event"] == "cpu"][-1] == "run", "the PLC's CPU went to STOP")
        check(not any(e["event"] in ("control", "download", "upload") for e in plc_events),
              "a STOP or download request reached the PLC")
        check(any(e["event"] == "data_read" for e in plc_events), "the PLC saw no read")
        writes = [e for e in plc_events if e["event"] == "data_write"]
        check(len(writes) == 1 and writes[0]["params"][:2] == [0x84, 10],
              f"the PLC saw writes {writes}, expected one to DB10")

        st = gw.stats()
        check(st["resets_sent"] >= 2, f"stats count {st['resets_sent']} resets sent, expected at least 2")
        gw.stop_captures()
        gw.stop()
        audit = [a for a in gw.audit() if a.get("proto") == "s7comm"]
        events = gw.events()
        for rule in ("no-plc-stop", "no-program-download"):
            alerts = rule_alerts(events, rule, "reset")
            show(f"events: {rule}", alerts)
            check(alerts, f"no policy.rule_match event for {rule}")
        # Every Ack/Ack_Data of the real snap7 PLC answers a job (pairing by PDU reference).
        unmatched = [e for e in events if e.get("name") == "s7comm.unmatched_response"]
        check(not unmatched, f"snap7 traffic raised s7comm.unmatched_response: {unmatched}")
        reqs = {f: [a for a in audit if a["src_ip"] == "198.18.0.1" and a["s7comm"].get("function") == f]
                for f in (READ_VAR, WRITE_VAR, PLC_STOP, REQUEST_DOWNLOAD)}
        for f, v in reqs.items():
            show(f"audit: requests with function 0x{f:02x}", v)
        check(reqs[READ_VAR] and all(a["verdict"] == "allow" and a["rule"] == "read-recipes-and-counters"
                                     for a in reqs[READ_VAR]),
              "the DB read is not audited as allowed by read-recipes-and-counters")
        db_of = {a["s7comm"]["items"][0]["db"]: a for a in reqs[WRITE_VAR]}
        check(10 in db_of and db_of[10]["verdict"] == "allow" and db_of[10]["rule"] == "hmi-resets-counters",
              "the DB10 write is not audited as allowed by hmi-resets-counters")
        check(1 in db_of and db_of[1]["verdict"] == "drop" and db_of[1]["rule"] == "default",
              "the DB1 write is not audited as dropped by the default action")
        check(reqs[PLC_STOP] and all(a["verdict"] == "reset" and a["rule"] == "no-plc-stop" for a in reqs[PLC_STOP]),
              "PLC STOP is not audited with verdict reset and rule no-plc-stop")
        check(reqs[REQUEST_DOWNLOAD] and all(a["verdict"] == "reset" and a["rule"] == "no-program-download"
                                             for a in reqs[REQUEST_DOWNLOAD]),
              "the download request is not audited with verdict reset and rule no-program-download")
        # The connections that carried the refused jobs were reset towards both ends.
        refused_ports = {a["src_port"] for a in reqs[PLC_STOP] + reqs[REQUEST_DOWNLOAD]}
        for path, src, what in ((at_station, "198.18.0.2", "station"), (at_plc, "198.18.0.1", "PLC")):
            rsts = {f[TCP].dport if src == "198.18.0.2" else f[TCP].sport for f in rdpcap(path)
                    if TCP in f and f[IP].src == src and f[TCP].flags & 0x04}
            print(f"RSTs received by the {what} on station ports {sorted(rsts)};"
                  f" refused jobs used {sorted(refused_ports)}")
            check(refused_ports <= rsts, f"the {what} did not receive a TCP RST for every refused job's connection")
    print("PASS: S7 DB read and counter reset pass; recipe write dropped; PLC STOP and block download reset"
          " before the PLC; all audited")


if __name__ == "__main__":
    run_test(body)

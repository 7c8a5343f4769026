#!/usr/bin/python3
"""End-to-end, recorded peers: examples/rules/scada-master-dnp3.yaml enforced by fieldguardd (DPDK
net_af_packet) on DNP3 sessions from the shared captures, replayed with tcpreplay (master's
packets on the field veth, outstation's on the plant veth; tests/e2e/peers/dnp3_replay.py).

dumpcap in each namespace records what crossed. The master's read requests (integrity poll) and
its select-before-operate on a control relay output block reach the outstation, and the
outstation's responses reach the master; the cold restart and the direct operate requests never
reach the outstation. The audit log has those two with verdict "drop" and rules
no-remote-restart / no-direct-operate (policy.rule_match events too), the reads with "allow" /
master-polls-rtu and the select/operate with "allow" / master-operates-crob.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "support"))
sys.path.insert(0, os.path.join(HERE, "peers"))
import dnp3_replay  # noqa: E402
from gateway import EXAMPLES_DIR, Gateway, check, fail, rule_alerts, run_test, show  # noqa: E402

RULES = os.path.join(EXAMPLES_DIR, "scada-master-dnp3.yaml")
PCAPS = os.environ.get("FG_SHARED_PCAPS", os.path.join(HERE, "..", "..", "..", "shared", "pcaps"))
# Recorded sessions: an integrity poll and its response; a poll then a cold restart (function 13);
# select then operate (3, 4) on a control relay output block (g12v1); a direct operate (5) on an
# analog output, picked up mid-session.
CAPTURES = ["iti_dnp3_read_and_response", "iti_dnp3_cold_restart", "suricata_dnp3_select_operate",
            "iti_dnp3_direct_operate_analog"]
# The direct operate's master uses ephemeral port 2902, below the outstation's 20000: the replay
# keeps it, so fieldguardd must orient that mid-stream flow by the DNP3 server port.
READ, SELECT, OPERATE, COLD_RESTART, DIRECT_OPERATE, RESPONSE = 1, 3, 4, 13, 5, 129


def body():
    for c in CAPTURES:
        check(os.path.exists(os.path.join(PCAPS, "dnp3", c + ".pcap")), f"missing capture {c} under {PCAPS}")
    with Gateway(rules=RULES) as gw:
        t = gw.t
        at = {"outstation": gw.capture(t.plant, t.plant_if, "received-by-outstation"),
              "master": gw.capture(t.field, t.field_if, "received-by-master")}

        sent = []
        for c in CAPTURES:
            packets, runs = dnp3_replay.prepare(os.path.join(PCAPS, "dnp3", c + ".pcap"), gw.work)
            dnp3_replay.replay(gw, runs)
            sent += [(c, p) for p in packets]
        st = gw.stats()
        check(st["rules"]["pdu_drops"] >= 2, f"stats count {st['rules']['pdu_drops']} PDU drops, expected 2")
        gw.stop_captures()
        gw.stop()

        at_outstation, at_master = dnp3_replay.received(at["outstation"]), dnp3_replay.received(at["master"])
        print("replayed packets (capture, frame, sender, DNP3 functions, crossed?):")
        for c, p in sent:
            crossed = p.key in (at_outstation if p.from_master else at_master)
            print(f"    {c} #{p.index} {'master' if p.from_master else 'outstation'} {p.functions} "
                  f"{'crossed' if crossed else 'NOT crossed'}")

        def requests(function):
            return [p for _c, p in sent if p.from_master and function in p.functions]

        check(requests(READ) and all(p.key in at_outstation for p in requests(READ)),
              "a read request did not reach the outstation")
        for f, what in ((SELECT, "select"), (OPERATE, "operate")):
            check(requests(f) and all(p.key in at_outstation for p in requests(f)),
                  f"the CROB {what} did not reach the outstation")
        responses = [p for _c, p in sent if not p.from_master and RESPONSE in p.functions]
        check(any(p.key in at_master for p in responses), "no outstation response reached the master")
        for f, what in ((COLD_RESTART, "cold restart"), (DIRECT_OPERATE, "direct operate")):
            check(requests(f), f"the captures hold no {what} request")
            if any(p.key in at_outstation for p in requests(f)):
                fail(f"a {what} request reached the outstation")

        audit = [a for a in gw.audit() if a.get("proto") == "dnp3"]
        events = gw.events()
        for rule in ("no-remote-restart", "no-direct-operate"):
            alerts = rule_alerts(events, rule, "drop")
            show(f"events: {rule}", alerts)
            check(alerts, f"no policy.rule_match event for {rule}")
        by_function = {f: [a for a in audit if a["src_ip"] == "198.18.0.1" and a["dnp3"].get("app_function") == f]
                       for f in (READ, SELECT, OPERATE, COLD_RESTART, DIRECT_OPERATE)}
        for f, v in by_function.items():
            show(f"audit: requests with function {f}", v)
        check(by_function[READ] and all(a["verdict"] == "allow" and a["rule"] == "master-polls-rtu"
                                        for a in by_function[READ]),
              "reads are not audited as allowed by master-polls-rtu")
        for f in (SELECT, OPERATE):
            check(by_function[f] and all(a["verdict"] == "allow" and a["rule"] == "master-operates-crob"
                                         for a in by_function[f]),
                  f"function {f} on the CROB is not audited as allowed by master-operates-crob")
        check(by_function[COLD_RESTART] and all(a["verdict"] == "drop" and a["rule"] == "no-remote-restart"
                                                for a in by_function[COLD_RESTART]),
              "the cold restart is not audited with verdict drop and rule no-remote-restart")
        check(by_function[DIRECT_OPERATE] and all(a["verdict"] == "drop" and a["rule"] == "no-direct-operate"
                                                  for a in by_function[DIRECT_OPERATE]),
              "the direct operate is not audited with verdict drop and rule no-direct-operate")
    print("PASS: DNP3 reads, select/operate and responses cross; cold restart and direct operate dropped; all audited")


if __name__ == "__main__":
    run_test(body)

#!/usr/bin/python3
"""End-to-end, real peers: examples/rules/opcua-historian.yaml enforced by fieldguardd (DPDK
net_af_packet) between a node-opcua client (the historian, 198.18.0.1) and a node-opcua server
(the plant's OPC UA server, 198.18.0.2:4840) exposing a writable setpoint and a method.

The historian Reads the setpoint (allowed: the value comes back). Its Write and its Call are
refused: the client's request fails at once (connection reset, "Connection Break"), the server
never runs them (its log has no write or call, and a later Read still returns the original
value), and the audit log has the WriteRequest / CallRequest with verdict "reset" and rule
historian-never-writes, with a policy.rule_match event each.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from gateway import (EXAMPLES_DIR, PEERS_DIR, Gateway, check, require_node_peers, rule_alerts, run_test,  # noqa: E402
                     show, wait_for)

RULES = os.path.join(EXAMPLES_DIR, "opcua-historian.yaml")
READ, WRITE, CALL = 631, 673, 712  # OPC UA request type ids (Part 6, NodeIds.csv)


def body():
    require_node_peers("node-opcua-server", "node-opcua-client")
    with Gateway(rules=RULES) as gw:
        t = gw.t
        pki = os.path.join(gw.work, "pki")
        server = gw.spawn(t.plant, "node", os.path.join(PEERS_DIR, "opcua_server.js"), "4840", pki, name="opcua-server")
        wait_for(lambda: any(e["event"] in ("ready", "error") for e in gw.log_lines(server)), 60, "the OPC UA server")
        check(any(e["event"] == "ready" for e in gw.log_lines(server)), f"OPC UA server failed: {gw.log_lines(server)}")
        url = f"opc.tcp://{t.plant_ip}:4840/fieldguard"

        # One client process, one connection and session per operation (tests/e2e/peers/opcua_client.js).
        ops = ["read", "write=9.9", "call", "read"]
        results = gw.run_jsonl(t.field, "node", os.path.join(PEERS_DIR, "opcua_client.js"), url, pki, *ops, timeout=150)
        for r in results:
            print(r["op"], "->", r)
        check(len(results) == len(ops), f"the client reported {len(results)} of {len(ops)} operations")
        read, write, call, read_again = results
        check(read["ok"] and read["value"] == 1.5, "the historian could not Read the setpoint")
        check(not write["ok"], "the historian's Write succeeded through fieldguardd")
        check(not call["ok"], "the historian's Call succeeded through fieldguardd")
        # Reset, not a silent drop: the client learns at once instead of after its 10 s timeout.
        for r in (write, call):
            check(r["seconds"] < 8, f"the refused {r['op']} took {r['seconds']} s: the connection was not reset")
        check(read_again["ok"] and read_again["value"] == 1.5,
              f"the setpoint is {read_again.get('value')} after the refused Write, expected 1.5")

        server_log = gw.log_lines(server)
        show("OPC UA server log", server_log)
        check(not any(e["event"] in ("write", "call") for e in server_log), "a Write or Call reached the server")

        st = gw.stats()
        check(st["resets_sent"] >= 2, f"stats count {st['resets_sent']} resets sent, expected at least 2")
        gw.stop()
        audit = [a for a in gw.audit() if a.get("proto") == "opcua" and a["src_ip"] == "198.18.0.1"]
        alerts = rule_alerts(gw.events(), "historian-never-writes", "reset")
        show("events: historian-never-writes", alerts)
        check(len(alerts) >= 2, "no policy.rule_match event for the refused Write and Call")
        # Every response of the real peers answers a request (pairing by RequestId, policy None).
        unmatched = [e for e in gw.events() if e.get("name") == "opcua.unmatched_response"]
        check(not unmatched, f"node-opcua traffic raised opcua.unmatched_response: {unmatched}")
        by_service = {s: [a for a in audit if a["opcua"].get("service_id") == s] for s in (READ, WRITE, CALL)}
        for s, v in by_service.items():
            show(f"audit: service {s}", v)
        check(by_service[READ] and all(a["verdict"] == "allow" and a["rule"] == "historian-reads"
                                       for a in by_service[READ]),
              "ReadRequests are not audited as allowed by historian-reads")
        for s, what in ((WRITE, "WriteRequest"), (CALL, "CallRequest")):
            check(by_service[s] and all(a["verdict"] == "reset" and a["rule"] == "historian-never-writes"
                                        for a in by_service[s]),
                  f"{what} is not audited with verdict reset and rule historian-never-writes")
    print("PASS: OPC UA Read passes; Write and Call reset before the server, and audited")


if __name__ == "__main__":
    run_test(body)

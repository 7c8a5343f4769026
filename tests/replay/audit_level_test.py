#!/usr/bin/python3
"""logging.audit on real captures of the four protocols, through `fieldguardd -r`.

- `changes` writes every record of a write, control or session operation and none of a read,
  of subscription data or of transport; what it writes is the `all` log with records left
  out (same records, same order), its hash chain verifies, and the summary counts what was
  left out.
- `flagged` writes only flagged records: with a rule `log: true` on Modbus function 6,
  exactly the requests of function 6.
"""
import json
import os
import subprocess
import sys
import tempfile

FIELDGUARDD, FIELDGUARDCTL, PCAPS = sys.argv[1], sys.argv[2], sys.argv[3]

# capture -> (what must be kept at `changes`, what must be left out), as predicates on a record.
def modbus_fc(*codes):
    return lambda r: r["proto"] == "modbus" and r["modbus"].get("function") in codes


def s7_function(*codes):
    return lambda r: r["proto"] == "s7comm" and r["s7comm"].get("function") in codes


def s7_cotp_only(r):
    return r["proto"] == "s7comm" and "rosctr" not in r["s7comm"]


def opcua_service(*names):
    return lambda r: r["proto"] == "opcua" and r["opcua"].get("service") in names


def dnp3_function(*codes):
    return lambda r: r["proto"] == "dnp3" and r["dnp3"].get("app_function") in codes


CASES = {
    "modbus/iti_modbus_test.pcap": ([modbus_fc(6, 16)], [modbus_fc(1, 2, 3, 4)]),
    "s7comm/iti_s7comm_download_block_db1.pcap": ([s7_function(0x1a, 0x1b, 0x1c, 0xf0)], [s7_cotp_only]),
    "s7comm/ctsamples_s7comm_opc_server.pcap": ([], [s7_function(0x04), s7_cotp_only]),
    "opcua/iti_opcua_method_port12001.pcap": (
        [opcua_service("CallRequest", "CreateSessionRequest", "ActivateSessionRequest")], []),
    "opcua/icsnpp_opcua_read_service.pcap": (
        [opcua_service("ActivateSessionRequest")], [opcua_service("ReadRequest", "ReadResponse")]),
    "dnp3/iti_dnp3_direct_operate_analog.pcap": ([dnp3_function(5)], []),
    "dnp3/iti_dnp3_read_and_response.pcap": ([], [dnp3_function(1)]),
}

failures = []


def fail(msg):
    print("FAIL:", msg)
    failures.append(msg)


def flagged(r):
    return r["verdict"] != "allow" or r["anomalies"]


def run(work, capture, level, rules=None):
    # A fresh name per run: fieldguardd appends to an existing log.
    tag = f"{level}-{os.path.basename(capture)}{'-rules' if rules else ''}"
    config = os.path.join(work, f"{tag}.yaml")
    with open(config, "w") as f:
        f.write(f"logging:\n  audit: {level}\n")
        if rules:
            f.write(f"rules: {rules}\n")
    audit = os.path.join(work, f"{tag}.jsonl")
    summary = os.path.join(work, f"{tag}.summary.json")
    r = subprocess.run([FIELDGUARDD, "-q", "-c", config, "-r", capture, "--audit-log", audit, "--summary-json", summary],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"fieldguardd {level} {capture}: {r.stderr}")
        return [], {}, audit
    records = [json.loads(line) for line in open(audit)] if os.path.exists(audit) else []
    return records, json.load(open(summary)), audit


def unchained(r):
    return {k: v for k, v in r.items() if k not in ("seq", "prev")}


def is_subsequence(part, whole):
    it = iter(whole)
    return all(any(p == w for w in it) for p in part)


def verify_chain(audit):
    r = subprocess.run([FIELDGUARDCTL, "audit", "verify", audit], capture_output=True, text=True)
    return r.returncode == 0, r.stdout.strip() + r.stderr.strip()


def main():
    with tempfile.TemporaryDirectory() as work:
        for name, (kept, left_out) in CASES.items():
            capture = os.path.join(PCAPS, name)
            everything, s_all, _ = run(work, capture, "all")
            changes, s_changes, audit = run(work, capture, "changes")
            print(f"{name}: all {len(everything)}, changes {len(changes)}")
            if not everything:
                fail(f"{name}: no audit records at all")
                continue
            if s_all.get("audit_records") != len(everything) or s_all.get("audit_filtered") != 0:
                fail(f"{name}: summary at all: {s_all.get('audit_records')}/{s_all.get('audit_filtered')}")
            if s_changes.get("audit_records") != len(everything) or \
                    s_changes.get("audit_filtered") != len(everything) - len(changes):
                fail(f"{name}: summary at changes does not count what was left out: "
                     f"{s_changes.get('audit_records')} records, {s_changes.get('audit_filtered')} filtered")
            a, c = [unchained(r) for r in everything], [unchained(r) for r in changes]
            if not is_subsequence(c, a):
                fail(f"{name}: changes is not the all log with records left out")
            ok, out = verify_chain(audit)
            if not ok:
                fail(f"{name}: the chain of the changes log does not verify: {out}")
            for want in kept:
                expected = [r for r in a if want(r)]
                if not expected:
                    fail(f"{name}: the capture has no record the case expects to be kept")
                if [r for r in c if want(r)] != expected:
                    fail(f"{name}: a write/control/session record is missing at changes")
            for unwanted in left_out:
                if not any(unwanted(r) for r in a):
                    fail(f"{name}: the capture has no record the case expects to be left out")
                written = [r for r in c if unwanted(r) and not flagged(r)]
                if written:
                    fail(f"{name}: {len(written)} read/transport record(s) written at changes, e.g. {written[0]}")

            nothing, _, _ = run(work, capture, "flagged")
            if [unchained(r) for r in nothing] != [r for r in a if flagged(r)]:
                fail(f"{name}: flagged without rules wrote more than flagged records")

        # `log: true` keeps exactly what its rule decided.
        capture = os.path.join(PCAPS, "modbus/iti_modbus_test.pcap")
        rules = os.path.join(work, "log-writes.yaml")
        with open(rules, "w") as f:
            f.write("default_action: allow\nrules:\n"
                    "  - {name: log-writes, action: allow, modbus: {function: 6}, log: true}\n")
        everything = [json.loads(line) for line in open(os.path.join(work, "all-iti_modbus_test.pcap.jsonl"))]
        logged, _, _ = run(work, capture, "flagged", rules)
        want = [unchained(r) for r in everything
                if (r["modbus"].get("function") == 6 and not r["modbus"].get("is_response")) or flagged(r)]
        got = [unchained(r) for r in logged]
        for r in got:
            r["rule"] = r["rule"] if r["rule"] != "log-writes" else "default"
        print(f"log: true at flagged: {len(got)} written, {len(want)} expected")
        if not want or got != want:
            fail(f"flagged with a log: true rule wrote {len(got)} records, expected {len(want)}")
        if any(r["rule"] != "log-writes" for r in logged if r["modbus"].get("function") == 6):
            fail("records kept by the log: true rule do not name it")
    if failures:
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Compares fieldguardd's audit records of a capture with the capture's tshark golden file.

tshark writes one row per frame; where a frame holds several PDUs each column lists the
values of all of them, comma-separated, in order (GOLDEN.md). So for every golden frame
and every compared column, the values our records for that frame carry must equal that
list. Frames with records but no golden row are reported too.

Differences where Wireshark is wrong, or where an inline device must differ from a
dissector, are listed with their reason in known_differences.tsv; they are reported as
explained and do not count against the agreement.

Exit 0 when the agreement is at least the floor given with --min-agreement (default: 100%).
"""
import argparse
import collections
import csv
import json
import os
import sys

csv.field_size_limit(1 << 30)


def hexnum(v):
    return int(v, 16)


def num(v):
    return int(v, 0) if isinstance(v, str) and v.startswith("0x") else int(v)


# (column, how to get our values from one record, how to read tshark's value, ordered)
# "ordered" False compares as multisets: tshark lists two alternative columns
# (word_cnt vs bit_cnt, prifunc vs secfunc) separately, so their interleaving is lost.
def modbus_fields():
    def m(r):
        return r.get("modbus") if r.get("proto") in ("modbus", "modbus_rtu") else None
    return [
        ("mbtcp.trans_id", lambda r: [m(r)["transaction_id"]] if m(r) and "transaction_id" in m(r) else [], num, True),
        ("mbtcp.unit_id", lambda r: [m(r)["unit_id"]] if m(r) and "unit_id" in m(r) else [], num, True),
        ("modbus.func_code", lambda r: [m(r)["function"]] if m(r) and "function" in m(r) else [], num, True),
        ("modbus.exception_code", lambda r: [m(r)["exception"]] if m(r) and "exception" in m(r) else [], num, True),
        ("modbus.reference_num", lambda r: [m(r)["address"]] if m(r) and "address" in m(r) else [], num, True),
        (("modbus.word_cnt", "modbus.bit_cnt"), lambda r: [m(r)["quantity"]] if m(r) and "quantity" in m(r) else [], num, False),
    ]


def s7_fields():
    def s(r):
        return r.get("s7comm") if r.get("proto") == "s7comm" else None

    def items(r, key):
        return [i[key] for i in s(r).get("items", []) if key in i] if s(r) else []
    return [
        ("s7comm.header.rosctr", lambda r: [s(r)["rosctr"]] if s(r) and "rosctr" in s(r) else [], num, True),
        ("s7comm.param.func", lambda r: [s(r)["function"]] if s(r) and "function" in s(r) else [], hexnum, True),
        ("s7comm.param.userdata.funcgroup", lambda r: [s(r)["userdata_group"]] if s(r) and "userdata_group" in s(r) else [], num, True),
        ("s7comm.param.userdata.subfunc", lambda r: [s(r)["userdata_subfunc"]] if s(r) and "userdata_subfunc" in s(r) else [], num, True),
        ("s7comm.param.item.area", lambda r: items(r, "area"), hexnum, True),
        ("s7comm.param.item.db", lambda r: items(r, "db"), num, True),
        ("s7comm.param.item.address", lambda r: items(r, "address"), hexnum, True),
    ]


def opcua_fields():
    def o(r):
        return r.get("opcua") if r.get("proto") == "opcua" else None

    def get(key):
        return lambda r: [o(r)[key]] if o(r) and key in o(r) else []
    return [
        ("opcua.transport.type", get("msg_type"), str, True),
        ("opcua.transport.chunk", get("chunk"), str, True),
        ("opcua.transport.scid", get("secure_channel_id"), num, True),
        ("opcua.security.spu", get("security_policy"), str, True),
        ("opcua.servicenodeid.numeric", get("service_id"), num, True),
    ]


def dnp3_fields():
    def d(r):
        return r.get("dnp3") if r.get("proto") == "dnp3" else None

    def get(key):
        return lambda r: [d(r)[key]] if d(r) and key in d(r) else []
    return [
        ("dnp3.src", get("link_src"), num, True),
        ("dnp3.dst", get("link_dst"), num, True),
        (("dnp3.ctl.prifunc", "dnp3.ctl.secfunc"), get("link_function"), num, False),
        ("dnp3.al.func", get("app_function"), num, True),
        ("dnp3.al.obj", lambda r: [o["group"] * 256 + o["variation"] for o in d(r).get("objects", [])] if d(r) else [], hexnum, True),
        ("dnp3.al.iin", get("iin"), hexnum, True),
    ]


FIELDS = {
    "modbus": modbus_fields(),
    "s7comm": s7_fields(),
    "opcua": opcua_fields(),
    "dnp3": dnp3_fields(),
    "mixed": modbus_fields() + s7_fields(),
}
ADDRESS = [("ip.src", "src_ip"), ("ip.dst", "dst_ip"), ("ipv6.src", "src_ip"), ("ipv6.dst", "dst_ip"),
           ("tcp.srcport", "src_port"), ("tcp.dstport", "dst_port"), ("udp.srcport", "src_port"), ("udp.dstport", "dst_port")]


def parse_frames(spec):
    if spec == "*":
        return None
    frames = set()
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        frames.update(range(int(lo), int(hi or lo) + 1))
    return frames


def load_known(path, capture):
    """Entries (frames or None for all, columns or None for all, reason) for one capture."""
    known = []
    try:
        lines = open(path).read().splitlines()
    except FileNotFoundError:
        return known
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        name, frames, cols, reason = line.split("\t", 3)
        if name == capture:
            known.append((parse_frames(frames), None if cols == "*" else set(cols.split(",")), reason))
    return known


def split(cell):
    return [v for v in cell.split(",")] if cell != "" else []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    ap.add_argument("--audit", required=True)
    ap.add_argument("--kind", required=True, choices=list(FIELDS) + ["other"])
    ap.add_argument("--min-agreement", type=float, default=100.0)
    ap.add_argument("--show", type=int, default=15, help="differences to print")
    ap.add_argument("--known", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "known_differences.tsv"))
    args = ap.parse_args()

    records = collections.defaultdict(list)
    with open(args.audit) as f:
        for line in f:
            r = json.loads(line)
            records[r["frame"]].append(r)

    if args.kind == "other":
        n = sum(len(v) for v in records.values())
        print(f"{n} industrial records in a benign capture")
        sys.exit(0 if n == 0 else 1)

    with open(args.golden, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    fields = FIELDS[args.kind]
    checked = agreed = 0
    diffs = []
    golden_frames = set()
    for row in rows:
        frame = int(row["frame.number"])
        golden_frames.add(frame)
        ours = records.get(frame, [])
        # Frames tshark shows only for a non-PDU reason (TCP segment of a PDU it reassembled
        # later shows no fields of ours) still need the PDU fields to agree.
        for col, getter, conv, ordered in fields:
            cols = col if isinstance(col, tuple) else (col,)
            want = []
            for c in cols:
                want += [conv(v) for v in split(row.get(c, ""))]
            got = []
            for r in ours:
                got += [conv(v) if conv is str else num(v) if isinstance(v, str) else v for v in getter(r)]
            if not want and not got:
                continue
            checked += 1
            same = want == got if ordered else sorted(want) == sorted(got)
            if same:
                agreed += 1
            else:
                diffs.append((frame, "/".join(cols), f"frame {frame}: {'/'.join(cols)}: tshark {want} ours {got}"))
        if ours:
            for col, key in ADDRESS:
                cell = row.get(col, "")
                if not cell:
                    continue
                want = cell.split(",")[0]
                checked += 1
                got = str(ours[0].get(key))
                if got == want:
                    agreed += 1
                else:
                    diffs.append((frame, col, f"frame {frame}: {col}: tshark {want} ours {got}"))
        elif any(row.get(c if isinstance(c, str) else c[0], "") for c, *_ in fields):
            diffs.append((frame, "no-record", f"frame {frame}: tshark shows a PDU, we have no record"))
            checked += 1
    for frame in sorted(set(records) - golden_frames):
        checked += 1
        diffs.append((frame, "extra-record", f"frame {frame}: we have {len(records[frame])} record(s), tshark shows none"))

    capture = os.path.basename(args.golden).replace(".golden.tsv", "")
    known = load_known(args.known, os.path.basename(os.path.dirname(os.path.abspath(args.golden))) + "/" + capture)
    explained = collections.Counter()
    open_diffs = []
    for frame, col, text in diffs:
        for frames, cols, reason in known:
            if (frames is None or frame in frames) and (cols is None or col in cols or any(c in cols for c in col.split("/"))):
                explained[reason] += 1
                break
        else:
            open_diffs.append(text)
    checked_open = checked - sum(explained.values())
    pct = 100.0 * (checked_open - len(open_diffs)) / checked_open if checked_open else 100.0
    print(f"{args.golden}: {checked_open - len(open_diffs)}/{checked_open} field values agree ({pct:.2f}%), "
          f"{len(open_diffs)} unexplained differences, {sum(explained.values())} explained")
    for reason, n in explained.items():
        print(f"  explained ({n}): {reason}")
    for d in open_diffs[: args.show]:
        print("  " + d)
    if len(open_diffs) > args.show:
        print(f"  ... {len(open_diffs) - args.show} more")
    sys.exit(0 if pct + 1e-9 >= args.min_agreement else 1)

if __name__ == "__main__":
    main()

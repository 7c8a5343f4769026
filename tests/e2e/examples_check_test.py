#!/usr/bin/python3
"""The example rule files (examples/rules/*.yaml) are valid as shipped, in both ways an engineer
checks a policy:
  - `fieldguardctl rules check FILE` (offline) exits 0, reports "ok" and no shadowed rule;
  - `fieldguardd -c CONFIG --check-config`, with a config naming the file under `rules:` and the
    dataplane ports the end-to-end tests use (field, plant), exits 0: zones name existing ports.
No root needed. Every example must also be enforced by an end-to-end test (a rules_*_test.py
here names it): an example nobody runs goes stale.
"""
import glob
import os
import subprocess
import sys
import tempfile

FIELDGUARDD = os.environ.get("FIELDGUARDD", "fieldguardd")
FIELDGUARDCTL = os.environ.get("FIELDGUARDCTL", "fieldguardctl")
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "rules")
EXPECTED = {"water-plant-modbus.yaml", "packaging-line-s7.yaml", "scada-master-dnp3.yaml", "opcua-historian.yaml"}

CONFIG = """
dataplane:
  backend: dpdk
  eal: [--no-huge, --no-pci, --no-shconf, -l, "0"]
  ports:
    - {{name: field, device: "net_af_packet0,iface=fgfield0"}}
    - {{name: plant, device: "net_af_packet1,iface=fgplant0"}}
  pairs: [{{south: field, north: plant}}]
rules: {rules}
"""


def main():
    files = sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml")))
    names = {os.path.basename(f) for f in files}
    failures = []
    if not EXPECTED <= names:
        failures.append(f"missing examples: {sorted(EXPECTED - names)}")
    here = os.path.dirname(os.path.abspath(__file__))
    tests = "".join(open(t).read() for t in glob.glob(os.path.join(here, "rules_*_test.py")))
    unused = sorted(n for n in names if n not in tests)
    if unused:
        failures.append(f"examples no end-to-end test uses: {unused}")
    with tempfile.TemporaryDirectory() as work:
        for f in files:
            r = subprocess.run([FIELDGUARDCTL, "rules", "check", f], capture_output=True, text=True)
            out = (r.stdout + r.stderr).strip()
            print(f"rules check {os.path.basename(f)}: exit {r.returncode}: {out}")
            if r.returncode != 0 or ": ok" not in out or "shadow" in out.lower():
                failures.append(f"fieldguardctl rules check {f}")
            cfg = os.path.join(work, "fieldguard.yaml")
            with open(cfg, "w") as c:
                c.write(CONFIG.format(rules=f))
            r = subprocess.run([FIELDGUARDD, "-c", cfg, "--check-config"], capture_output=True, text=True)
            out = (r.stdout + r.stderr).strip()
            print(f"fieldguardd --check-config with {os.path.basename(f)}: exit {r.returncode}: {out}")
            if r.returncode != 0:
                failures.append(f"fieldguardd --check-config with rules: {f}")
    if failures:
        print("FAIL:", "; ".join(failures))
        sys.exit(1)
    print(f"PASS: {len(files)} example rule files check clean")


if __name__ == "__main__":
    main()

#!/bin/sh
# One golden test: replay CAPTURE under the monitor default, compare with its tshark golden file.
# usage: run_golden.sh FIELDGUARDD CAPTURE KIND MIN_AGREEMENT
set -eu
fgd=$1 capture=$2 kind=$3 floor=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$fgd" -q -r "$capture" --audit-log "$work/audit.jsonl" --event-log "$work/events.jsonl"
exec python3 "$(dirname "$0")/compare_golden.py" --golden "${capture%.*}.golden.tsv" --audit "$work/audit.jsonl" \
  --kind "$kind" --min-agreement "$floor"

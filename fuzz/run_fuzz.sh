#!/bin/sh
# Runs one libFuzzer target: first every kept input (crashes found earlier must stay fixed),
# then fresh fuzzing for SECONDS on a scratch copy of the corpus.
# usage: run_fuzz.sh TARGET CORPUS_DIR SECONDS
set -eu
target=$1 corpus=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
if [ -d "$corpus" ] && [ -n "$(ls -A "$corpus")" ]; then
  cp -r "$corpus"/. "$work/corpus/"
  "$target" -runs=0 "$corpus"
fi
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" 2>&1 | tail -15
if [ -n "$(ls -A "$work/artifacts")" ]; then
  echo "crash inputs:"; ls -la "$work/artifacts"
  for f in "$work/artifacts"/*; do od -A x -t x1z "$f" | head -20; done
  exit 1
fi

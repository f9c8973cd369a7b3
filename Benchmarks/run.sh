#!/usr/bin/env bash
# The performance benchmark (`make bench`): figures, not tests; nothing here runs in CI.
#
#   Benchmarks/run.sh            1M and 10M events, and PostgreSQL at 1M (about half an hour on 2 cores)
#   Benchmarks/run.sh 1m         1M events and PostgreSQL only
#   RUNS=5 Benchmarks/run.sh     more runs per median (default 3)
#   BASELINE=REV Benchmarks/run.sh   also run the commands built from git revision REV, in the same run
#                                  (built once into .bench/baseline-REV), and print both side by side
#   SCALE=1 Benchmarks/run.sh 10m    also a 30M-event stream (12 GB, made once), for memory as the input grows
#   Benchmarks/run.sh shards     only the sharded runs at 10M (one process against two shards and the merge),
#                                replacing that section of Benchmarks/RESULTS.md and keeping the others
#
# Streams are generated with the sample generator into .bench/ (ignored by git) and kept
# between runs; DuckDB's Python package goes into .bench/venv. For each stream it prints,
# and writes to Benchmarks/RESULTS.md: decoding figures, every command's wall time,
# events/s, MB/s and peak RSS, DuckDB computing the same figures (asserted equal) and
# the ratios, the weekly report on a week of a million events, and PostgreSQL against
# `psql \copy` of the same rows.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap python3-venv
source scripts/swift-env
sizes=${*:-1m 10m}
export RUNS=${RUNS:-3}
for product in incidents slo reliability postmortem reader-benchmark postgres-benchmark; do
  swift build -c release --product "$product" >&2
done
mkdir -p .bench
if [ ! -x .bench/venv/bin/python ]; then
  python3 -m venv .bench/venv
  .bench/venv/bin/pip install --quiet duckdb
fi

generate() { # generate PATH INCIDENTS WEEKS
  [ -s "$1" ] || .build/release/incidents generate --seed 1 --incidents "$2" --orgs 4 --weeks "$3" --out "$1" >&2
}

if [ "$sizes" = shards ]; then
  generate .bench/events-10m.jsonl 360000 52
  {
    echo "<!-- shards: made by \`Benchmarks/run.sh shards\` on $(date -u +%Y-%m-%d), medians of $RUNS runs -->"
    .bench/venv/bin/python Benchmarks/compare_duckdb.py shards .bench/events-10m.jsonl 2027-09-27T00:00:00Z
    echo "<!-- /shards -->"
  } | tee .bench/results-shards.md
  # Replace the section (or append it), keeping the rest of the file.
  python3 - <<'PY'
import re
from pathlib import Path
results, section = Path("Benchmarks/RESULTS.md"), Path(".bench/results-shards.md").read_text()
text = results.read_text() if results.exists() else "# Benchmark results\n"
pattern = re.compile(r"<!-- shards:.*?<!-- /shards -->\n", re.S)
results.write_text(pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section)
PY
  echo "updated Benchmarks/RESULTS.md" >&2
  exit 0
fi

sections=()
for size in $sizes; do
  case "$size" in
    1m) incidents=36000 ;;
    10m) incidents=360000 ;;
    *) echo "usage: Benchmarks/run.sh [1m] [10m]" >&2; exit 2 ;;
  esac
  stream=.bench/events-$size.jsonl
  generate "$stream" "$incidents" 52
  # The generated range: 52 weeks from 2026-09-28.
  .bench/venv/bin/python Benchmarks/compare_duckdb.py stream "$stream" 2027-09-27T00:00:00Z 2026-09-28T00:00:00Z \
    | tee ".bench/results-$size.md"
  sections+=(".bench/results-$size.md")
done

if [ -n "${BASELINE:-}" ]; then
  base=.bench/baseline-$BASELINE
  if [ ! -x "$base/.build/release/postmortem" ]; then
    rm -rf "$base" && mkdir -p "$base"
    git archive "$BASELINE" | tar -x -C "$base"
    for product in incidents slo reliability postmortem; do
      (cd "$base" && swift build -c release --product "$product" >&2)
    done
  fi
  for size in $sizes; do
    .bench/venv/bin/python Benchmarks/compare_duckdb.py baseline ".bench/events-$size.jsonl" 2027-09-27T00:00:00Z \
      "$base/.build/release" "$BASELINE" | tee ".bench/results-baseline-$size.md"
    sections+=(".bench/results-baseline-$size.md")
  done
fi

if [[ " $sizes " == *" 10m "* ]]; then
  {
    echo "<!-- shards: made with the rest of this file -->"
    .bench/venv/bin/python Benchmarks/compare_duckdb.py shards .bench/events-10m.jsonl 2027-09-27T00:00:00Z
    echo "<!-- /shards -->"
  } | tee .bench/results-shards.md
  sections+=(.bench/results-shards.md)
fi

if [ -n "${SCALE:-}" ]; then
  generate .bench/events-30m.jsonl 1080000 52
  .bench/venv/bin/python Benchmarks/compare_duckdb.py scale .bench/events-10m.jsonl .bench/events-30m.jsonl 2027-09-27T00:00:00Z \
    | tee .bench/results-scale.md
  sections+=(.bench/results-scale.md)
fi

# A million events in one week: the weekly report's Timeline sheet gets a million rows.
week=.bench/events-1m-one-week.jsonl
generate "$week" 36000 1
.bench/venv/bin/python Benchmarks/compare_duckdb.py week "$week" 2026-10-05T00:00:00Z | tee .bench/results-week.md
sections+=(.bench/results-week.md)

Benchmarks/postgres.sh | tee .bench/results-postgres.md
sections+=(.bench/results-postgres.md)

{
  echo "# Benchmark results"
  echo
  settings="${BASELINE:+BASELINE=$BASELINE }${SCALE:+SCALE=$SCALE }"
  echo "Made by \`${settings}Benchmarks/run.sh${*:+ $*}\` (\`make bench\`) on $(date -u +%Y-%m-%d): $(nproc) cores, $(uname -m),"
  echo "$(swift --version 2>/dev/null | head -1 | sed 's/ (.*//'), medians of $RUNS runs. Targets and how to read the tables: Benchmarks/README.md."
  for section in "${sections[@]}"; do
    echo
    cat "$section"
  done
} > Benchmarks/RESULTS.md
echo "wrote Benchmarks/RESULTS.md" >&2

#!/usr/bin/env bash
# The toolkit against DuckDB on the same generated stream: asserts equal figures, prints times.
#   Benchmarks/compare.sh            1M events (about 400 MB)
#   Benchmarks/compare.sh 10m        10M events (about 4 GB; several minutes)
# Everything it makes goes to .bench/ (ignored by git); results are appended to Benchmarks/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap
source scripts/swift-env
size=${1:-1m}
case "$size" in
  1m) incidents=36000 ;;
  10m) incidents=360000 ;;
  *) echo "usage: Benchmarks/compare.sh [1m|10m]" >&2; exit 2 ;;
esac
runs=${RUNS:-3}
for product in incidents slo reliability; do swift build -c release --product "$product" >&2; done
mkdir -p .bench
stream=.bench/events-$size.jsonl
[ -s "$stream" ] || .build/release/incidents generate --seed 1 --incidents "$incidents" --orgs 4 --weeks 52 --out "$stream"
if [ ! -x .bench/venv/bin/python ]; then
  python3 -m venv .bench/venv
  .bench/venv/bin/pip install --quiet duckdb
fi
# The generated range: 52 weeks from 2026-09-28.
.bench/venv/bin/python Benchmarks/compare_duckdb.py "$stream" 2027-09-27T00:00:00Z 2026-09-28T00:00:00Z "$runs"

#!/usr/bin/env bash
# Reads a 1M-event IncidentEvent table from a throwaway PostgreSQL server four ways
# (see Benchmarks/PostgresBenchmark) and with `psql \copy` of the same rows, for comparison.
# Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap
source scripts/swift-env
swift build -c release --product incidents >&2
swift build -c release --product postgres-benchmark >&2
mkdir -p .bench
stream=.bench/events-1m.jsonl
[ -s "$stream" ] || .build/release/incidents generate --seed 1 --incidents 36000 --orgs 4 --weeks 52 --out "$stream"

scripts/with-postgres bash -c '
  set -euo pipefail
  url="$RR_TEST_POSTGRES_URL"
  .build/release/incidents import --postgres "$url" --events '"$stream"' >&2
  psql -X -q "$url" -c "VACUUM ANALYZE \"IncidentEvent\"" >/dev/null
  select="SELECT \"id\"::text, \"orgId\"::text, \"incidentId\"::text, floor(extract(epoch FROM \"ts\"::timestamptz) * 1000)::bigint, \"type\"::text, \"payload\"::text FROM \"IncidentEvent\""
  for run in 1 2 3; do
    start=$(date +%s%N); psql -X -q "$url" -c "\\copy ($select) TO /dev/null"; end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
  done | sort -n | sed -n 2p | awk "{ printf \"psql \\\\copy (the same SELECT)       median %.3f s\n\", \$1 / 1000 }"
  .build/release/postgres-benchmark "$url" IncidentEvent 3
  for run in 1 2 3; do
    /usr/bin/time -f "%e %M" -o .bench/time.txt .build/release/incidents validate --postgres "$url" >/dev/null
    cat .bench/time.txt
  done | sort -n | sed -n 2p | awk "{ printf \"incidents validate --postgres        median %.2f s  peak RSS %d MB\n\", \$1, \$2 / 1024 }"
'

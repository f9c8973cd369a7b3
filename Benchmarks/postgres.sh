#!/usr/bin/env bash
# Reads a 1M-event IncidentEvent table from a throwaway PostgreSQL server four ways
# (see Benchmarks/PostgresBenchmark) and with `psql \copy` of the same rows, for comparison,
# then runs `incidents validate --postgres`. Prints a Markdown table; asserts nothing.
# Run by Benchmarks/run.sh, or on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap
source scripts/swift-env
swift build -c release --product incidents >&2
swift build -c release --product slo >&2
swift build -c release --product postgres-benchmark >&2
mkdir -p .bench
stream=.bench/events-1m.jsonl
[ -s "$stream" ] || .build/release/incidents generate --seed 1 --incidents 36000 --orgs 4 --weeks 52 --out "$stream" >&2
runs=${RUNS:-3}

STREAM="$stream" RUNS="$runs" scripts/with-postgres bash -c '
  set -euo pipefail
  url="$RR_TEST_POSTGRES_URL"
  .build/release/incidents import --postgres "$url" --events "$STREAM" >&2
  psql -X -q "$url" -c "VACUUM ANALYZE \"IncidentEvent\"" >/dev/null
  rows=$(psql -X -q -t -A "$url" -c "SELECT count(*) FROM \"IncidentEvent\"")
  select="SELECT \"id\"::text, \"orgId\"::text, \"incidentId\"::text, floor(extract(epoch FROM \"ts\"::timestamptz) * 1000)::bigint, \"type\"::text, \"payload\"::text FROM \"IncidentEvent\""
  median() { sort -n | awk "{ v[NR] = \$1 } END { print v[int((NR + 1) / 2)] }"; }
  psql_copy=$(for run in $(seq "$RUNS"); do
    start=$(date +%s%N); psql -X -q "$url" -c "\\copy ($select) TO /dev/null"; end=$(date +%s%N)
    echo "$(( (end - start) / 1000000 ))"
  done | median | awk "{ printf \"%.3f\", \$1 / 1000 }")
  # The same rows in incident order, as the Prisma index (orgId, incidentId, ts) can deliver them:
  # what streaming incident by incident, with nothing spilled, would have to read.
  psql_ordered=$(for run in $(seq "$RUNS"); do
    start=$(date +%s%N); psql -X -q "$url" -c "\\copy ($select ORDER BY \"orgId\", \"incidentId\", \"ts\") TO /dev/null"; end=$(date +%s%N)
    echo "$(( (end - start) / 1000000 ))"
  done | median | awk "{ printf \"%.3f\", \$1 / 1000 }")
  figures=$(.build/release/postgres-benchmark "$url" IncidentEvent "$RUNS")
  # End to end in both read orders (--postgres-order), one after the other in each run:
  # in_both_orders NAME COMMAND... sets NAME_table and NAME_incident to "median-seconds peak-MB".
  median_time_rss() { sort -n | awk "{ t[NR] = \$1; m[NR] = \$2 } END { i = int((NR + 1) / 2); print t[i], int(m[i] / 1024) }"; }
  in_both_orders() {
    local name=$1; shift
    : > ".bench/$name-table.txt"; : > ".bench/$name-incident.txt"
    for run in $(seq "$RUNS"); do
      for order in table incident; do
        /usr/bin/time -f "%e %M" -o .bench/time.txt "$@" --postgres "$url" --postgres-order "$order" >/dev/null || true
        tail -1 .bench/time.txt >> ".bench/$name-$order.txt"
      done
    done
    printf -v "${name}_table" "%s" "$(median_time_rss < ".bench/$name-table.txt")"
    printf -v "${name}_incident" "%s" "$(median_time_rss < ".bench/$name-incident.txt")"
  }
  in_both_orders validate .build/release/incidents validate
  # slo check too, whose folds do more per incident (exit 1: an SLO is breached).
  in_both_orders slo .build/release/slo check --slos samples/slos.yaml --at 2027-09-27T00:00:00Z
  echo "## PostgreSQL 15: the same 1M events as a table ($rows rows)"
  echo
  echo "| reading the rows | time | rows/s | ÷ \`psql \\copy\` |"
  echo "|---|---:|---:|---:|"
  row() { awk -v label="$1" -v t="$2" -v rows="$rows" -v base="$psql_copy" \
    "BEGIN { printf \"| %s | %.2f s | %\047d | **%.2f** |\n\", label, t, rows / t, t / base }"; }
  row "\`psql \\copy\` of the toolkit'"'"'s SELECT to /dev/null" "$psql_copy"
  row "\`psql \\copy\` of the same SELECT ordered by (orgId, incidentId, ts)" "$psql_ordered"
  while IFS= read -r line; do
    label=${line%% median*}
    label=$(echo "$label" | sed "s/ *$//")
    seconds=$(echo "$line" | sed -E "s/.* median ([0-9.]+) s.*/\\1/")
    row "libpq $label" "$seconds"
  done <<< "$figures"
  read -r seconds peak <<< "$validate_table"
  row "\`incidents validate --postgres --postgres-order table\` (partitioned, spilled), end to end (peak RSS $peak MB)" "$seconds"
  read -r seconds peak <<< "$validate_incident"
  row "\`incidents validate --postgres --postgres-order incident\` (streamed), end to end (peak RSS $peak MB)" "$seconds"
  read -r seconds peak <<< "$slo_table"
  row "\`slo check --postgres --postgres-order table\`, end to end (peak RSS $peak MB)" "$seconds"
  read -r seconds peak <<< "$slo_incident"
  row "\`slo check --postgres --postgres-order incident\`, end to end (peak RSS $peak MB)" "$seconds"
'

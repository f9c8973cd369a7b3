#!/usr/bin/env python3
"""The toolkit against DuckDB on the same JSON Lines stream: same figures, and how long each takes.

Run through Benchmarks/compare.sh, which builds the release binaries, makes the stream and a
virtual environment with DuckDB. This script:

1. computes in DuckDB SQL, from the raw file, (a) the bad time per (org, service) as slo.md
   defines it, every severity counted, and (b) the incidents per (org, service, correlation key);
2. runs `slo check` (with one all-severities SLO per org and service, generated here) and
   `reliability patterns --min-count 1`, and asserts their figures equal DuckDB's;
3. times each side (median of N runs) with peak memory, and `incidents validate` and
   `reliability weekly` too, then prints a Markdown table and writes it to Benchmarks/RESULTS.md.
"""
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

STREAM, AT, START, RUNS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
BIN = Path(".build/release")
WORK = Path(".bench")

LOAD = f"""
CREATE OR REPLACE TABLE raw AS
  SELECT row_number() OVER () AS ord, * FROM read_json('{STREAM}', format = 'newline_delimited',
    columns = {{'id': 'VARCHAR', 'orgId': 'VARCHAR', 'incidentId': 'VARCHAR', 'ts': 'VARCHAR', 'type': 'VARCHAR', 'payload': 'JSON'}});
CREATE OR REPLACE TABLE e AS
  SELECT ord, id, orgId, incidentId, epoch_ms(CAST(ts AS TIMESTAMPTZ)) AS t, type, payload FROM raw
  QUALIFY row_number() OVER (PARTITION BY id ORDER BY ord) = 1;
CREATE OR REPLACE TABLE inc AS
  SELECT orgId, incidentId, t AS created, payload->>'serviceName' AS service,
         coalesce(epoch_ms(CAST(payload->>'startedAt' AS TIMESTAMPTZ)), t) AS impact
  FROM e WHERE type = 'INCIDENT_CREATED';
"""

BAD_TIME = """
WITH st AS (
  SELECT orgId, incidentId, t, ord, 'OPEN' AS status FROM e WHERE type = 'INCIDENT_CREATED'
  UNION ALL SELECT orgId, incidentId, t, ord, payload->>'newStatus' FROM e WHERE type = 'INCIDENT_STATUS_CHANGED'
  UNION ALL SELECT orgId, incidentId, t, ord, 'RESOLVED' FROM e WHERE type = 'INCIDENT_RESOLVED'
), last_per_instant AS (
  SELECT * FROM st QUALIFY row_number() OVER (PARTITION BY orgId, incidentId, t ORDER BY ord DESC) = 1
), spans AS (
  SELECT orgId, incidentId, status, t AS start,
         lead(t) OVER (PARTITION BY orgId, incidentId ORDER BY t, ord) AS stop,
         row_number() OVER (PARTITION BY orgId, incidentId ORDER BY t, ord) AS n,
         last(status) OVER (PARTITION BY orgId, incidentId ORDER BY t, ord
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS final_status
  FROM last_per_instant
), bad AS (
  SELECT s.orgId, i.service, CASE WHEN n = 1 THEN i.impact ELSE s.start END AS b, least(coalesce(s.stop, {at}), {at}) AS f
  FROM spans s JOIN inc i USING (orgId, incidentId)
  WHERE s.status IN ('OPEN', 'INVESTIGATING') AND s.final_status <> 'CANCELLED'
), ordered AS (
  SELECT *, max(f) OVER (PARTITION BY orgId, service ORDER BY b, f ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
  FROM bad WHERE f > b
), islands AS (
  SELECT *, sum(CASE WHEN reach IS NULL OR b > reach THEN 1 ELSE 0 END)
              OVER (PARTITION BY orgId, service ORDER BY b, f ROWS UNBOUNDED PRECEDING) AS island
  FROM ordered
)
SELECT orgId, service, sum(stop - start) AS bad_ms FROM (
  SELECT orgId, service, island, min(b) AS start, max(f) AS stop FROM islands GROUP BY ALL
) GROUP BY ALL ORDER BY ALL
"""

GROUPS = """
WITH keys AS (
  SELECT orgId, incidentId, payload->>'initialCorrelationKey' AS k FROM e WHERE type = 'INCIDENT_CREATED'
  UNION SELECT orgId, incidentId, payload->>'correlationKey' FROM e WHERE type = 'INCIDENT_SIGNAL_INGESTED'
)
SELECT i.orgId, i.service, k.k, count(DISTINCT i.incidentId) AS incidents
FROM inc i JOIN keys k USING (orgId, incidentId)
WHERE k.k IS NOT NULL AND i.created >= {start} AND i.created < {at}
GROUP BY ALL ORDER BY ALL
"""


def millis(text):
    return int(duckdb.connect().execute(f"SELECT epoch_ms(TIMESTAMPTZ '{text}')").fetchall()[0][0])


def timed(label, command, runs=RUNS):
    """Median wall time and peak RSS (MB) of a command, run `runs` times."""
    times, peaks, output = [], [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        peaks.append(int(result.stderr.strip().splitlines()[-1]) // 1024)
        if result.returncode not in (0, 1):
            sys.exit(f"{label} failed: {result.stderr}")
        output = result.stdout
    return statistics.median(times), max(peaks), output


def duckdb_timed(sql_parts, runs=RUNS):
    times, result = [], None
    for _ in range(runs):
        connection = duckdb.connect()
        connection.execute("SET threads = 2")
        started = time.perf_counter()
        connection.execute(LOAD)
        result = [connection.execute(sql).fetchall() for sql in sql_parts]
        times.append(time.perf_counter() - started)
        connection.close()
    return statistics.median(times), result


def main():
    at_ms, start_ms = millis(AT), millis(START)
    size = Path(STREAM).stat().st_size
    events = sum(1 for _ in open(STREAM, "rb"))

    # DuckDB: both figures in one load, so its time includes reading and parsing the file once.
    duck_time, (bad_rows, group_rows) = duckdb_timed([BAD_TIME.format(at=at_ms), GROUPS.format(start=start_ms, at=at_ms)])
    duck_bad = {(org, service): int(ms) for org, service, ms in bad_rows}
    duck_groups = {(org, service, key): n for org, service, key, n in group_rows}

    # One SLO per (org, service) that counts every severity over a window wider than the stream.
    slos = WORK / "bench-slos.yaml"
    services = sorted({key for key in duck_bad} | {(o, s) for o, s, _ in duck_groups})
    documents = []
    for org, service in services:
        documents.append(f"""apiVersion: openslo/v1
kind: SLO
metadata:
  name: bench-{org}-{service}
  annotations:
    runbook-revenant.io/org: {org}
spec:
  service: {service}
  indicator:
    metadata:
      name: {service}-incident-time
    spec:
      thresholdMetric:
        metricSource:
          type: RunbookRevenant
          spec:
            indicator: incident-time
            countedSeverities: [SEV1, SEV2, SEV3, SEV4]
  timeWindow:
    - duration: 520w
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
""")
    slos.write_text("---\n".join(documents))

    slo_time, slo_peak, slo_out = timed("slo check", [str(BIN / "slo"), "check", "--slos", str(slos), "--events", STREAM, "--at", AT, "--format", "json"])
    ours_bad = {}
    for slo in json.loads(slo_out)["slos"]:
        ours_bad[(slo["orgId"], slo["service"])] = slo["bad"]
    mismatched = {k: (ours_bad.get(k, 0), duck_bad.get(k, 0)) for k in set(ours_bad) | set(duck_bad) if ours_bad.get(k, 0) != duck_bad.get(k, 0)}
    assert not mismatched, f"bad time differs (ours, DuckDB): {dict(list(mismatched.items())[:5])}"

    pattern_time, pattern_peak, pattern_out = timed(
        "reliability patterns",
        [str(BIN / "reliability"), "patterns", "--events", STREAM, "--since", START, "--until", AT, "--at", AT, "--min-count", "1", "--format", "csv"])
    ours_groups = {}
    for line in pattern_out.strip().splitlines()[1:]:
        fields = line.split(",")
        if fields[2] == "correlation_key":
            ours_groups[(fields[0], fields[1], fields[3])] = int(fields[4])
    mismatched = {k: (ours_groups.get(k), duck_groups.get(k)) for k in set(ours_groups) | set(duck_groups) if ours_groups.get(k) != duck_groups.get(k)}
    assert not mismatched, f"group counts differ (ours, DuckDB): {dict(list(mismatched.items())[:5])}"

    validate_time, validate_peak, _ = timed("incidents validate", [str(BIN / "incidents"), "validate", "--events", STREAM])
    weekly_dir = WORK / "weekly"
    weekly_time, weekly_peak, _ = timed(
        "reliability weekly",
        [str(BIN / "reliability"), "weekly", "--events", STREAM, "--slos", "samples/slos.yaml", "--at", AT, "--out-dir", str(weekly_dir)])

    mb = size / 1e6
    rows = [
        ("incidents validate", validate_time, validate_peak, None),
        ("slo check (all-severity SLO per org and service)", slo_time, slo_peak, duck_time),
        ("reliability patterns --min-count 1", pattern_time, pattern_peak, duck_time),
        ("reliability weekly (last week, with its Timeline sheet)", weekly_time, weekly_peak, None),
    ]
    table = [
        f"Stream: `{STREAM}`, {events} events, {mb:.0f} MB; evaluated at {AT}; medians of {RUNS} runs; "
        f"DuckDB {duckdb.__version__} with 2 threads computing both figures in one pass: {duck_time:.2f} s.",
        f"Figures checked equal: bad time of {len(ours_bad)} (org, service) pairs, incident counts of {len(ours_groups)} (org, service, key) groups.",
        "",
        "| command | time | events/s | MB/s | peak RSS | ÷ DuckDB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, seconds, peak, duck in rows:
        ratio = f"{seconds / duck:.2f}" if duck else "–"
        table.append(f"| {label} | {seconds:.2f} s | {events / seconds:,.0f} | {mb / seconds:.0f} | {peak} MB | {ratio} |")
    text = "\n".join(table) + "\n"
    print(text)
    results = Path("Benchmarks/RESULTS.md")
    header = "# Benchmark results\n\nMade by `Benchmarks/compare.sh` (see Benchmarks/README.md); the newest run first.\n\n"
    previous = results.read_text().split("\n\n", 2)[2] if results.exists() and results.read_text().startswith("# Benchmark") else ""
    results.write_text(header + f"## {time.strftime('%Y-%m-%d')}\n\n" + text + ("\n" + previous if previous else ""))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The toolkit's commands, timed, and DuckDB computing the same figures from the same file.

Run by Benchmarks/run.sh, which builds the release binaries, makes the streams and a virtual
environment with DuckDB. Prints Markdown.

    compare_duckdb.py stream FILE AT START
        (a) decoding, with the reader benchmark; (b) DuckDB SQL computing from the raw file the bad
        time per (org, service) as slo.md defines it (every severity counted) and the incidents per
        (org, service, correlation key); (c) `slo check` (one all-severities SLO per org and service,
        generated here) and `reliability patterns --min-count 1`, asserted to give DuckDB's figures;
        (d) every command timed (median of RUNS runs) with its peak RSS.
    compare_duckdb.py week FILE AT
        `reliability weekly` on a stream of one week (its Timeline sheet holds every event) next to
        `incidents validate`, which reads the same events without writing a report.
    compare_duckdb.py baseline FILE AT BIN REVISION
        the analytic commands and a draft, each run with the executables in BIN (built from an
        earlier REVISION) and with ours, one after the other: times, ratios, peak RSS.
    compare_duckdb.py scale SMALLER LARGER AT
        peak RSS of the analytic commands on two stream sizes, and how much it grew.
    compare_duckdb.py shards FILE AT
        each command that merges partial results run once on both cores, then as two one-thread
        processes at once (`--shard k/2 --emit-partial`) and the merge (`--from-partials`): times,
        partial sizes, the merge's time and peak RSS; the merged output asserted equal to the one run's.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

RUNS = int(os.environ.get("RUNS", "3"))
BIN = Path(".build/release")
WORK = Path(".bench")

LOAD = """
CREATE OR REPLACE TABLE raw AS
  SELECT row_number() OVER () AS ord, * FROM read_json('{stream}', format = 'newline_delimited',
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

# What `incidents validate` reports that SQL can count: records, events after dedupe by id (the first kept,
# as the toolkit keeps the first of an id reused across incidents), incidents, orgs and events of each type.
VALIDATE = """
SELECT (SELECT count(*) FROM raw), count(*), count(DISTINCT (orgId, incidentId)), count(DISTINCT orgId),
       (SELECT list(struct_pack(type := type, n := n) ORDER BY type) FROM (SELECT type, count(*) AS n FROM e GROUP BY type))
FROM e
"""


def millis(text):
    return int(duckdb.connect().execute(f"SELECT epoch_ms(TIMESTAMPTZ '{text}')").fetchall()[0][0])


def warm(command):
    """Reads the command's input files once, so that a run measures the command, not the disk.

    This machine's page cache is emptied now and then from outside; each run starts from a cached file.
    A file larger than the page cache can hold (the 30M stream) is read from disk either way: not warmed."""
    for argument in command:
        if argument.endswith(".jsonl") and Path(argument).is_file() and Path(argument).stat().st_size < 8e9:
            subprocess.run(["cat", argument], stdout=subprocess.DEVNULL, check=True)


def timed(label, command):
    """Median wall time, peak RSS (MB) and the output of a command run RUNS times (exit 0 or 1)."""
    times, peaks, output = [], [], None
    for _ in range(RUNS):
        warm(command)
        started = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        peaks.append(int(result.stderr.strip().splitlines()[-1]) // 1024)
        if result.returncode not in (0, 1):
            sys.exit(f"{label} failed: {result.stderr}")
        output = result.stdout
    return statistics.median(times), max(peaks), output


def duckdb_timed(stream, sql_parts):
    times, result = [], None
    for _ in range(RUNS):
        connection = duckdb.connect()
        connection.execute("SET threads = 2")
        started = time.perf_counter()
        connection.execute(LOAD.format(stream=stream))
        result = [connection.execute(sql).fetchall() for sql in sql_parts]
        times.append(time.perf_counter() - started)
        connection.close()
    return statistics.median(times), result


def stream_facts(stream):
    size = Path(stream).stat().st_size
    with open(stream, "rb") as lines:
        events = sum(1 for _ in lines)
    return size, events


def table(rows, events, mb, ratio_header="÷ DuckDB"):
    lines = [f"| command | time | events/s | MB/s | peak RSS | {ratio_header} |", "|---|---:|---:|---:|---:|---:|"]
    for label, seconds, peak, reference in rows:
        ratio = f"**{seconds / reference:.2f}**" if reference else "–"
        lines.append(f"| {label} | {seconds:.2f} s | {events / seconds:,.0f} | {mb / seconds:.0f} | {peak} MB | {ratio} |")
    return lines


def bench_slos(services):
    """One SLO per (org, service) counting every severity over a window wider than the stream."""
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
    path = WORK / "bench-slos.yaml"
    path.write_text("---\n".join(documents))
    return path


def decoding(stream, mb):
    """The reader benchmark's figures, as table rows."""
    result = subprocess.run([str(BIN / "reader-benchmark"), stream, str(RUNS)], capture_output=True, text=True, check=True)
    lines = ["| reading the file into | time | events/s | MB/s |", "|---|---:|---:|---:|"]
    for line in result.stdout.splitlines():
        match = re.match(r"(.+?)\s+median ([0-9.]+) s\s+([0-9]+) events/s\s+([0-9.]+) MB/s", line)
        if match:
            label, seconds, rate, speed = match.groups()
            lines.append(f"| {label.strip()} | {float(seconds):.2f} s | {int(rate):,} | {float(speed):.0f} |")
    return lines


def a_mitigated_incident(stream):
    with open(stream) as lines:
        for line in lines:
            if '"newStatus":"MITIGATED"' in line:
                return json.loads(line)["incidentId"]
    sys.exit("no mitigated incident in the stream")


def compare_stream(stream, at, start):
    at_ms, start_ms = millis(at), millis(start)
    size, events = stream_facts(stream)
    mb = size / 1e6

    # DuckDB: both figures in one load, so its time includes reading and parsing the file once.
    duck_time, (bad_rows, group_rows, validate_rows) = duckdb_timed(
        stream, [BAD_TIME.format(at=at_ms), GROUPS.format(start=start_ms, at=at_ms), VALIDATE])
    duck_bad = {(org, service): int(ms) for org, service, ms in bad_rows}
    duck_groups = {(org, service, key): n for org, service, key, n in group_rows}
    slos = bench_slos(sorted({key for key in duck_bad} | {(o, s) for o, s, _ in duck_groups}))

    slo_time, slo_peak, slo_out = timed(
        "slo check", [str(BIN / "slo"), "check", "--slos", str(slos), "--events", stream, "--at", at, "--format", "json"])
    ours_bad = {(slo["orgId"], slo["service"]): slo["bad"] for slo in json.loads(slo_out)["slos"]}
    mismatched = {k: (ours_bad.get(k, 0), duck_bad.get(k, 0)) for k in set(ours_bad) | set(duck_bad) if ours_bad.get(k, 0) != duck_bad.get(k, 0)}
    assert not mismatched, f"bad time differs (ours, DuckDB): {dict(list(mismatched.items())[:5])}"

    pattern_time, pattern_peak, pattern_out = timed(
        "reliability patterns",
        [str(BIN / "reliability"), "patterns", "--events", stream, "--since", start, "--until", at, "--at", at, "--min-count", "1", "--format", "csv"])
    ours_groups = {}
    for line in pattern_out.strip().splitlines()[1:]:
        fields = line.split(",")
        if fields[2] == "correlation_key":
            ours_groups[(fields[0], fields[1], fields[3])] = int(fields[4])
    mismatched = {k: (ours_groups.get(k), duck_groups.get(k)) for k in set(ours_groups) | set(duck_groups) if ours_groups.get(k) != duck_groups.get(k)}
    assert not mismatched, f"group counts differ (ours, DuckDB): {dict(list(mismatched.items())[:5])}"

    validate_time, validate_peak, validate_out = timed(
        "incidents validate", [str(BIN / "incidents"), "validate", "--events", stream, "--format", "json"])
    summary = json.loads(validate_out)
    records, unique, incidents, orgs, by_type = validate_rows[0]
    ours = (summary["recordsRead"], summary["uniqueEvents"], summary["incidents"], len(summary["orgs"]), summary["eventsByType"])
    theirs = (records, unique, incidents, orgs, {row["type"]: row["n"] for row in by_type})
    assert ours == theirs, f"validate figures differ (ours, DuckDB): {ours} {theirs}"
    samples_time, samples_peak, _ = timed(
        "slo check (samples)", [str(BIN / "slo"), "check", "--slos", "samples/slos.yaml", "--events", stream, "--at", at])
    weekly_time, weekly_peak, _ = timed(
        "reliability weekly",
        [str(BIN / "reliability"), "weekly", "--events", stream, "--slos", "samples/slos.yaml", "--at", at, "--out-dir", str(WORK / "weekly")])
    incident = a_mitigated_incident(stream)
    draft_time, draft_peak, _ = timed(
        "postmortem draft",
        [str(BIN / "postmortem"), "draft", incident, "--events", stream, "--slos", "samples/slos.yaml", "--at", at, "--out", str(WORK / "draft.md")])

    rows = [
        ("`incidents validate` (the counts DuckDB makes)", validate_time, validate_peak, duck_time),
        ("`slo check`, an all-severity SLO per org and service (the figures DuckDB computes)", slo_time, slo_peak, duck_time),
        ("`slo check --slos samples/slos.yaml`", samples_time, samples_peak, None),
        ("`reliability patterns --min-count 1` (the groups DuckDB counts)", pattern_time, pattern_peak, duck_time),
        ("`reliability weekly` (the last week, with its Timeline sheet)", weekly_time, weekly_peak, None),
        (f"`postmortem draft {incident}`", draft_time, draft_peak, None),
    ]
    lines = [
        f"## `{stream}`: {events:,} events, {mb:.0f} MB",
        "",
        *decoding(stream, mb),
        "",
        f"DuckDB {duckdb.__version__} (2 threads) computing the three sets of figures in one pass over the file: {duck_time:.2f} s. "
        f"Figures asserted equal: bad time of {len(ours_bad)} (org, service) pairs, incident counts of {len(ours_groups)} "
        f"(org, service, key) groups, and validate's counts (records {records:,}, events after dedupe {unique:,}, "
        f"incidents {incidents:,}, orgs {orgs}, events of each of {len(by_type)} types). Evaluated at {at}.",
        "",
        *table(rows, events, mb),
    ]
    print("\n".join(lines))


def one_week(stream, at):
    size, events = stream_facts(stream)
    mb = size / 1e6
    weekly_time, weekly_peak, _ = timed(
        "reliability weekly",
        [str(BIN / "reliability"), "weekly", "--events", stream, "--slos", "samples/slos.yaml", "--at", at, "--out-dir", str(WORK / "weekly-one")])
    validate_time, validate_peak, _ = timed("incidents validate", [str(BIN / "incidents"), "validate", "--events", stream])
    rows = [
        ("`incidents validate` (reads and replays, writes nothing)", validate_time, validate_peak, None),
        ("`reliability weekly` (every event in its Timeline sheet)", weekly_time, weekly_peak, None),
    ]
    lines = [f"## One week of `{stream}`: {events:,} events, {mb:.0f} MB", "", *table(rows, events, mb, "")]
    print("\n".join(lines))


def analytic_commands(bin_dir, stream, at, out):
    """The commands whose memory the bounded-memory targets name, as (label, argv)."""
    return [
        ("`incidents validate`", [str(bin_dir / "incidents"), "validate", "--events", stream]),
        ("`slo check --slos samples/slos.yaml`",
         [str(bin_dir / "slo"), "check", "--events", stream, "--slos", "samples/slos.yaml", "--at", at]),
        ("`reliability patterns --min-count 1`",
         [str(bin_dir / "reliability"), "patterns", "--events", stream, "--at", at, "--min-count", "1"]),
        ("`reliability weekly` (the last week)",
         [str(bin_dir / "reliability"), "weekly", "--events", stream, "--slos", "samples/slos.yaml", "--at", at,
          "--out-dir", str(WORK / out)]),
    ]


def draft_command(bin_dir, stream, at):
    incident = first_resolved_incident(stream)
    return (f"`postmortem draft {incident}`",
            [str(bin_dir / "postmortem"), "draft", incident, "--events", stream, "--slos", "samples/slos.yaml", "--at", at,
             "--out", str(WORK / "draft-peer.md")])


def first_resolved_incident(stream):
    with open(stream, encoding="utf-8") as lines:
        for line in lines:
            if '"type":"INCIDENT_RESOLVED"' in line:
                return json.loads(line)["incidentId"]
    sys.exit(f"no resolved incident in {stream}")


def against_baseline(stream, at, baseline_bin, revision):
    """The same commands with the executables of an earlier revision, run alternately in the same run."""
    global RUNS
    size, events = stream_facts(stream)
    commands = analytic_commands(BIN, stream, at, "weekly-new") + [draft_command(BIN, stream, at)]
    baseline = analytic_commands(Path(baseline_bin), stream, at, "weekly-base") + [draft_command(Path(baseline_bin), stream, at)]
    lines = [
        f"## `{stream}` against revision {revision}, in the same run",
        "",
        f"{events:,} events, {size / 1e6:.0f} MB. Medians of {RUNS} runs, the two builds run alternately, the file read into the page cache before each.",
        "",
        f"| command | {revision} | now | now ÷ {revision} | peak RSS, {revision} | peak RSS, now |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    runs = RUNS
    for (label, ours), (_, theirs) in zip(commands, baseline):
        # Alternately, one run of each at a time: load on the machine falls on both alike.
        RUNS = 1
        pairs = [(timed(label, theirs), timed(label, ours)) for _ in range(runs)]
        RUNS = runs
        their_time = statistics.median(theirs_run[0] for theirs_run, _ in pairs)
        their_peak = max(theirs_run[1] for theirs_run, _ in pairs)
        our_time = statistics.median(ours_run[0] for _, ours_run in pairs)
        our_peak = max(ours_run[1] for _, ours_run in pairs)
        lines.append(
            f"| {label} | {their_time:.2f} s | {our_time:.2f} s | **{our_time / their_time:.2f}** | {their_peak} MB | {our_peak} MB |")
    print("\n".join(lines))


def scaling(smaller, larger, at):
    """Peak RSS of the analytic commands on two sizes of stream, and how much it grew."""
    global RUNS
    small_size, small_events = stream_facts(smaller)
    large_size, large_events = stream_facts(larger)
    lines = [
        f"## Memory as the input grows: {small_events:,} events ({small_size / 1e9:.1f} GB) and {large_events:,} ({large_size / 1e9:.1f} GB)",
        "",
        f"Medians of {RUNS} runs at the smaller size, peak RSS the largest of them; one run at the larger.",
        "",
        "| command | time | peak RSS | time, 3× the events | peak RSS, 3× the events | RSS growth |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    runs = RUNS
    for (label, small), (_, large) in zip(analytic_commands(BIN, smaller, at, "weekly-small"),
                                          analytic_commands(BIN, larger, at, "weekly-large")):
        RUNS = runs
        small_time, small_peak, _ = timed(label, small)
        RUNS = 1
        large_time, large_peak, _ = timed(label, large)
        lines.append(f"| {label} | {small_time:.2f} s | {small_peak} MB | {large_time:.2f} s | {large_peak} MB | "
                     f"{(large_peak / small_peak - 1) * 100:+.0f}% |")
    RUNS = runs
    print("\n".join(lines))


def sharded(stream, at):
    """One process on both cores against two one-thread shard processes at once plus the merge."""
    size, events = stream_facts(stream)
    commands = [
        ("`incidents validate`", ["incidents", "validate"]),
        ("`slo check --slos samples/slos.yaml`", ["slo", "check", "--slos", "samples/slos.yaml", "--at", at]),
        ("`reliability patterns --min-count 1`", ["reliability", "patterns", "--at", at, "--min-count", "1"]),
    ]
    lines = [
        f"## Two shards against one process: `{stream}`",
        "",
        f"{events:,} events, {size / 1e6:.0f} MB. One process with `--threads 2`; then two processes with `--threads 1 "
        "--shard k/2 --emit-partial`, started together, and the merge with `--from-partials` (its output asserted equal "
        f"to the one process's). Medians of {RUNS} runs, each after the file was read into the page cache.",
        "",
        "| command | one process | two shards at once | merge | shards + merge | ÷ one process | partials | merge peak RSS | "
        "shard peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, (tool, *arguments) in commands:
        binary = str(BIN / tool)
        whole_runs, shard_runs, merge_runs, merge_peaks, shard_peaks, sizes = [], [], [], [], [], []
        for _ in range(RUNS):
            warm([stream])
            started = time.perf_counter()
            whole = subprocess.run([binary, *arguments, "--events", stream, "--threads", "2"], capture_output=True, text=True)
            whole_runs.append(time.perf_counter() - started)
            partials = [str(WORK / f"shard-{k}.partial") for k in (1, 2)]
            warm([stream])
            started = time.perf_counter()
            shards = [subprocess.Popen(["/usr/bin/time", "-f", "%M", binary, *arguments, "--events", stream, "--threads", "1",
                                        "--shard", f"{k}/2", "--emit-partial", partial],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                      for k, partial in zip((1, 2), partials)]
            for shard in shards:
                _, errors = shard.communicate()
                if shard.returncode != 0:
                    sys.exit(f"{label} shard failed: {errors}")
                shard_peaks.append(int(errors.strip().splitlines()[-1]) // 1024)
            shard_runs.append(time.perf_counter() - started)
            sizes.append(sum(Path(partial).stat().st_size for partial in partials))
            started = time.perf_counter()
            merged = subprocess.run(["/usr/bin/time", "-f", "%M", binary, *arguments, "--from-partials", *partials],
                                    capture_output=True, text=True)
            merge_runs.append(time.perf_counter() - started)
            merge_peaks.append(int(merged.stderr.strip().splitlines()[-1]) // 1024)
            if merged.stdout != whole.stdout or merged.returncode != whole.returncode:
                sys.exit(f"{label}: the merged output differs from the one process's")
        one, both, merge = statistics.median(whole_runs), statistics.median(shard_runs), statistics.median(merge_runs)
        lines.append(f"| {label} | {one:.2f} s | {both:.2f} s | {merge:.2f} s | {both + merge:.2f} s | "
                     f"**{(both + merge) / one:.2f}** | {max(sizes) / 1e6:.1f} MB | {max(merge_peaks)} MB | {max(shard_peaks)} MB |")
    print("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1] == "stream":
        compare_stream(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "week":
        one_week(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "baseline":
        against_baseline(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    elif sys.argv[1] == "scale":
        scaling(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "shards":
        sharded(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)

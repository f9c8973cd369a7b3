#!/usr/bin/env python3
"""Figures of an IncidentEvent stream, computed independently of the Swift code.

Written from shared/design/events.md alone, with Python's json and datetime
modules, so that ReplayOfSamplesTests compares the Swift replay against a
second implementation rather than against itself.

    python3 Tests/Fixtures/independent_figures.py samples/events.jsonl > Tests/Fixtures/sample-figures.json

The "slos" section recomputes, at 2026-11-23T00:00Z, the bad minutes (SEV1/SEV2 only,
severity as it was at each moment) of every rolling 28-day incident-time SLO of
samples/slos.yaml, and the good/total requests of every rolling 30-day request-ratio one.

The "patterns" section groups the incidents created from 2026-09-28 to 2026-11-23
(evaluated at 2026-11-23T00:00Z) by (org, service, correlation key), for groups of
two or more, with their bad time as slo.md defines it (no severity filter).

Run it again whenever samples/events.jsonl is regenerated (`make fixtures`).
"""
import json
import sys
from collections import Counter, defaultdict
from datetime import datetime

ACTIVE = {"OPEN", "INVESTIGATING"}
CLOSED = {"MITIGATED", "RESOLVED", "CANCELLED"}


def millis(text):
    return int(round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000))


PERIOD_START = millis("2026-09-28T00:00:00Z")
PERIOD_END = millis("2026-11-23T00:00:00Z")
AT = millis("2026-11-23T00:00:00Z")


def bad_intervals(status_spans, impact_start, cancelled):
    """Bad while OPEN or INVESTIGATING, from the impact start; never for a false alarm."""
    if cancelled:
        return []
    bad = []
    for index, (status, start, end) in enumerate(status_spans):
        if status not in ACTIVE:
            continue
        begin = impact_start if index == 0 else start
        finish = min(end if end is not None else AT, AT)
        if begin < finish:
            bad.append((begin, finish))
    return bad


def union_length(intervals, lo, hi):
    clipped = sorted((max(a, lo), min(b, hi)) for a, b in intervals if min(b, hi) > max(a, lo))
    total, current = 0, None
    for a, b in clipped:
        if current and a <= current[1]:
            current[1] = max(current[1], b)
        else:
            if current:
                total += current[1] - current[0]
            current = [a, b]
    if current:
        total += current[1] - current[0]
    return total


def counted_intervals(status_spans, severity_spans, impact_start, cancelled, counted):
    """Bad intervals restricted to the counted severities as they were at each moment."""
    result = []
    for begin, finish in bad_intervals(status_spans, impact_start, cancelled):
        for index, (severity, start, end) in enumerate(severity_spans):
            if severity not in counted:
                continue
            s_start = min(start, begin) if index == 0 else start
            s_end = end if end is not None else AT
            lo, hi = max(begin, s_start), min(finish, s_end)
            if lo < hi:
                result.append((lo, hi))
    return result


def slo_figures(incident_records, samples_by_org_service):
    import re
    slos = {}
    text = open("samples/slos.yaml", encoding="utf-8").read()
    for document in text.split("---\n"):
        # Service declarations and budget adjustments carry no figures of their own.
        if not re.search(r"^kind: SLO$", document, re.M):
            continue
        name = re.search(r"^  name: (\S+)$", document, re.M).group(1)
        org = re.search(r"runbook-revenant.io/org: (\S+)", document).group(1)
        service = re.search(r"^  service: (\S+)$", document, re.M).group(1)
        duration = re.search(r"duration: (\S+)", document).group(1)
        rolling = "isRolling: true" in document
        if not rolling:
            continue
        days = int(duration[:-1])
        start = AT - days * 86_400_000
        if "indicator: incident-time" in document:
            intervals = []
            for record in incident_records:
                if record["org"] == org and record["service"] == service:
                    intervals += counted_intervals(
                        record["status"], record["severity"], record["impact"], record["cancelled"], {"SEV1", "SEV2"})
            slos[name] = {"badMs": union_length(intervals, start, AT)}
        else:
            good = total = 0
            for instant, g, t in samples_by_org_service.get((org, service), []):
                if start <= instant < AT:
                    good += g
                    total += t
            slos[name] = {"good": good, "total": total}
    return slos


def main(path):
    seen = {}
    incidents = defaultdict(list)
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            event = json.loads(line)
            if event["id"] in seen:
                continue  # the first one read wins
            seen[event["id"]] = True
            incidents[(event["orgId"], event["incidentId"])].append((millis(event["ts"]), line_number, event))

    by_type = Counter(event["type"] for events in incidents.values() for _, _, event in events)
    final_status = Counter()
    final_severity = Counter()
    reopen_total = 0
    reopened_incidents = 0
    severity_changed = 0
    ack_sum = 0
    ack_count = 0
    mitigate_sum = 0
    mitigate_count = 0
    resolve_sum = 0
    resolve_count = 0
    requests = defaultdict(lambda: [0, 0])
    key_incidents = Counter()
    pattern_members = defaultdict(list)
    incident_records = []
    samples_by_org_service = defaultdict(list)
    per_org = Counter()

    for (org, _), events in sorted(incidents.items()):
        events.sort(key=lambda item: (item[0], item[1]))
        per_org[org] += 1
        status = None
        status_spans = []  # (status, start, end)
        severity = None
        severity_values = []
        severity_spans = []  # (severity, start, end)
        created = None
        impact_start = None
        acknowledged = None
        reopens = 0
        mitigated = None
        resolved = None
        service = None
        keys = []
        samples = []
        instants = []
        for ts, _, event in events:
            kind = event["type"]
            payload = event["payload"]
            new_status = None
            if kind == "INCIDENT_CREATED":
                created = ts
                started = payload.get("startedAt")
                impact_start = millis(started) if started else ts
                if status is None:
                    status = "OPEN"
                    status_spans.append(["OPEN", ts, None])
                if severity is None:
                    severity = payload["severity"]
                    severity_values.append(severity)
                    severity_spans.append([severity, ts, None])
                service = payload["serviceName"]
                if payload.get("initialCorrelationKey"):
                    keys.insert(0, payload["initialCorrelationKey"])
            elif kind == "INCIDENT_STATUS_CHANGED":
                new_status = payload["newStatus"]
            elif kind == "INCIDENT_RESOLVED":
                new_status = "RESOLVED"
            elif kind == "INCIDENT_SEVERITY_CHANGED":
                if payload["newSeverity"] != severity:
                    severity = payload["newSeverity"]
                    severity_values.append(severity)
                    if severity_spans and severity_spans[-1][1] == ts:
                        severity_spans.pop()
                    if severity_spans:
                        severity_spans[-1][2] = ts
                    severity_spans.append([severity, ts, None])
            elif kind == "INCIDENT_NOTE_ADDED":
                if payload.get("actorType") in (None, "USER"):
                    acknowledged = ts if acknowledged is None else min(acknowledged, ts)
            elif kind == "INCIDENT_PLAYBOOK_ACTION_EXECUTED":
                if payload.get("actorType") == "USER":
                    acknowledged = ts if acknowledged is None else min(acknowledged, ts)
            elif kind == "INCIDENT_SIGNAL_INGESTED":
                key = payload.get("correlationKey")
                if key and key not in keys:
                    keys.append(key)
                data = payload.get("data") or {}
                if payload["signalType"] == "METRIC" and "total" in data:
                    good = data["good"] if "good" in data else data["total"] - data["bad"]
                    samples.append((payload.get("serviceName"), good, data["total"]))
                    end = data.get("windowEnd") or payload.get("observedAt")
                    instants.append(millis(end) if end else ts)
            if new_status is not None and new_status != status:
                if status in CLOSED and new_status in ACTIVE:
                    reopens += 1
                    mitigated = None
                    resolved = None
                if new_status == "INVESTIGATING":
                    acknowledged = ts if acknowledged is None else min(acknowledged, ts)
                if new_status == "MITIGATED" and mitigated is None:
                    mitigated = ts
                if new_status == "RESOLVED":
                    if resolved is None:
                        resolved = ts
                    if mitigated is None:
                        mitigated = ts
                if status_spans and status_spans[-1][1] == ts:
                    status_spans.pop()  # a change at the same instant replaces the span
                if status_spans:
                    status_spans[-1][2] = ts
                status_spans.append([new_status, ts, None])
                status = new_status

        final_status[status] += 1
        final_severity[severity] += 1
        reopen_total += reopens
        reopened_incidents += 1 if reopens else 0
        severity_changed += 1 if len(severity_values) > 1 else 0
        if acknowledged is not None:
            ack_sum += acknowledged - created
            ack_count += 1
        if status in ("MITIGATED", "RESOLVED") and mitigated is not None:
            mitigate_sum += mitigated - impact_start
            mitigate_count += 1
        if status == "RESOLVED":
            resolve_sum += resolved - impact_start
            resolve_count += 1
        incident_records.append({
            "org": org, "service": service, "status": status_spans, "severity": severity_spans,
            "impact": impact_start, "cancelled": status == "CANCELLED"})
        for (sample_service, good, total), instant in zip(samples, instants):
            samples_by_org_service[(org, sample_service or service)].append((instant, good, total))
        for sample_service, good, total in samples:
            figures = requests[f"{org}/{sample_service or service}"]
            figures[0] += good
            figures[1] += total
        for key in keys:
            key_incidents[f"{org}/{service}/{key}"] += 1
        if keys and PERIOD_START <= created < PERIOD_END:
            bad = bad_intervals(status_spans, impact_start, status == "CANCELLED")
            for key in keys:
                pattern_members[(org, service, key)].append((created, bad))

    patterns = {}
    for (org, service, key), members in sorted(pattern_members.items()):
        if len(members) < 2:
            continue
        created = sorted(m[0] for m in members)
        gaps = sorted(b - a for a, b in zip(created, created[1:]))
        middle = len(gaps) // 2
        median_gap = gaps[middle] if len(gaps) % 2 else (gaps[middle - 1] + gaps[middle]) // 2
        intervals = [i for m in members for i in m[1]]
        patterns[f"{org}/{service}/{key}"] = {
            "count": len(members),
            "impactMs": union_length(intervals, PERIOD_START, min(PERIOD_END, AT)),
            "medianGapMs": median_gap,
            "shortestGapMs": gaps[0],
        }

    figures = {
        "source": path,
        "incidents": len(incidents),
        "uniqueEvents": sum(by_type.values()),
        "eventsByType": dict(sorted(by_type.items())),
        "incidentsPerOrg": dict(sorted(per_org.items())),
        "finalStatus": dict(sorted(final_status.items())),
        "finalSeverity": dict(sorted(final_severity.items())),
        "reopenTotal": reopen_total,
        "reopenedIncidents": reopened_incidents,
        "incidentsWithSeverityChanges": severity_changed,
        "acknowledged": {"count": ack_count, "sumMs": ack_sum},
        "mitigated": {"count": mitigate_count, "sumMs": mitigate_sum},
        "resolved": {"count": resolve_count, "sumMs": resolve_sum},
        "requestsByOrgService": {k: {"good": v[0], "total": v[1]} for k, v in sorted(requests.items())},
        "incidentsByOrgServiceKey": dict(sorted(key_incidents.items())),
        "patterns": patterns,
        "slos": slo_figures(incident_records, samples_by_org_service),
    }
    json.dump(figures, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])

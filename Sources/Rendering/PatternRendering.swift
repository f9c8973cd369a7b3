public import IncidentModel
public import Patterns

/// `reliability patterns` as a table, JSON and CSV: the same figures, computed once in `Patterns`.
public enum PatternRendering {
  public static func table(_ report: PatternReport, periodLabel: String?) -> String {
    let period = "\(report.period.start) → \(report.period.end)"
    var out = "Recurring patterns, \(periodLabel.map { "\($0): " } ?? "")\(period) (evaluated at \(report.at))\n"
    out +=
      "Groups with at least \(report.minimumCount) incidents; trend against \(report.previousPeriod.start) → \(report.previousPeriod.end).\n\n"
    guard !report.groups.isEmpty else {
      return out
        + "No recurring group: \(report.incidentsInPeriod) incident(s) created in the period, in \(report.groupsWithIncidents) group(s).\n"
    }
    var table = TextTable([
      ("#", .right), ("org", .left), ("service", .left), ("key", .left), ("incidents", .right), ("before", .right),
      ("trend", .left), ("impact", .right), ("gap med", .right), ("gap min", .right), ("TTA med/p90", .right),
      ("TTM med/p90", .right), ("TTR med/p90", .right), ("severities", .left), ("open", .right),
    ])
    for (index, group) in report.groups.enumerated() {
      table.append([
        String(index + 1), group.id.orgId, group.id.serviceName, group.id.key.label, String(group.count), String(group.previousCount),
        group.trend.rawValue, Format.duration(milliseconds: group.impactMs), duration(group.medianGapMs), duration(group.shortestGapMs),
        summary(group.timeToAcknowledge), summary(group.timeToMitigate), summary(group.timeToResolve),
        group.severityMix.map { "\($0.severity.rawValue)×\($0.count)" }.joined(separator: " "), String(group.open),
      ])
    }
    out += table.rendered()
    out += "\n"
    for (index, group) in report.groups.enumerated() {
      out += "  \(index + 1). \(group.id.key)"
      out += "\n     first \(group.firstSeen), last \(group.lastSeen): \(group.incidentIds.joined(separator: ", "))\n"
    }
    out += "\n\(report.incidentsInPeriod) incident(s) created in the period, in \(report.groupsWithIncidents) group(s); "
    out += "\(report.incidentsInRecurringGroups) in the \(report.groups.count) recurring group(s) above, "
    out += "\(report.sharedIncidents) of them in more than one.\n"
    return out
  }

  public static func json(_ report: PatternReport) -> JSONValue {
    func interval(_ i: Interval) -> JSONValue { .object(["start": .string(i.start.description), "end": .string(i.end.description)]) }
    func number(_ value: Int64?) -> JSONValue { value.map { .number(String($0)) } ?? .null }
    func summary(_ s: DurationSummary) -> JSONValue {
      .object(["count": .number(String(s.count)), "medianMs": number(s.medianMs), "p90Ms": number(s.p90Ms)])
    }
    let groups = report.groups.map { group -> JSONValue in
      var key: JSONObject = [
        "kind": .string(group.id.key.isFingerprint ? "fingerprint" : "correlationKey"), "label": .string(group.id.key.label),
      ]
      if case .fingerprint(_, let title) = group.id.key { key.append("normalisedTitle", .string(title)) }
      var severities = JSONObject()
      for entry in group.severityMix { severities.append(entry.severity.rawValue, .number(String(entry.count))) }
      return .object([
        "orgId": .string(group.id.orgId), "serviceName": .string(group.id.serviceName), "key": .object(key),
        "incidentCount": .number(String(group.count)), "incidentIds": .array(group.incidentIds.map(JSONValue.string)),
        "firstSeen": .string(group.firstSeen.description), "lastSeen": .string(group.lastSeen.description),
        "medianGapMs": number(group.medianGapMs), "shortestGapMs": number(group.shortestGapMs),
        "timeToAcknowledge": summary(group.timeToAcknowledge), "timeToMitigate": summary(group.timeToMitigate),
        "timeToResolve": summary(group.timeToResolve), "impactMs": number(group.impactMs),
        "impactIntervals": .array(group.impactIntervals.map(interval)), "severityMix": .object(severities),
        "open": .number(String(group.open)), "closed": .number(String(group.closed)),
        "previousCount": .number(String(group.previousCount)), "trend": .string(group.trend.rawValue),
      ])
    }
    return .object([
      "period": interval(report.period), "previousPeriod": interval(report.previousPeriod), "at": .string(report.at.description),
      "minimumCount": .number(String(report.minimumCount)), "incidentsInPeriod": .number(String(report.incidentsInPeriod)),
      "groupsWithIncidents": .number(String(report.groupsWithIncidents)),
      "incidentsInRecurringGroups": .number(String(report.incidentsInRecurringGroups)),
      "sharedIncidents": .number(String(report.sharedIncidents)), "groups": .array(groups),
    ])
  }

  public static func csv(_ report: PatternReport) -> String {
    var out = CSV.line([
      "org_id", "service_name", "key_kind", "key", "incident_count", "previous_count", "trend", "impact_ms", "first_seen", "last_seen",
      "median_gap_ms", "shortest_gap_ms", "tta_median_ms", "tta_p90_ms", "ttm_median_ms", "ttm_p90_ms", "ttr_median_ms", "ttr_p90_ms",
      "sev1", "sev2", "sev3", "sev4", "open", "closed", "incident_ids",
    ])
    func number(_ value: Int64?) -> String { value.map(String.init) ?? "" }
    for group in report.groups {
      let mix = Dictionary(uniqueKeysWithValues: group.severityMix.map { ($0.severity, $0.count) })
      out += CSV.line(
        [
          group.id.orgId, group.id.serviceName, group.id.key.isFingerprint ? "fingerprint" : "correlation_key", group.id.key.label,
          String(group.count), String(group.previousCount), group.trend.rawValue, String(group.impactMs), group.firstSeen.description,
          group.lastSeen.description, number(group.medianGapMs), number(group.shortestGapMs),
          number(group.timeToAcknowledge.medianMs), number(group.timeToAcknowledge.p90Ms), number(group.timeToMitigate.medianMs),
          number(group.timeToMitigate.p90Ms), number(group.timeToResolve.medianMs), number(group.timeToResolve.p90Ms),
        ] + Severity.allCases.map { String(mix[$0] ?? 0) } + [
          String(group.open), String(group.closed), group.incidentIds.joined(separator: " "),
        ])
    }
    return out
  }

  private static func duration(_ ms: Int64?) -> String { ms.map { Format.duration(milliseconds: $0) } ?? "–" }

  private static func summary(_ s: DurationSummary) -> String {
    guard let median = s.medianMs, let p90 = s.p90Ms else { return "–" }
    return "\(Format.duration(milliseconds: median))/\(Format.duration(milliseconds: p90))"
  }
}

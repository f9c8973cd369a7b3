import IncidentModel
import Patterns
import TestSupport
import Testing

/// One incident of a hand-built stream: created, acknowledged, mitigated, resolved at the given minutes after 10:00 on 2026-11-02.
private func incident(
  _ id: String, day: Int = 2, org: String = "org_a", service: String = "checkout-api", key: String? = "checkout-api:db",
  created: Int = 0, acknowledged: Int? = 5, mitigated: Int? = 30, resolved: Int? = 60, severity: Severity = .sev2,
  raisedTo: Severity? = nil, cancelled: Bool = false, title: String = "Checkout errors", signalKeys: [String] = []
) -> IncidentSnapshot {
  var f = EventFactory(orgId: org, incidentId: id)
  func at(_ minutes: Int) -> String {
    let hour = 10 + minutes / 60
    return "2026-11-\(day < 10 ? "0" : "")\(day)T\(hour < 10 ? "0" : "")\(hour):\(minutes % 60 < 10 ? "0" : "")\(minutes % 60):00Z"
  }
  var events = [
    f.event(
      at(created),
      .created(
        IncidentCreated(
          projectId: "p", title: title, serviceName: service, severity: severity, environment: "prod", initialCorrelationKey: key)))
  ]
  for signalKey in signalKeys {
    events.append(
      f.event(
        at(created + 1),
        .signalIngested(SignalIngested(signalId: "s", signalType: .alert, correlationKey: signalKey, source: "am", summary: "x"))))
  }
  if let raisedTo { events.append(f.severity(at(created + 2), raisedTo)) }
  if cancelled {
    events.append(f.status(at(created + 10), .cancelled))
  } else {
    if let acknowledged { events.append(f.status(at(acknowledged), .investigating)) }
    if let mitigated { events.append(f.status(at(mitigated), .mitigated)) }
    if let resolved { events.append(f.status(at(resolved), .resolved)) }
  }
  return replay(events).snapshot
}

/// The week of 2026-11-02 (Monday) to 2026-11-09.
private let week = Interval(start: ts("2026-11-02T00:00:00Z"), end: ts("2026-11-09T00:00:00Z"))
private let endOfWeek = ts("2026-11-09T00:00:00Z")

@Suite("Recurring patterns")
struct PatternAnalysisTests {
  @Test func groupsByOrgServiceAndEveryCorrelationKey() {
    let incidents = [
      incident("inc_1", signalKeys: ["payments:timeout"]),
      incident("inc_2", day: 3, key: "checkout-api:db"),
      incident("inc_3", day: 4, key: "payments:timeout"),
      // Same key, other org: another group, even for a service of the same name.
      incident("inc_4", day: 4, org: "org_b"),
      incident("inc_5", day: 5, org: "org_b"),
    ]
    let report = PatternAnalysis.analyse(incidents, period: week, at: endOfWeek)
    let ids = report.groups.map { "\($0.id.orgId)/\($0.id.serviceName)/\($0.id.key.label)=\($0.incidentIds.joined(separator: ","))" }
    #expect(
      Set(ids) == [
        "org_a/checkout-api/checkout-api:db=inc_1,inc_2", "org_a/checkout-api/payments:timeout=inc_1,inc_3",
        "org_b/checkout-api/checkout-api:db=inc_4,inc_5",
      ])
    #expect(report.incidentsInPeriod == 5)
    #expect(report.incidentsInRecurringGroups == 5)
    #expect(report.sharedIncidents == 1, "inc_1 is in two groups")
    #expect(report.groupsWithIncidents == 3)
  }

  @Test func groupsIncidentsWithoutKeysByTitleFingerprint() {
    let incidents = [
      incident("inc_1", key: nil, title: "Pool 'primary-12' exhausted on node 10.0.4.17 (0xdeadbeef)"),
      incident("inc_2", day: 3, key: nil, title: "pool \"primary-7\" exhausted on node 10.0.9.2 (0x0badf00d)"),
      incident("inc_3", day: 4, key: nil, title: "Disk full on node 7"),
    ]
    let report = PatternAnalysis.analyse(incidents, period: week, at: endOfWeek)
    #expect(report.groups.count == 1)
    let group = report.groups[0]
    #expect(group.id.key == .fingerprint(id: TitleFingerprint.id(of: "pool exhausted on node"), title: "pool exhausted on node"))
    #expect(group.id.key.isFingerprint)
    #expect(group.incidentIds == ["inc_1", "inc_2"])
  }

  @Test(arguments: [
    ("Database connection pool exhausted on checkout-api (pool 'primary-12')", "database connection pool exhausted on checkout-api (pool)"),
    ("media-cdn pods OOMKilled (container 0xda687e28)", "media-cdn pods oomkilled (container)"),
    ("Elevated 5xx rate on search after deploy 42", "elevated xx rate on search after deploy"),
    ("Timeouts calling \"ledger\" from orders", "timeouts calling from orders"),
    ("Job 123e4567-e89b-12d3-a456-426614174000 failed", "job failed"),
    ("Cache key 9f86d081884c7d65 evicted", "cache key evicted"),
    ("Service's queue backlog: 120k", "service's queue backlog: k"),
    ("  TLS cert for api.internal expires in 12 hours.", "tls cert for api.internal expires in hours"),
  ])
  func normalisesTitles(title: String, expected: String) {
    #expect(TitleFingerprint.normalise(title) == expected)
  }

  @Test func fingerprintIdsAreStable() {
    // FNV-1a 64 of "abc", worked out independently: 0xe71fa2190541574b.
    #expect(TitleFingerprint.id(of: "abc") == "e71fa2190541")
    #expect(TitleFingerprint.id(of: "") == "cbf29ce48422")
  }

  @Test func computesGapsAndDurationSummariesByHand() {
    // Created Monday, Tuesday and Thursday at 10:00: gaps 1 day and 2 days.
    let incidents = [
      incident("inc_1", day: 2, acknowledged: 2, mitigated: 20, resolved: 60),
      incident("inc_2", day: 3, acknowledged: 4, mitigated: 40, resolved: 120),
      incident("inc_3", day: 5, acknowledged: 12, mitigated: 90, resolved: nil),
    ]
    let group = PatternAnalysis.analyse(incidents, period: week, at: endOfWeek).groups[0]
    #expect(group.medianGapMs == 129_600_000, "the mean of 1 and 2 days")
    #expect(group.shortestGapMs == 86_400_000)
    #expect(group.firstSeen == ts("2026-11-02T10:00:00Z"))
    #expect(group.lastSeen == ts("2026-11-05T10:00:00Z"))
    // Acknowledged after 2, 4 and 12 minutes: median 4, p90 (nearest rank 3 of 3) 12.
    #expect(group.timeToAcknowledge == DurationSummary([120_000, 240_000, 720_000]))
    #expect(group.timeToAcknowledge.medianMs == 240_000)
    #expect(group.timeToAcknowledge.p90Ms == 720_000)
    #expect(group.timeToMitigate.medianMs == 2_400_000)
    // Only two resolved: median is their mean, 90 minutes; p90 the larger.
    #expect(group.timeToResolve.count == 2)
    #expect(group.timeToResolve.medianMs == 5_400_000)
    #expect(group.timeToResolve.p90Ms == 7_200_000)
    #expect(group.open == 1)
    #expect(group.closed == 2)
  }

  @Test func nearestRankPercentilesOfTen() {
    let summary = DurationSummary((1...10).map { Int64($0) * 1000 })
    #expect(summary.medianMs == 5500)
    #expect(summary.p90Ms == 9000)
    #expect(DurationSummary([]).medianMs == nil)
  }

  @Test func unionsOverlappingImpactAndClipsItToThePeriodAndTheEvaluationTime() {
    let incidents = [
      // Bad 10:00–10:30 and 10:20–11:00 on Monday: union 60 minutes.
      incident("inc_1", acknowledged: 5, mitigated: 30, resolved: 40),
      incident("inc_2", created: 20, acknowledged: 25, mitigated: 60, resolved: 70),
      // Sunday 23:50, never mitigated: bad until the end of the period, 10 minutes inside it.
      incident("inc_3", day: 8, created: 13 * 60 + 50, acknowledged: nil, mitigated: nil, resolved: nil),
      // A false alarm costs nothing.
      incident("inc_4", day: 4, cancelled: true),
    ]
    let report = PatternAnalysis.analyse(incidents, period: week, at: ts("2026-11-10T00:00:00Z"))
    let group = report.groups[0]
    #expect(group.count == 4)
    #expect(group.impactMs == 70 * 60_000)
    #expect(
      group.impactIntervals == [
        Interval(start: ts("2026-11-02T10:00:00Z"), end: ts("2026-11-02T11:00:00Z")),
        Interval(start: ts("2026-11-08T23:50:00Z"), end: ts("2026-11-09T00:00:00Z")),
      ])
    // Evaluated earlier, the open incident is bad only until then.
    let earlier = PatternAnalysis.analyse(incidents, period: week, at: ts("2026-11-08T23:55:00Z")).groups[0]
    #expect(earlier.impactMs == 65 * 60_000)
  }

  @Test func countsSeverityByThePeakAnIncidentReached() {
    let incidents = [
      incident("inc_1", severity: .sev3, raisedTo: .sev1),
      incident("inc_2", day: 3, severity: .sev3),
      incident("inc_3", day: 4, severity: .sev2),
    ]
    let group = PatternAnalysis.analyse(incidents, period: week, at: endOfWeek).groups[0]
    #expect(group.severityMix.map(\.severity) == [.sev1, .sev2, .sev3])
    #expect(group.severityMix.map(\.count) == [1, 1, 1])
  }

  @Test(arguments: [
    (3, 0, Trend.new), (2, 1, .rising), (5, 4, .rising), (6, 5, .steady), (4, 4, .steady), (3, 4, .falling), (4, 5, .steady),
  ])
  func classifiesTheTrend(current: Int, previous: Int, expected: Trend) {
    #expect(Trend(current: current, previous: previous) == expected)
  }

  @Test func comparesWithThePrecedingPeriodOfEqualLength() {
    // Three this week; one the week before (2026-10-26 to 11-02); one before that, not counted.
    let incidents = [
      incident("inc_1", day: 2), incident("inc_2", day: 3), incident("inc_3", day: 4),
      replayShifted("inc_0", isoDay: "2026-10-30"), replayShifted("inc_old", isoDay: "2026-10-20"),
    ]
    let report = PatternAnalysis.analyse(incidents, period: week, at: endOfWeek)
    #expect(report.previousPeriod == Interval(start: ts("2026-10-26T00:00:00Z"), end: ts("2026-11-02T00:00:00Z")))
    #expect(report.groups[0].previousCount == 1)
    #expect(report.groups[0].trend == .rising)
    #expect(report.incidentsInPeriod == 3)
  }

  @Test func countsIncidentsByCreationWithinTheHalfOpenPeriod() {
    let incidents = [
      replayShifted("inc_start", isoDay: "2026-11-02", time: "00:00:00"),
      replayShifted("inc_end", isoDay: "2026-11-09", time: "00:00:00"),
      replayShifted("inc_last", isoDay: "2026-11-08", time: "23:59:59"),
    ]
    let report = PatternAnalysis.analyse(incidents, period: week, at: endOfWeek)
    #expect(report.groups.first?.incidentIds == ["inc_start", "inc_last"])
  }

  @Test func listsOnlyGroupsWithTheMinimumCountSortedByImpactThenCount() {
    let incidents = [
      incident("a1", key: "k:a", mitigated: 100), incident("a2", day: 3, key: "k:a", mitigated: 100),
      incident("b1", key: "k:b", mitigated: 10), incident("b2", day: 3, key: "k:b", mitigated: 10),
      incident("b3", day: 4, key: "k:b", mitigated: 10),
      incident("c1", key: "k:c", mitigated: 10), incident("c2", day: 3, key: "k:c", mitigated: 10),
      incident("c3", day: 4, key: "k:c", mitigated: 10),
      incident("d1", key: "k:d"),
    ]
    let report = PatternAnalysis.analyse(incidents, period: week, at: endOfWeek)
    #expect(report.groups.map(\.id.key.label) == ["k:a", "k:b", "k:c"])
    #expect(PatternAnalysis.analyse(incidents, period: week, at: endOfWeek, minimumCount: 3).groups.map(\.id.key.label) == ["k:b", "k:c"])
    #expect(PatternAnalysis.analyse(incidents, period: week, at: endOfWeek, minimumCount: 1).groups.count == 4)
  }
}

/// A minimal incident created at a given instant (for period-edge tests).
private func replayShifted(_ id: String, isoDay: String, time: String = "10:00:00") -> IncidentSnapshot {
  var f = EventFactory(orgId: "org_a", incidentId: id)
  return replay([f.created("\(isoDay)T\(time)Z"), f.status("\(isoDay)T\(time)Z", .investigating)]).snapshot
}

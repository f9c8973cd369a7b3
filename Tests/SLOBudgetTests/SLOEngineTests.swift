import EventSources
import Foundation
import IncidentModel
import ReplayEngine
import SLOBudget
import TestSupport
import Testing

/// An incident-time SLO on checkout-api of org_a: rolling 24h at 99%, so a budget of 14.4 minutes (864 000 ms).
private func daySLO(
  target: Double = 0.99, window: SLOWindow = .rolling(milliseconds: 86_400_000, text: "1d"), slices: Int64? = nil,
  counted: Set<Severity> = [.sev1, .sev2], org: String? = "org_a"
) -> SLODefinition {
  SLODefinition(
    name: "checkout-availability", orgId: org, service: "checkout-api", indicator: .incidentTime(countedSeverities: counted),
    window: window, budgeting: slices == nil ? .occurrences : .timeslices, target: target, timeSliceWindowMs: slices)
}

private let endOfDay = ts("2026-11-03T00:00:00Z")

/// An incident with the given status changes (minutes after `day`T00:00Z), SEV2 unless told.
private func incident(
  _ id: String, created: String, startedAt: String? = nil, org: String = "org_a", service: String = "checkout-api",
  severity: Severity = .sev2, changes: [(String, EventPayload)] = []
) -> IncidentSnapshot {
  var f = EventFactory(orgId: org, incidentId: id)
  var events = [f.created(created, severity: severity, service: service, startedAt: startedAt)]
  for (at, payload) in changes { events.append(f.event(at, payload)) }
  return replay(events).snapshot
}

private func status(_ status: IncidentStatus) -> EventPayload { .statusChanged(StatusChanged(newStatus: status)) }
private func severity(_ severity: Severity) -> EventPayload { .severityChanged(SeverityChanged(newSeverity: severity)) }

private func evaluate(_ slo: SLODefinition, _ incidents: [IncidentSnapshot], at: Timestamp = endOfDay) throws -> SLOResult {
  try SLOEngine.evaluate(slo, incidents: incidents, at: at)
}

@Suite("SLO engine: incident time, worked by hand")
struct IncidentTimeSLOTests {
  @Test func unionsOverlappingIncidentsOnOneService() throws {
    // Bad 10:00–10:30 and 10:20–10:50: 50 minutes, not 60.
    let result = try evaluate(
      daySLO(),
      [
        incident("a", created: "2026-11-02T10:00:00Z", changes: [("2026-11-02T10:30:00Z", status(.mitigated))]),
        incident("b", created: "2026-11-02T10:20:00Z", changes: [("2026-11-02T10:50:00Z", status(.resolved))]),
      ])
    #expect(result.bad == 3_000_000)
    #expect(close(result.errorBudget, 864_000))
    #expect(abs((result.consumed ?? 0) - 3_000_000.0 / 864_000) < 1e-12)
    #expect(abs((result.remaining ?? 0) - (1 - 3_000_000.0 / 864_000)) < 1e-12)
    #expect(abs((result.sli ?? 0) - (1 - 3_000_000.0 / 86_400_000)) < 1e-12)
    #expect(abs((result.burnRate ?? 0) - 3_000_000.0 / 86_400_000 / 0.01) < 1e-9)
    #expect(close(result.errorBudgetMinutes, 14.4))
    #expect(result.status == .breached)
    #expect(result.consumers.map(\.incidentId) == ["a", "b"], "30 minutes each; ties by id")
    #expect(result.explainedIntervals.map(\.interval) == [Interval(start: ts("2026-11-02T10:00:00Z"), end: ts("2026-11-02T10:50:00Z"))])
    #expect(result.explainedIntervals[0].contributions.map(\.incidentId) == ["a", "b"])
  }

  @Test func countsSeverityAsItWasAtEachMoment() throws {
    // SEV3 until 10:10, SEV1 until 10:40, SEV3 until mitigation at 11:00: 30 counted minutes.
    let snapshot = incident(
      "a", created: "2026-11-02T10:00:00Z", severity: .sev3,
      changes: [
        ("2026-11-02T10:10:00Z", severity(.sev1)), ("2026-11-02T10:40:00Z", severity(.sev3)),
        ("2026-11-02T11:00:00Z", status(.mitigated)),
      ])
    #expect(try evaluate(daySLO(), [snapshot]).bad == 1_800_000)
    #expect(try evaluate(daySLO(counted: [.sev3]), [snapshot]).bad == 1_800_000, "the SEV3 part: 10 + 20 minutes")
  }

  @Test func countsAReopenAgainAndACancelledIncidentNotAtAll() throws {
    // 10:00–10:20, then reopened 12:00–12:15: 35 minutes; the false alarm adds nothing.
    let result = try evaluate(
      daySLO(),
      [
        incident(
          "a", created: "2026-11-02T10:00:00Z",
          changes: [
            ("2026-11-02T10:20:00Z", status(.mitigated)), ("2026-11-02T12:00:00Z", status(.investigating)),
            ("2026-11-02T12:15:00Z", status(.resolved)),
          ]),
        incident("b", created: "2026-11-02T14:00:00Z", changes: [("2026-11-02T14:30:00Z", status(.cancelled))]),
      ])
    #expect(result.bad == 2_100_000)
    #expect(result.consumers.map(\.incidentId) == ["a"])
  }

  @Test func clipsAnIncidentCrossingTheWindowStartAndCountsAnOpenOneUntilAt() throws {
    let result = try evaluate(
      daySLO(),
      [
        // 23:30 the day before to 00:45: 45 minutes inside the window.
        incident("a", created: "2026-11-01T23:30:00Z", changes: [("2026-11-02T00:45:00Z", status(.mitigated))]),
        // Still open: bad from 23:00 until the evaluation time, 60 minutes.
        incident("b", created: "2026-11-02T23:00:00Z"),
      ])
    #expect(result.bad == 105 * 60_000)
    // Evaluated earlier, the open incident counts only until then.
    #expect(try evaluate(daySLO(), [incident("b", created: "2026-11-02T23:00:00Z")], at: ts("2026-11-02T23:20:00Z")).bad == 20 * 60_000)
  }

  @Test func countsFromStartedAtWhenImpactBeganBeforeCreation() throws {
    let result = try evaluate(
      daySLO(),
      [
        incident(
          "a", created: "2026-11-02T10:00:00Z", startedAt: "2026-11-02T09:40:00Z", changes: [("2026-11-02T10:30:00Z", status(.mitigated))])
      ])
    #expect(result.bad == 50 * 60_000)
  }

  @Test func ignoresAnotherOrgsIncidentOnASameNamedService() throws {
    let result = try evaluate(
      daySLO(),
      [
        incident("other", created: "2026-11-02T10:00:00Z", org: "org_b", changes: [("2026-11-02T12:00:00Z", status(.mitigated))]),
        incident("elsewhere", created: "2026-11-02T10:00:00Z", service: "payments"),
      ])
    #expect(result.bad == 0)
    #expect(result.consumed == 0)
    #expect(result.status == .met)
    #expect(throws: SLOEvaluationError.self) { try evaluate(daySLO(org: nil), []) }
    #expect(try SLOEngine.evaluate(daySLO(org: nil), incidents: [], at: endOfDay, defaultOrgId: "org_b").orgId == "org_b")
  }

  @Test func countsWholeTimeSlicesClippedAtTheEvaluationTime() throws {
    // A calendar day in 1h slices, evaluated at 12:30: bad at 10:00–10:05 makes slice 10–11 bad (60 min);
    // bad at 12:10–12:20 makes the partial slice 12:00–12:30 bad (30 min). 90 minutes, 2 of 13 slices.
    let slo = daySLO(window: .calendar(unit: .day, timeZone: "UTC", text: "1d"), slices: 3_600_000)
    let result = try evaluate(
      slo,
      [
        incident("a", created: "2026-11-02T10:00:00Z", changes: [("2026-11-02T10:05:00Z", status(.mitigated))]),
        incident("b", created: "2026-11-02T12:10:00Z", changes: [("2026-11-02T12:20:00Z", status(.mitigated))]),
      ], at: ts("2026-11-02T12:30:00Z"))
    #expect(result.window == Interval(start: ts("2026-11-02T00:00:00Z"), end: ts("2026-11-03T00:00:00Z")))
    #expect(result.evaluated.end == ts("2026-11-02T12:30:00Z"))
    #expect(result.bad == 90 * 60_000)
    #expect(result.timeSlices?.bad == 2)
    #expect(result.timeSlices?.total == 13)
    #expect(close(result.consumed, 6.25), "90 minutes of a 14.4-minute budget")
    // The explanation keeps the real bad time, before slicing.
    #expect(result.explainedIntervals.map(\.interval.milliseconds) == [300_000, 600_000])
  }

  @Test func findsCalendarMonthsAndISOWeeks() throws {
    let month = try evaluate(daySLO(window: .calendar(unit: .month, timeZone: "UTC", text: "1M")), [], at: ts("2026-11-23T00:00:00Z"))
    #expect(month.window == Interval(start: ts("2026-11-01T00:00:00Z"), end: ts("2026-12-01T00:00:00Z")))
    #expect(close(month.errorBudget, 0.01 * 30 * 86_400_000))
    let week = try evaluate(daySLO(window: .calendar(unit: .week, timeZone: "UTC", text: "1w")), [], at: ts("2026-11-25T06:00:00Z"))
    #expect(week.window == Interval(start: ts("2026-11-23T00:00:00Z"), end: ts("2026-11-30T00:00:00Z")))
    let paris = try evaluate(
      daySLO(window: .calendar(unit: .month, timeZone: "Europe/Paris", text: "1M")), [], at: ts("2026-11-01T00:30:00Z"))
    #expect(paris.window == Interval(start: ts("2026-10-31T23:00:00Z"), end: ts("2026-11-30T23:00:00Z")))
    let quarter = try evaluate(daySLO(window: .calendar(unit: .quarter, timeZone: "UTC", text: "1Q")), [], at: ts("2026-11-23T00:00:00Z"))
    #expect(quarter.window == Interval(start: ts("2026-10-01T00:00:00Z"), end: ts("2027-01-01T00:00:00Z")))
    // A month's days, in the SLO's zone.
    #expect(month.daily.count == 22)
    #expect(month.daily.first?.date == CivilDate(year: 2026, month: 11, day: 1))
  }

  @Test func handlesTargetsOf100And0Percent() throws {
    let bad = [incident("a", created: "2026-11-02T10:00:00Z", changes: [("2026-11-02T10:30:00Z", status(.mitigated))])]
    let perfect = try evaluate(daySLO(target: 1), bad)
    #expect(perfect.errorBudget == 0)
    #expect(perfect.consumed == nil && perfect.remaining == nil && perfect.burnRate == nil)
    #expect(perfect.status == .breached)
    #expect(perfect.notes == ["the target is 100%: the error budget is zero, and any bad time breaches it"])
    let clean = try evaluate(daySLO(target: 1), [])
    #expect(clean.consumed == 0 && clean.remaining == 1 && clean.status == .met)
    let anything = try evaluate(daySLO(target: 0), bad)
    #expect(anything.errorBudget == 86_400_000)
    #expect(close(anything.consumed, 1_800_000.0 / 86_400_000))
    #expect(anything.status == .met)
  }

  @Test func breachesBelowTheMinimumRemaining() throws {
    // 7.2 minutes of a 14.4-minute budget: half remains.
    let half = [incident("a", created: "2026-11-02T10:00:00Z", changes: [("2026-11-02T10:07:12Z", status(.mitigated))])]
    #expect(try SLOEngine.evaluate(daySLO(), incidents: half, at: endOfDay, minimumRemaining: 0.5).status == .met)
    let strict = try SLOEngine.evaluate(daySLO(), incidents: half, at: endOfDay, minimumRemaining: 0.6)
    #expect(strict.status == .breached)
    #expect(abs((strict.breachMargin ?? 0) - 0.1) < 1e-12)
  }

  @Test func comparesLiveRecordsWithTheRecomputedConsumption() throws {
    var f = EventFactory(orgId: "org_a", incidentId: "a")
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z"),
      f.event(
        "2026-11-02T10:29:00Z",
        .sloViolationRecorded(
          SLOViolationRecorded(
            sloId: "checkout-availability", windowStart: ts("2026-11-02T00:00:00Z"), windowEnd: ts("2026-11-03T00:00:00Z"),
            errorBudgetConsumed: 0.5, thresholdBreached: false))),
      f.status("2026-11-02T10:30:00Z", .mitigated),
    ]).snapshot
    let result = try evaluate(daySLO(), [snapshot])
    let record = try #require(result.recorded.first)
    // 30 minutes of a 14.4-minute budget over the record's own day.
    #expect(close(record.recomputed, 1_800_000.0 / 864_000))
    #expect(close(record.difference, 1_800_000.0 / 864_000 - 0.5))
    #expect(record.eventId == "a_e2")
  }

  /// The fold keeps bad time from one window before the SLO's window on, or from as far back as its alert windows
  /// read (3 days for the default policies of a 1-day SLO): a record early in the window is recomputed over its own
  /// window, one reaching further back is said not to be, and older bad time is not kept at all.
  @Test func recomputesARecordReachingOneWindowBackAndNoFurther() throws {
    func record(_ at: String, from start: String) -> (String, EventPayload) {
      (
        at,
        .sloViolationRecorded(
          SLOViolationRecorded(
            sloId: "checkout-availability", windowStart: ts(start), windowEnd: ts(at), errorBudgetConsumed: 1,
            thresholdBreached: true))
      )
    }
    // 30 minutes of bad time the day before the window, and 30 three days before it, past the alerts' 3 days.
    let dayBefore = incident("b", created: "2026-11-01T06:00:00Z", changes: [("2026-11-01T06:30:00Z", status(.mitigated))])
    let threeDaysBefore = incident("c", created: "2026-10-30T12:00:00Z", changes: [("2026-10-30T12:30:00Z", status(.mitigated))])
    // 20 minutes inside the window (00:00 to 00:20), with two records made while it was open.
    let inWindow = incident(
      "a", created: "2026-11-02T00:00:00Z",
      changes: [
        record("2026-11-02T00:10:00Z", from: "2026-11-01T00:10:00Z"),
        record("2026-11-02T00:15:00Z", from: "2026-10-30T00:15:00Z"),
        ("2026-11-02T00:20:00Z", status(.mitigated)),
      ])
    let result = try evaluate(daySLO(), [threeDaysBefore, dayBefore, inWindow])
    #expect(result.bad == 1_200_000)
    #expect(result.consumers.map(\.incidentId) == ["a"])
    #expect(result.recorded.count == 2)
    let oneDayBack = try #require(result.recorded.first { $0.recordedAt == ts("2026-11-02T00:10:00Z") })
    // b's 30 minutes and a's first 10, over a budget of 14.4 minutes.
    #expect(close(oneDayBack.recomputed, 2_400_000.0 / 864_000))
    let threeDaysBack = try #require(result.recorded.first { $0.recordedAt == ts("2026-11-02T00:15:00Z") })
    #expect(threeDaysBack.recomputed == nil)
    #expect(threeDaysBack.difference == nil)
  }
}

@Suite("SLO engine: request ratio and burn-rate alerts")
struct RatioAndAlertTests {
  private func ratioSLO(target: Double = 0.99) -> SLODefinition {
    SLODefinition(
      name: "checkout-requests", orgId: "org_a", service: "checkout-api", indicator: .requestRatio,
      window: .rolling(milliseconds: 86_400_000, text: "1d"), budgeting: .occurrences, target: target)
  }

  @Test func computesTheSLIFromRequestCounts() throws {
    var f = EventFactory(orgId: "org_a", incidentId: "a")
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z"),
      f.metric("2026-11-02T10:06:00Z", good: 990, total: 1000, windowEnd: "2026-11-02T10:05:00Z"),
      f.metric("2026-11-02T10:11:00Z", good: 995, total: 1000, observedAt: "2026-11-02T10:10:30Z"),
      f.metric("2026-11-02T10:16:00Z", good: 0, total: 500, service: "payments"),
      // Counts for the instant 2026-11-01T23:00, outside the window.
      f.metric("2026-11-02T10:20:00Z", good: 0, total: 500, windowEnd: "2026-11-01T23:00:00Z"),
    ]).snapshot
    let result = try evaluate(ratioSLO(), [snapshot])
    #expect(result.valid == 2000)
    #expect(result.bad == 15)
    #expect(result.sli == 0.9925)
    #expect(abs(result.errorBudget - 20) < 1e-9)
    #expect(abs((result.consumed ?? 0) - 0.75) < 1e-9)
    #expect(abs((result.burnRate ?? 0) - 0.75) < 1e-9)
    #expect(result.explainedSamples.map(\.sample.good) == [990, 995])
  }

  @Test func saysNoDataWithoutTraffic() throws {
    let result = try evaluate(ratioSLO(), [incident("a", created: "2026-11-02T10:00:00Z")])
    #expect(result.status == .noData)
    #expect(result.sli == nil && result.consumed == nil && result.remaining == nil && result.burnRate == nil)
    #expect(result.notes == ["no request counts in the window: the SLI is undefined and the budget untouched"])
    #expect(result.alerts.allSatisfy { !$0.firing && $0.longBurnRate == nil })
  }

  @Test(arguments: [(Int64(30), [14.4, 6.0, 1.0]), (Int64(28), [13.44, 5.6, 0.9333])] as [(Int64, [Double])])
  func derivesBurnRateFactorsFromThePeriod(days: Int64, factors: [Double]) {
    let computed = BurnRatePolicy.workbookDefaults.map { $0.factor(periodMs: days * 86_400_000) }
    for (value, expected) in zip(computed, factors) { #expect(abs(value - expected) < 1e-3, "\(computed)") }
  }

  @Test func firesWhenBothWindowsBurnTooFast() throws {
    let slo = SLODefinition(
      name: "s", orgId: "org_a", service: "checkout-api", indicator: .incidentTime(countedSeverities: [.sev1, .sev2]),
      window: .rolling(milliseconds: 28 * 86_400_000, text: "28d"), budgeting: .occurrences, target: 0.999)
    // Open for the last two hours: every window up to 2h is all bad (burn 1000).
    let open = try SLOEngine.evaluate(slo, incidents: [incident("a", created: "2026-11-02T22:00:00Z")], at: endOfDay)
    #expect(open.alerts.map(\.firing) == [true, true, true])
    #expect(abs((open.alerts[0].longBurnRate ?? 0) - 1000) < 1e-9)
    #expect(abs((open.alerts[2].longBurnRate ?? 0) - 2.0 / 72 / 0.001) < 1e-9)
    // Mitigated 90 minutes ago: the 1h windows are clean, the 6h one burns 1h/6h ÷ 0.001 ≈ 167 > 5.6 but its 30m short window is clean.
    let past = try SLOEngine.evaluate(
      slo, incidents: [incident("a", created: "2026-11-02T21:30:00Z", changes: [("2026-11-02T22:30:00Z", status(.mitigated))])],
      at: endOfDay)
    #expect(past.alerts.map(\.firing) == [false, false, true])
  }
}

/// Equal within a relative 1e-12: budgets like (1 − 0.99) × 86 400 000 are not exact in binary.
private func close(_ value: Double?, _ expected: Double) -> Bool {
  guard let value else { return false }
  return abs(value - expected) <= 1e-12 * max(1, abs(expected))
}

@Suite("SLO windows and batch evaluation")
struct SLOWindowDaysTests {
  @Test(arguments: [
    ("2026-11-02T10:30:00Z", "2026-11-05T00:00:00Z"), ("2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"),
    ("2024-02-27T23:59:59.999Z", "2024-03-02T00:00:00.001Z"), ("2026-12-31T12:00:00Z", "2027-01-01T12:00:00Z"),
    ("2026-11-02T10:00:00Z", "2026-11-02T10:00:00Z"),
  ])
  func utcDaysByArithmeticMatchTheCalendar(start: String, end: String) throws {
    let interval = Interval(start: try Timestamp(rfc3339: start), end: try Timestamp(rfc3339: end))
    // "Etc/UTC" goes through Foundation's calendar, "UTC" through day arithmetic.
    let byCalendar = SLOWindows.days(of: interval, zone: "Etc/UTC")
    let byArithmetic = SLOWindows.days(of: interval, zone: "UTC")
    #expect(byArithmetic.map(\.date) == byCalendar.map(\.date))
    #expect(byArithmetic.map(\.interval) == byCalendar.map(\.interval))
    #expect(byArithmetic.first?.interval.start ?? interval.start == interval.start)
  }

  /// The sample SLOs and incidents, evaluated at a time inside the samples' last week.
  private func samples() throws -> (definitions: [SLODefinition], incidents: [IncidentSnapshot], at: Timestamp) {
    let definitions = try SLODefinitionParser.parse(
      yaml: String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8), file: "samples/slos.yaml")
    let loaded = try IncidentLoader.load(from: JSONLinesSource(paths: [Repository.path("samples/events.jsonl")]), report: { _ in })
    return (definitions, loaded.snapshots, try Timestamp(rfc3339: "2026-11-23T06:00:00Z"))
  }

  @Test func batchEvaluationOnThreadsEqualsOneByOne() throws {
    let (definitions, loaded, at) = try samples()
    let oneByOne = try definitions.map { try SLOEngine.evaluate($0, incidents: loaded, at: at) }
    let batch = try SLOEngine.evaluate(definitions, incidents: loaded, at: at)
    #expect(batch.count == definitions.count && definitions.count > 3)
    #expect("\(batch)" == "\(oneByOne)")
    // The samples exercise every index the batch builds: services, request counts, live records.
    #expect(batch.contains { $0.measure == .events && $0.valid > 0 })
    #expect(batch.contains { !$0.recorded.isEmpty } && batch.contains { !$0.explainedIntervals.isEmpty })
  }

  @Test func withoutExplanationsEveryFigureIsTheSame() throws {
    let (definitions, loaded, at) = try samples()
    var explained = try SLOEngine.evaluate(definitions, incidents: loaded, at: at)
    let figures = try SLOEngine.evaluate(definitions, incidents: loaded, at: at, explain: false)
    #expect(explained.contains { !$0.explainedIntervals.isEmpty } && explained.contains { !$0.explainedSamples.isEmpty })
    for index in explained.indices {
      explained[index].explainedIntervals = []
      explained[index].explainedSamples = []
    }
    #expect("\(figures)" == "\(explained)")
  }
}

@Suite("OpenSLO timeSliceTarget and calendar.startTime")
struct SliceTargetAndStartTimeTests {
  @Test func aSliceIsBadOnlyWhenItsBadSharePassesTheSliceTarget() throws {
    // 1h slices at timeSliceTarget 0.95: a slice may hold 3 minutes of bad time and stay good.
    // 10:00–10:03 (3 min) leaves slice 10–11 good; 11:00–11:04 (4 min) makes slice 11–12 bad. One bad slice: 60 min.
    var slo = daySLO(window: .calendar(unit: .day, timeZone: "UTC", text: "1d"), slices: 3_600_000)
    slo.timeSliceTarget = 0.95
    let incidents = [
      incident("a", created: "2026-11-02T10:00:00Z", changes: [("2026-11-02T10:03:00Z", status(.mitigated))]),
      incident("b", created: "2026-11-02T11:00:00Z", changes: [("2026-11-02T11:04:00Z", status(.mitigated))]),
    ]
    let result = try evaluate(slo, incidents, at: ts("2026-11-02T12:30:00Z"))
    #expect(result.bad == 60 * 60_000)
    #expect(result.timeSlices?.bad == 1)
    // At the default target (1), any bad time makes its slice bad: both slices.
    slo.timeSliceTarget = 1
    #expect(try evaluate(slo, incidents, at: ts("2026-11-02T12:30:00Z")).timeSlices?.bad == 2)
  }

  @Test(arguments: [
    // unit, zone, startTime, instant, the unit holding it (worked out on a calendar).
    (CalendarUnit.week, "UTC", "2026-01-01 00:00:00", "2026-11-23T00:00:00Z", "2026-11-19T00:00:00Z", "2026-11-26T00:00:00Z"),
    (.day, "UTC", "2026-01-01 06:00:00", "2026-11-23T05:59:59.999Z", "2026-11-22T06:00:00Z", "2026-11-23T06:00:00Z"),
    // Months from the 15th at noon in New York (EST, UTC−5, in November; EDT, UTC−4, in October).
    (.month, "America/New_York", "2022-01-15 12:00:00", "2026-11-01T00:00:00Z", "2026-10-15T16:00:00Z", "2026-11-15T17:00:00Z"),
    // Quarters from 1 February: Nov–Jan holds 23 November.
    (.quarter, "UTC", "2026-02-01 00:00:00", "2026-11-23T00:00:00Z", "2026-11-01T00:00:00Z", "2027-02-01T00:00:00Z"),
  ])
  func calendarUnitsCountFromTheStartTime(
    unit: CalendarUnit, zone: String, start: String, instant: String, unitStart: String, unitEnd: String
  ) throws {
    #expect(LocalDateTime(start) != nil, "the start time reads")
    let window = SLOWindow.calendar(unit: unit, timeZone: zone, text: "1", start: LocalDateTime(start))
    #expect(SLOWindows.window(window, at: ts(instant)) == Interval(start: ts(unitStart), end: ts(unitEnd)))
  }

  @Test func aNaturalStartTimeChangesNothing() throws {
    let natural = SLOWindow.calendar(unit: .week, timeZone: "UTC", text: "1w", start: LocalDateTime("2025-12-29 00:00:00"))
    let plain = SLOWindow.calendar(unit: .week, timeZone: "UTC", text: "1w")
    #expect(SLOWindows.window(natural, at: ts("2026-11-25T06:00:00Z")) == SLOWindows.window(plain, at: ts("2026-11-25T06:00:00Z")))
    #expect(natural.description == "calendar ISO week (UTC)")
    let thursday = SLOWindow.calendar(unit: .week, timeZone: "UTC", text: "1w", start: LocalDateTime("2026-01-01 00:00:00"))
    #expect(thursday.description == "calendar week from 2026-01-01 00:00 (UTC)")
  }
}

@Suite("OpenSLO burn-rate conditions")
struct BurnRateConditionTests {
  private func slo(_ op: BurnRateCondition.Comparison, _ threshold: Double, alertAfter: Int64) -> SLODefinition {
    var slo = daySLO()
    slo.alertPolicies = [
      BurnRatePolicy(
        severity: "page",
        condition: BurnRateCondition(name: "c", op: op, threshold: threshold, lookbackWindowMs: 3_600_000, alertAfterMs: alertAfter))
    ]
    return slo
  }

  @Test func theConditionMustHoldOverAllOfAlertAfter() throws {
    // Bad 11:58–12:00, evaluated at 12:05. Over the hour before 12:05: 2 minutes bad, a burn of 2 ÷ (60 × 1%) = 3.33.
    // Over the hour before 11:55 (the start of a 10-minute alertAfter): nothing, a burn of 0.
    let incidents = [incident("a", created: "2026-11-02T11:58:00Z", changes: [("2026-11-02T12:00:00Z", status(.mitigated))])]
    let at = ts("2026-11-02T12:05:00Z")
    let now = try SLOEngine.evaluate(slo(.gte, 3, alertAfter: 0), incidents: incidents, at: at).alerts[0]
    #expect(now.firing)
    #expect(close(now.longBurnRate, 2.0 / 0.6))
    #expect(!(try SLOEngine.evaluate(slo(.gte, 3, alertAfter: 600_000), incidents: incidents, at: at).alerts[0].firing))
    // Below the threshold over the whole span: an `lt` condition holds throughout.
    #expect(try SLOEngine.evaluate(slo(.lt, 4, alertAfter: 600_000), incidents: incidents, at: at).alerts[0].firing)
  }

  @Test func aLongIncidentKeepsItFiringAcrossTheSpanWithTheMinimumInside() throws {
    // Bad 11:00–12:00, at 12:05, alertAfter 10 minutes: the hour-long burn over [11:55, 12:05] is lowest at the ends
    // (55 minutes bad, 91.7) and highest at 12:00 (60 minutes, 100): a threshold of 95 holds at 12:00 only.
    let incidents = [incident("a", created: "2026-11-02T11:00:00Z", changes: [("2026-11-02T12:00:00Z", status(.mitigated))])]
    let at = ts("2026-11-02T12:05:00Z")
    #expect(try SLOEngine.evaluate(slo(.gte, 90, alertAfter: 600_000), incidents: incidents, at: at).alerts[0].firing)
    #expect(!(try SLOEngine.evaluate(slo(.gte, 95, alertAfter: 600_000), incidents: incidents, at: at).alerts[0].firing))
    // `lte 95` fails at 12:00, a change point inside the span: checked there, not only at the ends.
    #expect(!(try SLOEngine.evaluate(slo(.lte, 95, alertAfter: 600_000), incidents: incidents, at: at).alerts[0].firing))
    #expect(try SLOEngine.evaluate(slo(.lte, 95, alertAfter: 0), incidents: incidents, at: at).alerts[0].firing)
  }
}

@Suite("Budget adjustments: planned work that does not burn the budget")
struct BudgetAdjustmentTests {
  private func adjustment(_ start: String, minutes: Int64, rule: String? = nil) throws -> BudgetAdjustment {
    BudgetAdjustment(
      name: "drill", reason: "failover drill", firstStart: ts(start), durationMs: minutes * 60_000,
      recurrence: try rule.map { try Recurrence.parse($0).get() }, sloNames: ["checkout-availability"])
  }

  @Test func badTimeInsideAnOccurrenceIsRemovedAndTheRawFiguresKept() throws {
    // Bad 10:00–11:00; the drill covers 10:30–11:00: 30 minutes remain of a 14.4-minute budget.
    var slo = daySLO()
    slo.adjustments = [try adjustment("2026-11-02T10:30:00Z", minutes: 30)]
    let incidents = [incident("a", created: "2026-11-02T10:00:00Z", changes: [("2026-11-02T11:00:00Z", status(.mitigated))])]
    let result = try evaluate(slo, incidents)
    #expect(result.bad == 30 * 60_000)
    #expect(close(result.raw?.bad, 3_600_000))
    #expect(close(result.raw?.consumed, 3_600_000.0 / 864_000))
    #expect(close(result.consumed, 1_800_000.0 / 864_000))
    #expect(
      result.adjustments == [
        AppliedAdjustment(
          name: "drill", reason: "failover drill",
          occurrence: Interval(start: ts("2026-11-02T10:30:00Z"), end: ts("2026-11-02T11:00:00Z")), removed: 30 * 60_000)
      ])
    // Without an occurrence in the window, nothing changes and no raw figures are shown.
    slo.adjustments = [try adjustment("2026-10-01T10:30:00Z", minutes: 30)]
    let untouched = try evaluate(slo, incidents)
    #expect(untouched.bad == 60 * 60_000 && untouched.raw == nil && untouched.adjustments.isEmpty)
  }

  @Test(arguments: [
    // rule, first start, the occurrences inside November 2026 (worked out on a calendar).
    ("FREQ=WEEKLY;COUNT=3", "2026-11-03T02:00:00Z", ["2026-11-03T02:00:00Z", "2026-11-10T02:00:00Z", "2026-11-17T02:00:00Z"]),
    ("FREQ=DAILY;INTERVAL=10;UNTIL=20261125T000000Z", "2026-10-31T23:00:00Z", ["2026-11-10T23:00:00Z", "2026-11-20T23:00:00Z"]),
    // The 31st falls on the last day of shorter months; counted from the first start, so it does not drift.
    ("FREQ=MONTHLY", "2026-08-31T12:00:00Z", ["2026-11-30T12:00:00Z"]),
    ("FREQ=YEARLY", "2024-11-15T00:00:00Z", ["2026-11-15T00:00:00Z"]),
  ])
  func recurrencesFollowTheirRule(rule: String, first: String, expected: [String]) throws {
    let drill = try adjustment(first, minutes: 60, rule: rule)
    let november = Interval(start: ts("2026-11-01T00:00:00Z"), end: ts("2026-12-01T00:00:00Z"))
    #expect(drill.occurrences(overlapping: november).map(\.start) == expected.map(ts))
  }

  @Test func rulesOutsideTheSupportedPartAreRefusedInWords() {
    #expect(Recurrence.parse("FREQ=WEEKLY;BYDAY=TU") == .failure(.unsupported("BYDAY=TU")))
    #expect(Recurrence.parse("INTERVAL=2") == .failure(.missingFrequency))
    #expect(Recurrence.parse("FREQ=HOURLY") == .failure(.unsupported("FREQ=HOURLY")))
    #expect(Recurrence.parse("FREQ=DAILY;COUNT=2;UNTIL=20261231") == .failure(.malformed("COUNT and UNTIL together")))
  }
}

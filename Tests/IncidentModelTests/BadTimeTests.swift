import IncidentModel
import TestSupport
import Testing

@Suite("Bad time of an incident (slo.md)")
struct BadTimeTests {
  private let at = ts("2026-11-03T00:00:00Z")

  @Test func countsFromTheImpactStartWhileOpenOrInvestigating() {
    var f = EventFactory()
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z", startedAt: "2026-11-02T09:45:00Z"),
      f.status("2026-11-02T10:10:00Z", .investigating),
      f.status("2026-11-02T10:40:00Z", .mitigated),
      f.status("2026-11-02T11:00:00Z", .investigating),  // reopened
      f.status("2026-11-02T11:20:00Z", .resolved),
    ]).snapshot
    #expect(
      snapshot.badIntervals(until: at) == [
        Interval(start: ts("2026-11-02T09:45:00Z"), end: ts("2026-11-02T10:40:00Z")),
        Interval(start: ts("2026-11-02T11:00:00Z"), end: ts("2026-11-02T11:20:00Z")),
      ])
    #expect(snapshot.badIntervals(until: at).totalMilliseconds == 75 * 60_000)
  }

  @Test func countsOnlyTheCountedSeveritiesAsTheyWereAtEachMoment() {
    var f = EventFactory()
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z", severity: .sev3, startedAt: "2026-11-02T09:50:00Z"),
      f.severity("2026-11-02T10:20:00Z", .sev1, from: .sev3),
      f.severity("2026-11-02T10:50:00Z", .sev3, from: .sev1),
      f.status("2026-11-02T11:00:00Z", .mitigated),
    ]).snapshot
    let counted: Set<Severity> = [.sev1, .sev2]
    #expect(
      snapshot.badIntervals(countedSeverities: counted, until: at) == [
        Interval(start: ts("2026-11-02T10:20:00Z"), end: ts("2026-11-02T10:50:00Z"))
      ])
    // SEV3 from the impact start (before creation) is counted when SEV3 is.
    #expect(snapshot.badIntervals(countedSeverities: [.sev3], until: at).totalMilliseconds == 40 * 60_000)
    #expect(snapshot.badIntervals(until: at).totalMilliseconds == 70 * 60_000)
  }

  @Test func anOpenIncidentIsBadUntilTheEvaluationTimeAndACancelledOneNever() {
    var f = EventFactory()
    let open = replay([f.created("2026-11-02T23:00:00Z")]).snapshot
    #expect(open.badIntervals(until: at) == [Interval(start: ts("2026-11-02T23:00:00Z"), end: at)])
    #expect(open.badIntervals(until: ts("2026-11-02T22:00:00Z")).isEmpty, "nothing counts after the evaluation time")
    var g = EventFactory()
    let cancelled = replay([g.created("2026-11-02T10:00:00Z"), g.status("2026-11-02T10:30:00Z", .cancelled)]).snapshot
    #expect(cancelled.badIntervals(until: at).isEmpty)
  }

  @Test func unionsAndClipsIntervals() {
    let intervals = [
      Interval(start: ts("2026-11-02T10:00:00Z"), end: ts("2026-11-02T11:00:00Z")),
      Interval(start: ts("2026-11-02T10:30:00Z"), end: ts("2026-11-02T12:00:00Z")),
      Interval(start: ts("2026-11-02T12:00:00Z"), end: ts("2026-11-02T12:30:00Z")),
      Interval(start: ts("2026-11-02T14:00:00Z"), end: ts("2026-11-02T14:00:00Z")),
    ]
    #expect(intervals.unioned() == [Interval(start: ts("2026-11-02T10:00:00Z"), end: ts("2026-11-02T12:30:00Z"))])
    let window = Interval(start: ts("2026-11-02T12:15:00Z"), end: ts("2026-11-03T00:00:00Z"))
    #expect(intervals.unioned().clipped(to: window).totalMilliseconds == 15 * 60_000)
  }
}

@Suite("ISO weeks")
struct ISOWeekTests {
  @Test(arguments: [
    // week, its Monday (checked with `date -d ... +%G-W%V`)
    ("2026-W47", "2026-11-16"), ("2026-W01", "2025-12-29"), ("2020-W53", "2020-12-28"), ("2027-W01", "2027-01-04"),
  ])
  func findsTheMonday(week: String, monday: String) throws {
    let parsed = try #require(ISOWeek(week))
    #expect(parsed.monday == CivilDate(iso: monday))
    #expect(parsed.description == week)
    #expect(ISOWeek(containing: parsed.monday) == parsed)
    #expect(ISOWeek(containing: CivilDate(daysSinceEpoch: parsed.monday.daysSinceEpoch + 6)) == parsed)
  }

  @Test func rejectsWeeksTheYearDoesNotHave() {
    #expect(ISOWeek("2025-W53") == nil, "2025 starts on a Wednesday and is not a leap year: 52 weeks")
    #expect(ISOWeek("2026-W53")?.monday == CivilDate(iso: "2026-12-28"), "2026 starts on a Thursday: 53 weeks")
    #expect(ISOWeek("2020-W53") != nil)
    #expect(ISOWeek("2026-47") == nil)
    #expect(ISOWeek("2026-W00") == nil)
  }

  @Test func theLastCompleteWeekIsTheOneBeforeTheCurrentWeek() {
    #expect(ISOWeek.lastComplete(before: ts("2026-11-23T06:00:00Z")).description == "2026-W47")
    #expect(ISOWeek.lastComplete(before: ts("2026-11-22T23:59:59Z")).description == "2026-W46")
    #expect(ISOWeek("2026-W47")?.interval == Interval(start: ts("2026-11-16T00:00:00Z"), end: ts("2026-11-23T00:00:00Z")))
  }
}

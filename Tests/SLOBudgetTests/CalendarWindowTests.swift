import IncidentModel
import SLOBudget
import TestSupport
import Testing

/// Calendar units at their boundaries, worked out by hand from the calendar (and, in Paris, from the
/// DST changes of 2026: summer time from 29 March 01:00Z, winter time from 25 October 01:00Z).
@Suite("Calendar windows at their boundaries")
struct CalendarWindowTests {
  struct Boundary: Sendable, CustomTestStringConvertible {
    var unit: CalendarUnit
    var zone: String
    /// The instant a unit starts.
    var boundary: String
    /// The unit that starts there, and the one that ends there.
    var starting: (String, String)
    var ending: (String, String)
    var testDescription: String { "\(unit) in \(zone) at \(boundary)" }
  }

  static let boundaries: [Boundary] = [
    Boundary(
      unit: .day, zone: "UTC", boundary: "2026-11-23T00:00:00Z", starting: ("2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z"),
      ending: ("2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z")),
    // 2026-11-23 is the Monday that starts ISO week W48.
    Boundary(
      unit: .week, zone: "UTC", boundary: "2026-11-23T00:00:00Z", starting: ("2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z"),
      ending: ("2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z")),
    Boundary(
      unit: .month, zone: "UTC", boundary: "2026-12-01T00:00:00Z", starting: ("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
      ending: ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")),
    Boundary(
      unit: .quarter, zone: "UTC", boundary: "2026-10-01T00:00:00Z", starting: ("2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"),
      ending: ("2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z")),
    Boundary(
      unit: .year, zone: "UTC", boundary: "2027-01-01T00:00:00Z", starting: ("2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"),
      ending: ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")),
    // Paris: midnight of 26 October (CET, +01:00) ends the 25-hour day of 25 October.
    Boundary(
      unit: .day, zone: "Europe/Paris", boundary: "2026-10-25T23:00:00Z",
      starting: ("2026-10-25T23:00:00Z", "2026-10-26T23:00:00Z"), ending: ("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z")),
    // The ISO week of 19–25 October starts in summer time and ends in winter time.
    Boundary(
      unit: .week, zone: "Europe/Paris", boundary: "2026-10-25T23:00:00Z",
      starting: ("2026-10-25T23:00:00Z", "2026-11-01T23:00:00Z"), ending: ("2026-10-18T22:00:00Z", "2026-10-25T23:00:00Z")),
    Boundary(
      unit: .month, zone: "Europe/Paris", boundary: "2026-10-31T23:00:00Z",
      starting: ("2026-10-31T23:00:00Z", "2026-11-30T23:00:00Z"), ending: ("2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z")),
    // Q2 starts on 1 April at 00:00 CEST; Q1 started on 1 January at 00:00 CET.
    Boundary(
      unit: .quarter, zone: "Europe/Paris", boundary: "2026-03-31T22:00:00Z",
      starting: ("2026-03-31T22:00:00Z", "2026-06-30T22:00:00Z"), ending: ("2025-12-31T23:00:00Z", "2026-03-31T22:00:00Z")),
    Boundary(
      unit: .year, zone: "Europe/Paris", boundary: "2026-12-31T23:00:00Z",
      starting: ("2026-12-31T23:00:00Z", "2027-12-31T23:00:00Z"), ending: ("2025-12-31T23:00:00Z", "2026-12-31T23:00:00Z")),
  ]

  private func interval(_ pair: (String, String)) -> Interval { Interval(start: ts(pair.0), end: ts(pair.1)) }

  @Test(arguments: boundaries)
  func anInstantBelongsToTheUnitItStarts(_ case: Boundary) {
    let window = SLOWindow.calendar(unit: `case`.unit, timeZone: `case`.zone, text: "1")
    let boundary = ts(`case`.boundary)
    #expect(SLOWindows.window(window, at: boundary) == interval(`case`.starting), "exactly on the boundary")
    #expect(SLOWindows.window(window, at: boundary.adding(milliseconds: 1)) == interval(`case`.starting), "one millisecond after")
    #expect(SLOWindows.window(window, at: boundary.adding(milliseconds: -1)) == interval(`case`.ending), "one millisecond before")
  }

  @Test(arguments: boundaries)
  func aReportOfThePeriodEndingThereScoresThePeriodsOwnUnit(_ case: Boundary) {
    let window = SLOWindow.calendar(unit: `case`.unit, timeZone: `case`.zone, text: "1")
    let end = ts(`case`.boundary)
    #expect(SLOWindows.window(window, at: end, unitHolding: end.adding(milliseconds: -1)) == interval(`case`.ending))
  }
}

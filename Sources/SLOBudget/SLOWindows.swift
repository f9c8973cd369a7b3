import Foundation
public import IncidentModel

/// Where an SLO's window lies for an evaluation time, and its calendar days.
///
/// Foundation's `Calendar` is used only for calendar windows and day boundaries
/// in a named time zone; the evaluation time always comes from the caller.
public enum SLOWindows {
  /// The whole window: `[at − length, at)` for a rolling window, the calendar unit containing
  /// `unitHolding` (by default `at`) otherwise.
  ///
  /// Units are half-open: an instant exactly on a boundary belongs to the unit it starts. A report of
  /// a period passes the period's last instant as `unitHolding`, so that the unit it scores is the one
  /// the period covers (see the SLO semantics, "Reports of a period").
  public static func window(_ window: SLOWindow, at: Timestamp, unitHolding: Timestamp? = nil) -> Interval {
    switch window {
    case .rolling(let length, _):
      return Interval(start: at.adding(milliseconds: -length), end: at)
    case .calendar(let unit, let zone, _, let start):
      let reference = unitHolding ?? at
      if let start, !start.isNaturalStart(of: unit) { return anchoredUnit(unit, from: start, zone: zone, holding: reference) }
      let calendar = calendar(zone: zone, iso: unit == .week)
      let date = Date(timeIntervalSince1970: Double(reference.millisecondsSinceEpoch) / 1000)
      let component: Calendar.Component
      switch unit {
      case .day: component = .day
      case .week: component = .weekOfYear
      case .month: component = .month
      case .year: component = .year
      case .quarter:
        // Foundation's `.quarter` is not reliable on every platform: three months from the quarter's first.
        let month = calendar.component(.month, from: date)
        var first = calendar.dateComponents([.year], from: date)
        first.month = (month - 1) / 3 * 3 + 1
        first.day = 1
        let start = calendar.date(from: first) ?? date
        let end = calendar.date(byAdding: .month, value: 3, to: start) ?? date
        return Interval(start: timestamp(start), end: timestamp(end))
      }
      guard let interval = calendar.dateInterval(of: component, for: date) else {
        return Interval(start: at, end: at)
      }
      return Interval(start: timestamp(interval.start), end: timestamp(interval.end))
    }
  }

  /// The window's time zone: its own for a calendar window, UTC for a rolling one.
  public static func timeZone(of window: SLOWindow) -> String {
    if case .calendar(_, let zone, _, _) = window { return zone }
    return "UTC"
  }

  /// The calendar days of `interval` in `zone`, each clipped to it, with its local date.
  public static func days(of interval: Interval, zone: String) -> [(date: CivilDate, interval: Interval)] {
    // UTC days are whole multiples of 86 400 000 ms: arithmetic, not a calendar, for the common case.
    if zone == "UTC" {
      var days: [(CivilDate, Interval)] = []
      var cursor = interval.start
      while cursor < interval.end {
        let date = cursor.utcDate
        let end = CivilDate(daysSinceEpoch: date.daysSinceEpoch + 1).startOfDayUTC
        days.append((date, Interval(start: cursor, end: min(end, interval.end))))
        cursor = end
      }
      return days
    }
    let calendar = calendar(zone: zone, iso: false)
    var days: [(CivilDate, Interval)] = []
    var cursor = Date(timeIntervalSince1970: Double(interval.start.millisecondsSinceEpoch) / 1000)
    while timestamp(cursor) < interval.end {
      guard let day = calendar.dateInterval(of: .day, for: cursor) else { break }
      let parts = calendar.dateComponents([.year, .month, .day], from: day.start)
      let piece = Interval(start: max(timestamp(day.start), interval.start), end: min(timestamp(day.end), interval.end))
      days.append((CivilDate(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0), piece))
      cursor = day.end
    }
    return days
  }

  /// The unit holding `reference` among those counted from `start` (local time in `zone`): the k-th
  /// starts `k` units after `start`, each computed from `start` so that month ends do not drift.
  private static func anchoredUnit(_ unit: CalendarUnit, from start: LocalDateTime, zone: String, holding reference: Timestamp)
    -> Interval
  {
    let calendar = calendar(zone: zone, iso: false)
    var parts = DateComponents()
    (parts.year, parts.month, parts.day) = (start.date.year, start.date.month, start.date.day)
    (parts.hour, parts.minute, parts.second) = (start.hour, start.minute, start.second)
    guard let anchor = calendar.date(from: parts) else { return Interval(start: reference, end: reference) }
    let (component, step, approximateSeconds): (Calendar.Component, Int, Double) =
      switch unit {
      case .day: (.day, 1, 86_400)
      case .week: (.day, 7, 604_800)
      case .month: (.month, 1, 2_629_746)
      case .quarter: (.month, 3, 7_889_238)
      case .year: (.year, 1, 31_556_952)
      }
    let target = Date(timeIntervalSince1970: Double(reference.millisecondsSinceEpoch) / 1000)
    func unitStart(_ k: Int) -> Date { calendar.date(byAdding: component, value: k * step, to: anchor) ?? anchor }
    // An estimate, then exact steps: at most a couple either way.
    var k = Int((target.timeIntervalSince(anchor) / approximateSeconds).rounded(.down))
    while unitStart(k) > target { k -= 1 }
    while unitStart(k + 1) <= target { k += 1 }
    return Interval(start: timestamp(unitStart(k)), end: timestamp(unitStart(k + 1)))
  }

  private static func calendar(zone: String, iso: Bool) -> Calendar {
    var calendar = Calendar(identifier: iso ? .iso8601 : .gregorian)
    calendar.timeZone = TimeZone(identifier: zone) ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
    if iso {
      calendar.firstWeekday = 2
      calendar.minimumDaysInFirstWeek = 4
    }
    return calendar
  }

  private static func timestamp(_ date: Date) -> Timestamp {
    Timestamp(millisecondsSinceEpoch: Int64((date.timeIntervalSince1970 * 1000).rounded()))
  }
}

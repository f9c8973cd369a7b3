import ArgumentParser
import IncidentModel

/// The period a report covers: `--week`, or `--since` and `--until`, else the last complete ISO week before `--at`.
///
/// Shared by `reliability patterns` and `reliability weekly`; for them `--since`
/// and `--until` name the period and do not cut events.
enum PeriodSelection {
  static func validate(week: String?, input: InputOptions) throws {
    if week != nil && (input.since != nil || input.until != nil) {
      throw ValidationError("'--week' and '--since'/'--until' both name the period: give one.")
    }
    if let week, ISOWeek(week) == nil { throw ValidationError("'--week' must be an ISO week as 2026-W47 (got '\(week)').") }
    if (input.since == nil) != (input.until == nil) { throw ValidationError("Give both '--since' and '--until', or '--week'.") }
  }

  /// The period and its label: `2026-W47`, or `2026-11-01_2026-11-08` for `--since`/`--until`.
  static func resolve(week: String?, input: InputOptions, at: Timestamp) throws -> (period: Interval, label: String, isWeek: Bool) {
    if let week, let isoWeek = ISOWeek(week) { return (isoWeek.interval, isoWeek.description, true) }
    let filter = try input.filter
    if let since = filter.since, let until = filter.until {
      return (Interval(start: since, end: until), "\(since.utcDate)_\(until.utcDate)", false)
    }
    let isoWeek = ISOWeek.lastComplete(before: at)
    return (isoWeek.interval, isoWeek.description, true)
  }
}

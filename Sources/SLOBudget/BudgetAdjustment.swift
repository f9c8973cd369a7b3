import Foundation
public import IncidentModel

/// Planned work that must not burn the budget: an OpenSLO `kind: BudgetAdjustment` (the v2alpha
/// proposal's shape, as Nobl9 writes it), once or recurring, for the SLOs it names.
///
/// Bad time and request counts inside an occurrence do not count against those SLOs; every output
/// shows the raw figures beside the adjusted ones, so that a reviewer sees what was excluded.
public struct BudgetAdjustment: Sendable, Hashable {
  /// `metadata.name`.
  public var name: String
  /// `spec.description`: why the time is excluded.
  public var reason: String
  /// `spec.firstEventStart`.
  public var firstStart: Timestamp
  /// `spec.duration`, in milliseconds.
  public var durationMs: Int64
  /// `spec.rrule`; nil for a single occurrence.
  public var recurrence: Recurrence?
  /// `spec.filters.slos[].name`.
  public var sloNames: [String]

  public init(
    name: String, reason: String, firstStart: Timestamp, durationMs: Int64, recurrence: Recurrence? = nil, sloNames: [String]
  ) {
    self.name = name
    self.reason = reason
    self.firstStart = firstStart
    self.durationMs = durationMs
    self.recurrence = recurrence
    self.sloNames = sloNames
  }

  /// The occurrences that overlap `interval`, in order.
  public func occurrences(overlapping interval: Interval) -> [Interval] {
    var found: [Interval] = []
    var index = 0
    // Occurrences start in order: skip ahead to those that can still overlap, then stop after the interval.
    if let recurrence, recurrence.frequency.fixedMilliseconds != nil, let step = recurrence.stepMilliseconds {
      let behind = interval.start.millisecondsSinceEpoch - durationMs - firstStart.millisecondsSinceEpoch
      if behind > 0 { index = Int(behind / step) }
    }
    func start(_ index: Int) -> Timestamp? {
      guard let recurrence else { return index == 0 ? firstStart : nil }
      return recurrence.start(index, from: firstStart)
    }
    // Bounded: every occurrence lies in the years 0000–9999, and monthly steps over them are 120 000.
    while index <= 1_000_000, let begin = start(index), begin < interval.end {
      let occurrence = Interval(start: begin, end: begin.adding(milliseconds: durationMs))
      if occurrence.end > interval.start { found.append(occurrence) }
      index += 1
    }
    return found
  }
}

/// The part of RFC 5545's RRULE that planned work uses.
///
/// `FREQ` (`DAILY`, `WEEKLY`, `MONTHLY`, `YEARLY`), `INTERVAL`, and an end by `COUNT` or `UNTIL`.
/// Months and years step in UTC dates from the first start (an occurrence on the 31st falls on the
/// last day of shorter months).
public struct Recurrence: Sendable, Hashable {
  public enum Frequency: String, Sendable, Hashable {
    case daily = "DAILY"
    case weekly = "WEEKLY"
    case monthly = "MONTHLY"
    case yearly = "YEARLY"

    var fixedMilliseconds: Int64? {
      switch self {
      case .daily: 86_400_000
      case .weekly: 604_800_000
      case .monthly, .yearly: nil
      }
    }
  }

  public var frequency: Frequency
  public var interval: Int
  public var count: Int?
  public var until: Timestamp?

  public init(frequency: Frequency, interval: Int = 1, count: Int? = nil, until: Timestamp? = nil) {
    self.frequency = frequency
    self.interval = interval
    self.count = count
    self.until = until
  }

  var stepMilliseconds: Int64? { frequency.fixedMilliseconds.map { $0 * Int64(interval) } }

  /// Why `text` is not a rule this reads, or the rule.
  public static func parse(_ text: String) -> Result<Recurrence, RecurrenceError> {
    var fields: [String: String] = [:]
    let body = text.hasPrefix("RRULE:") ? String(text.dropFirst(6)) : text
    for part in body.split(separator: ";") where !part.isEmpty {
      let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
      guard pair.count == 2 else { return .failure(.malformed(String(part))) }
      fields[pair[0].uppercased()] = pair[1]
    }
    guard let frequencyText = fields.removeValue(forKey: "FREQ") else { return .failure(.missingFrequency) }
    guard let frequency = Frequency(rawValue: frequencyText.uppercased()) else { return .failure(.unsupported("FREQ=\(frequencyText)")) }
    var rule = Recurrence(frequency: frequency)
    if let text = fields.removeValue(forKey: "INTERVAL") {
      guard let value = Int(text), value >= 1, value <= 10_000 else { return .failure(.malformed("INTERVAL=\(text)")) }
      rule.interval = value
    }
    if let text = fields.removeValue(forKey: "COUNT") {
      guard let value = Int(text), value >= 1, value <= 100_000 else { return .failure(.malformed("COUNT=\(text)")) }
      rule.count = value
    }
    if let text = fields.removeValue(forKey: "UNTIL") {
      guard let value = untilInstant(text) else { return .failure(.malformed("UNTIL=\(text)")) }
      rule.until = value
    }
    if rule.count != nil && rule.until != nil { return .failure(.malformed("COUNT and UNTIL together")) }
    if let other = fields.keys.sorted().first { return .failure(.unsupported("\(other)=\(fields[other] ?? "")")) }
    return .success(rule)
  }

  /// `20261231T235959Z` or `20261231` (a date: its end, in UTC).
  private static func untilInstant(_ text: String) -> Timestamp? {
    let digits = text.filter(\.isNumber)
    guard digits.count == 8 || digits.count == 14, text.count == 8 || (text.count == 16 && text.hasSuffix("Z")) else { return nil }
    func part(_ from: Int, _ length: Int) -> String {
      String(digits.dropFirst(from).prefix(length))
    }
    let date = "\(part(0, 4))-\(part(4, 2))-\(part(6, 2))"
    let time = digits.count == 14 ? "\(part(8, 2)):\(part(10, 2)):\(part(12, 2))" : "23:59:59.999"
    return try? Timestamp(rfc3339: "\(date)T\(time)Z")
  }

  /// The start of occurrence `index` (0 is `first`), or nil past the rule's end.
  func start(_ index: Int, from first: Timestamp) -> Timestamp? {
    if let count, index >= count { return nil }
    let start: Timestamp
    if let step = stepMilliseconds {
      start = first.adding(milliseconds: Int64(index) * step)
    } else {
      let months = index * interval * (frequency == .yearly ? 12 : 1)
      let day = first.utcDate
      let total = day.year * 12 + (day.month - 1) + months
      let (year, month) = (total / 12, total % 12 + 1)
      let length = CivilDate(year: year, month: month, day: 1).daysInMonth
      let shifted = CivilDate(year: year, month: month, day: min(day.day, length))
      let offset = first.millisecondsSinceEpoch - day.startOfDayUTC.millisecondsSinceEpoch
      start = shifted.startOfDayUTC.adding(milliseconds: offset)
    }
    if let until, start > until { return nil }
    return start
  }
}

/// Why an `rrule` cannot be read.
public enum RecurrenceError: Error, Sendable, Equatable, CustomStringConvertible {
  case missingFrequency
  case malformed(String)
  case unsupported(String)

  public var description: String {
    switch self {
    case .missingFrequency: "needs FREQ (DAILY, WEEKLY, MONTHLY or YEARLY)"
    case .malformed(let part): "\(part) is not valid"
    case .unsupported(let part): "\(part) is not supported: use FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL, and COUNT or UNTIL"
    }
  }
}

/// One occurrence of an adjustment that applied to an SLO, and what it removed.
public struct AppliedAdjustment: Sendable, Hashable {
  public var name: String
  public var reason: String
  /// The occurrence, clipped to the evaluated window.
  public var occurrence: Interval
  /// Bad milliseconds, or bad requests, that it took out of the figures.
  public var removed: Double

  public init(name: String, reason: String, occurrence: Interval, removed: Double) {
    self.name = name
    self.reason = reason
    self.occurrence = occurrence
    self.removed = removed
  }
}

/// The occurrences of one adjustment that applied to an SLO, taken together.
public struct AdjustmentSummary: Sendable, Hashable {
  public var name: String
  public var reason: String
  public var occurrences: Int
  /// Bad milliseconds, or bad requests, that all of them took out.
  public var removed: Double
}

extension [AppliedAdjustment] {
  /// One summary per adjustment, in the order they first appear.
  public var summaries: [AdjustmentSummary] {
    var summaries: [AdjustmentSummary] = []
    for applied in self {
      if let index = summaries.firstIndex(where: { $0.name == applied.name }) {
        summaries[index].occurrences += 1
        summaries[index].removed += applied.removed
      } else {
        summaries.append(AdjustmentSummary(name: applied.name, reason: applied.reason, occurrences: 1, removed: applied.removed))
      }
    }
    return summaries
  }
}

/// The figures an SLO would have without its budget adjustments.
public struct RawFigures: Sendable, Hashable {
  public var valid: Double
  public var bad: Double
  public var sli: Double?
  public var consumed: Double?
  public var remaining: Double?
  public var status: SLOStatus
  /// The daily series without the adjustments.
  public var daily: [DailyBudget]
}

/// An instant with millisecond precision, read from and written as RFC 3339.
///
/// Ordering and equality are by instant only: `10:00:00+02:00` equals `08:00:00Z`.
/// The UTC offset the producer wrote is kept so a timeline can show it, but it
/// never changes a comparison. Finer fractions than milliseconds are truncated
/// toward the past, so the same text always yields the same instant.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// Milliseconds since 1970-01-01T00:00:00Z.
  public let millisecondsSinceEpoch: Int64
  /// The offset from UTC, in minutes, that the source text carried (`Z` is 0).
  public let utcOffsetMinutes: Int16

  /// The earliest instant the toolkit reads or writes: 0000-01-01T00:00:00.000Z.
  ///
  /// RFC 3339 writes years with four digits, so instants before 0000 or after 9999 (UTC) could
  /// not be exported and read back; every source refuses them alike.
  public static let earliest = Timestamp(millisecondsSinceEpoch: -62_167_219_200_000)
  /// The latest instant the toolkit reads or writes: 9999-12-31T23:59:59.999Z.
  public static let latest = Timestamp(millisecondsSinceEpoch: 253_402_300_799_999)

  /// Whether the instant lies in ``earliest``...``latest``.
  public var isRepresentable: Bool { self >= Self.earliest && self <= Self.latest }

  public init(millisecondsSinceEpoch: Int64, utcOffsetMinutes: Int16 = 0) {
    self.millisecondsSinceEpoch = millisecondsSinceEpoch
    self.utcOffsetMinutes = utcOffsetMinutes
  }

  public static func == (lhs: Timestamp, rhs: Timestamp) -> Bool {
    lhs.millisecondsSinceEpoch == rhs.millisecondsSinceEpoch
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(millisecondsSinceEpoch)
  }

  public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
    lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
  }

  /// The instant `milliseconds` later (earlier when negative), keeping the offset.
  public func adding(milliseconds: Int64) -> Timestamp {
    Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds, utcOffsetMinutes: utcOffsetMinutes)
  }

  /// The same instant expressed in UTC.
  public var inUTC: Timestamp { Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch) }

  /// The canonical form: RFC 3339 in UTC with milliseconds, as in `2026-11-02T10:15:30.123Z`.
  public var description: String { rfc3339(preservingOffset: false) }

  /// RFC 3339 with milliseconds, in UTC or in the offset the source carried.
  public func rfc3339(preservingOffset: Bool) -> String {
    let offset = preservingOffset ? Int64(utcOffsetMinutes) : 0
    let local = millisecondsSinceEpoch + offset * 60_000
    let (days, msOfDay) = local.floorDivided(by: 86_400_000)
    let date = CivilDate(daysSinceEpoch: days)
    let hour = msOfDay / 3_600_000
    let minute = msOfDay / 60_000 % 60
    let second = msOfDay / 1000 % 60
    let millis = msOfDay % 1000
    var text = "\(date)T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(millis, 3))"
    if offset == 0 {
      text += "Z"
    } else {
      let sign = offset < 0 ? "-" : "+"
      text += "\(sign)\(pad(abs(offset) / 60, 2)):\(pad(abs(offset) % 60, 2))"
    }
    return text
  }

  /// The calendar date of this instant in UTC.
  public var utcDate: CivilDate {
    CivilDate(daysSinceEpoch: millisecondsSinceEpoch.floorDivided(by: 86_400_000).quotient)
  }
}

// MARK: - Parsing

extension Timestamp {
  /// Why a text is not an RFC 3339 timestamp.
  public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(expected: String, at: Int)
    case outOfRange(component: String, value: Int)
    /// A valid text whose instant, in UTC, falls outside the years 0000–9999.
    case unrepresentable

    public var description: String {
      switch self {
      case .malformed(let expected, let at): "expected \(expected) at character \(at + 1)"
      case .outOfRange(let component, let value): "\(component) \(value) is out of range"
      case .unrepresentable: "in UTC it falls outside the years 0000–9999 that timestamps may have"
      }
    }
  }

  /// Parses RFC 3339 (`2026-11-02T10:15:30.123Z`, `...+02:00`, with or without
  /// fractional seconds; `t`, `z` and a space separator are accepted as RFC 3339 allows).
  public init(rfc3339 text: String) throws(ParseError) {
    var text = text
    let parsed = text.withUTF8 { bytes in Result { () throws(ParseError) in try Timestamp(rfc3339Bytes: bytes) } }
    self = try parsed.get()
  }

  /// Parses RFC 3339 from UTF-8 bytes without creating a `String`: the JSON reader's hot path.
  public init(rfc3339Bytes b: UnsafeBufferPointer<UInt8>) throws(ParseError) {
    var i = 0
    func digits(_ count: Int, _ what: String) throws(ParseError) -> Int {
      var value = 0
      for _ in 0..<count {
        guard i < b.count, b[i] &- 0x30 < 10 else { throw .malformed(expected: what, at: i) }
        value = value * 10 + Int(b[i] &- 0x30)
        i += 1
      }
      return value
    }
    func expect(_ byte: UInt8, _ what: String) throws(ParseError) {
      guard i < b.count, b[i] == byte else { throw .malformed(expected: what, at: i) }
      i += 1
    }
    let year = try digits(4, "a 4-digit year")
    try expect(0x2D, "'-'")
    let month = try digits(2, "a 2-digit month")
    try expect(0x2D, "'-'")
    let day = try digits(2, "a 2-digit day")
    guard i < b.count, b[i] == 0x54 || b[i] == 0x74 || b[i] == 0x20 else {
      throw .malformed(expected: "'T' and a time", at: i)
    }
    i += 1
    let hour = try digits(2, "a 2-digit hour")
    try expect(0x3A, "':'")
    let minute = try digits(2, "a 2-digit minute")
    try expect(0x3A, "':'")
    let second = try digits(2, "2-digit seconds")
    var millis = 0
    if i < b.count, b[i] == 0x2E {
      i += 1
      var scale = 100
      let start = i
      while i < b.count, b[i] &- 0x30 < 10 {
        millis += Int(b[i] &- 0x30) * scale
        scale /= 10
        i += 1
      }
      guard i > start else { throw .malformed(expected: "fraction digits", at: i) }
    }
    var offsetMinutes = 0
    guard i < b.count else { throw .malformed(expected: "'Z' or a UTC offset", at: i) }
    switch b[i] {
    case 0x5A, 0x7A:
      i += 1
    case 0x2B, 0x2D:
      let negative = b[i] == 0x2D
      i += 1
      let offsetHour = try digits(2, "a 2-digit offset hour")
      try expect(0x3A, "':' in the offset")
      let offsetMinute = try digits(2, "2-digit offset minutes")
      guard offsetHour < 24 else { throw .outOfRange(component: "offset hour", value: offsetHour) }
      guard offsetMinute < 60 else { throw .outOfRange(component: "offset minute", value: offsetMinute) }
      offsetMinutes = (offsetHour * 60 + offsetMinute) * (negative ? -1 : 1)
    default:
      throw .malformed(expected: "'Z' or a UTC offset", at: i)
    }
    guard i == b.count else { throw .malformed(expected: "the end of the timestamp", at: i) }
    guard (1...12).contains(month) else { throw .outOfRange(component: "month", value: month) }
    let date = CivilDate(year: year, month: month, day: 1)
    guard (1...date.daysInMonth).contains(day) else { throw .outOfRange(component: "day", value: day) }
    guard hour < 24 else { throw .outOfRange(component: "hour", value: hour) }
    guard minute < 60 else { throw .outOfRange(component: "minute", value: minute) }
    // 60 is a leap second; it is folded into the next minute as most systems do.
    guard second <= 60 else { throw .outOfRange(component: "second", value: second) }
    let days = Int64(CivilDate(year: year, month: month, day: day).daysSinceEpoch)
    let local = ((days * 24 + Int64(hour)) * 60 + Int64(minute)) * 60 + Int64(second)
    let utcSeconds = local - Int64(offsetMinutes) * 60
    self.init(millisecondsSinceEpoch: utcSeconds * 1000 + Int64(millis), utcOffsetMinutes: Int16(offsetMinutes))
    guard isRepresentable else { throw .unrepresentable }
  }
}

// MARK: - Calendar arithmetic (proleptic Gregorian, UTC)

/// A calendar date without a time zone.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let year: Int
  public let month: Int
  public let day: Int

  public init(year: Int, month: Int, day: Int) {
    self.year = year
    self.month = month
    self.day = day
  }

  /// The date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
  public init(daysSinceEpoch days: Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    self.init(year: Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)), month: Int(month), day: Int(day))
  }

  /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
  public var daysSinceEpoch: Int64 {
    let y = Int64(month <= 2 ? year - 1 : year)
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let m = Int64(month)
    let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  public var isLeapYear: Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

  public var daysInMonth: Int {
    switch month {
    case 2: isLeapYear ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  /// Midnight UTC at the start of this date.
  public var startOfDayUTC: Timestamp { Timestamp(millisecondsSinceEpoch: daysSinceEpoch * 86_400_000) }

  /// The ISO weekday, from 1 for Monday to 7 for Sunday.
  public var isoWeekday: Int { Int((daysSinceEpoch + 3).floorDivided(by: 7).remainder) + 1 }

  /// `YYYY-MM-DD`.
  public var description: String { "\(pad(Int64(year), 4))-\(pad(Int64(month), 2))-\(pad(Int64(day), 2))" }

  public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
    (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
  }

  /// Parses `YYYY-MM-DD`.
  public init?(iso text: String) {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
      (1...12).contains(month)
    else { return nil }
    let first = CivilDate(year: year, month: month, day: 1)
    guard (1...first.daysInMonth).contains(day) else { return nil }
    self.init(year: year, month: month, day: day)
  }
}

// MARK: - Helpers

extension Int64 {
  /// Division rounding toward negative infinity, with a non-negative remainder.
  @inlinable
  public func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
    let (q, r) = quotientAndRemainder(dividingBy: divisor)
    return r < 0 ? (q - 1, r + divisor) : (q, r)
  }
}

private func pad(_ value: Int64, _ width: Int) -> String {
  let digits = String(value)
  return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

// MARK: - ISO weeks

/// An ISO 8601 week, `2026-W47`: Monday to Sunday, week 1 holding the year's first Thursday.
public struct ISOWeek: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let year: Int
  public let week: Int

  /// Parses `YYYY-Www`; nil for a malformed text or a week the year does not have.
  public init?(_ text: String) {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]),
      parts[1].count == 3, parts[1].first == "W" || parts[1].first == "w", let week = Int(parts[1].dropFirst()),
      week >= 1, week <= ISOWeek.weeks(in: year)
    else { return nil }
    self.year = year
    self.week = week
  }

  /// The ISO week that contains `date`.
  public init(containing date: CivilDate) {
    // The week's Thursday decides its year.
    let thursday = CivilDate(daysSinceEpoch: date.daysSinceEpoch + Int64(4 - date.isoWeekday))
    year = thursday.year
    week = Int(thursday.daysSinceEpoch - CivilDate(year: thursday.year, month: 1, day: 1).daysSinceEpoch) / 7 + 1
  }

  /// Midnight UTC on the week's Monday.
  public var start: Timestamp { monday.startOfDayUTC }

  /// The week as `[Monday 00:00, next Monday 00:00)` in UTC.
  public var interval: Interval { Interval(start: start, end: start.adding(milliseconds: 7 * 86_400_000)) }

  /// The Monday of the week.
  public var monday: CivilDate {
    let january4 = CivilDate(year: year, month: 1, day: 4)
    let week1Monday = january4.daysSinceEpoch - Int64(january4.isoWeekday - 1)
    return CivilDate(daysSinceEpoch: week1Monday + Int64(week - 1) * 7)
  }

  /// The week before this one.
  public var previous: ISOWeek { ISOWeek(containing: CivilDate(daysSinceEpoch: monday.daysSinceEpoch - 7)) }

  /// 52 or 53.
  public static func weeks(in year: Int) -> Int {
    let january1 = CivilDate(year: year, month: 1, day: 1)
    let leap = CivilDate(year: year, month: 2, day: 1).isLeapYear
    return january1.isoWeekday == 4 || (leap && january1.isoWeekday == 3) ? 53 : 52
  }

  /// The last complete week before `instant`: the week before the one containing it.
  public static func lastComplete(before instant: Timestamp) -> ISOWeek {
    ISOWeek(containing: instant.utcDate).previous
  }

  public var description: String { "\(year)-W\(week < 10 ? "0" : "")\(week)" }

  public static func < (lhs: ISOWeek, rhs: ISOWeek) -> Bool { (lhs.year, lhs.week) < (rhs.year, rhs.week) }
}

import IncidentModel
import TestSupport
import Testing

@Suite("RFC 3339 timestamps")
struct TimestampTests {
  @Test(arguments: [
    // text, milliseconds since the epoch (worked out with `date -d ... +%s%3N`), offset minutes
    ("2026-11-02T10:15:30.123Z", Int64(1_793_614_530_123), Int16(0)),
    ("2026-11-02T10:15:30Z", 1_793_614_530_000, 0),
    ("2026-11-02T12:15:30.123+02:00", 1_793_614_530_123, 120),
    ("2026-11-02T05:45:30.123-04:30", 1_793_614_530_123, -270),
    ("2026-11-02t10:15:30.1z", 1_793_614_530_100, 0),
    ("2026-11-02 10:15:30.123456789Z", 1_793_614_530_123, 0),
    ("1969-12-31T23:59:59.999Z", -1, 0),
    ("2028-02-29T00:00:00Z", 1_835_395_200_000, 0),
  ])
  func parsesInstantAndOffset(text: String, millis: Int64, offset: Int16) throws {
    let parsed = try Timestamp(rfc3339: text)
    #expect(parsed.millisecondsSinceEpoch == millis, "\(text)")
    #expect(parsed.utcOffsetMinutes == offset, "\(text)")
  }

  @Test(arguments: [
    ("2026-13-02T10:15:30Z", "month 13 is out of range"),
    ("2026-02-29T10:15:30Z", "day 29 is out of range"),
    ("2026-11-31T10:15:30Z", "day 31 is out of range"),
    ("2026-11-02T24:00:00Z", "hour 24 is out of range"),
    ("2026-11-02T10:60:00Z", "minute 60 is out of range"),
    ("2026-11-02T10:15:30", "expected 'Z' or a UTC offset at character 20"),
    ("2026-11-02T10:15Z", "expected ':' at character 17"),
    ("2026-11-02", "expected 'T' and a time at character 11"),
    ("yesterday", "expected a 4-digit year at character 1"),
    ("2026-11-02T10:15:30.Z", "expected fraction digits at character 21"),
    ("2026-11-02T10:15:30Zjunk", "expected the end of the timestamp at character 21"),
    ("2026-11-02T10:15:30+0200", "expected ':' in the offset at character 23"),
  ])
  func rejectsMalformedText(text: String, reason: String) {
    #expect(throws: Timestamp.ParseError.self, "\(text)") { try Timestamp(rfc3339: text) }
    do {
      _ = try Timestamp(rfc3339: text)
    } catch {
      #expect(error.description == reason, "\(text)")
    }
  }

  @Test func comparesInstantsNotOffsets() {
    let utc = ts("2026-11-02T10:00:00Z")
    let paris = ts("2026-11-02T11:00:00+01:00")
    #expect(utc == paris)
    #expect(ts("2026-11-02T10:00:00.001Z") > paris)
    #expect(Set([utc, paris]).count == 1)
  }

  @Test func formatsCanonicallyInUTCOrTheSourceOffset() {
    let t = ts("2026-11-02T05:45:30.007-04:30")
    #expect(t.description == "2026-11-02T10:15:30.007Z")
    #expect(t.rfc3339(preservingOffset: true) == "2026-11-02T05:45:30.007-04:30")
    #expect(ts("1969-12-31T23:59:59.999Z").description == "1969-12-31T23:59:59.999Z")
  }

  @Test func calendarArithmeticMatchesKnownDates() {
    // 2000-03-01 is day 11 017 after the epoch; 2026-11-23 is a Monday; 2026-11-22 a Sunday.
    #expect(CivilDate(year: 2000, month: 3, day: 1).daysSinceEpoch == 11_017)
    #expect(CivilDate(daysSinceEpoch: 11_017) == CivilDate(year: 2000, month: 3, day: 1))
    #expect(CivilDate(year: 2026, month: 11, day: 23).isoWeekday == 1)
    #expect(CivilDate(year: 2026, month: 11, day: 22).isoWeekday == 7)
    #expect(CivilDate(year: 1970, month: 1, day: 1).isoWeekday == 4)
    #expect(CivilDate(iso: "2026-02-29") == nil)
    #expect(CivilDate(iso: "2026-09-28")?.startOfDayUTC == ts("2026-09-28T00:00:00Z"))
    for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
      #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
    }
  }
}

@Suite("JSON values kept from the stream")
struct JSONValueTests {
  @Test func objectsAreEqualWhateverTheMemberOrder() {
    let a: JSONObject = ["good": .number("10"), "total": .number("12"), "labels": .object(["a": .bool(true)])]
    let b: JSONObject = ["labels": .object(["a": .bool(true)]), "total": .number("12"), "good": .number("10")]
    #expect(a == b)
    #expect(a.hashValue == b.hashValue)
    #expect(a != ["good": .number("10"), "total": .number("13"), "labels": .object(["a": .bool(true)])])
  }

  @Test func numbersCompareByValueAndKeepTheirText() {
    #expect(JSONValue.number("1.0") == .number("1"))
    #expect(JSONValue.number("12000000000").int64Value == 12_000_000_000)
    #expect(JSONValue.number("1.50").description == "1.50")
  }

  @Test func writesEscapedCompactJSON() {
    let value: JSONValue = .object(["text": .string("a \"quote\"\n\u{01}é"), "list": .array([.null, .bool(false)])])
    #expect(value.description == #"{"text":"a \"quote\"\n\u0001é","list":[null,false]}"#)
  }
}

@Suite("Timestamps the export format can write")
struct RepresentableTimestampTests {
  @Test(arguments: [
    // Valid RFC 3339 text whose UTC instant needs a fifth year digit or a year before 0000.
    "9999-12-31T23:59:59-01:00", "0000-01-01T00:30:00+01:00",
  ])
  func instantsOutsideFourDigitYearsInUTCAreRefused(text: String) {
    #expect(throws: Timestamp.ParseError.unrepresentable) { try Timestamp(rfc3339: text) }
  }

  @Test func theBoundsThemselvesReadAndWriteBack() throws {
    // 0000-01-01 is 719 528 days before 1970-01-01; 10000-01-01 is 2 932 897 days after it.
    #expect(Timestamp.earliest.millisecondsSinceEpoch == -719_528 * 86_400_000)
    #expect(Timestamp.latest.millisecondsSinceEpoch == 2_932_897 * 86_400_000 - 1)
    #expect(try Timestamp(rfc3339: "0000-01-01T00:00:00Z") == Timestamp.earliest)
    #expect(try Timestamp(rfc3339: "9999-12-31T23:59:59.999Z") == Timestamp.latest)
    #expect(Timestamp.latest.description == "9999-12-31T23:59:59.999Z")
    #expect(Timestamp.earliest.description == "0000-01-01T00:00:00.000Z")
  }
}

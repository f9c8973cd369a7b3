import IncidentModel

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a line could not be read as an event: the field (dotted path) and the reason.
public struct EventDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What kind of problem, for counting and grouping in summaries.
  public enum Kind: String, Sendable, Hashable, CaseIterable, Comparable {
    case invalidJSON = "invalid JSON"
    case missingField = "missing field"
    case invalidValue = "invalid value"
    case invalidTimestamp = "invalid timestamp"

    public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }
  }

  public var kind: Kind
  /// The field, as a path such as `payload.newStatus`; nil for JSON syntax errors.
  public var field: String?
  public var reason: String
  /// The event's id, when it was read before the problem was found.
  public var eventId: String?

  public init(_ kind: Kind, field: String?, reason: String, eventId: String? = nil) {
    self.kind = kind
    self.field = field
    self.reason = reason
    self.eventId = eventId
  }

  public var description: String {
    var text = ""
    if let eventId, !eventId.isEmpty { text += "event \(eventId): " }
    if let field { text += "field \"\(field)\": " }
    return text + reason
  }
}

/// A forward-only reader of JSON text held in memory, working on bytes.
///
/// It never copies the input: strings without escapes become a `String` in one
/// step from the bytes, keys are compared in place, and values nobody asked for
/// are skipped without being built.
struct JSONScanner {
  let base: UnsafePointer<UInt8>
  let end: Int
  var position: Int

  init(_ bytes: UnsafeBufferPointer<UInt8>) {
    // An empty buffer may have no base address; it is never read, so any valid pointer will do.
    base = bytes.baseAddress ?? UnsafePointer(Self.emptyInput)
    end = bytes.count
    position = 0
  }

  /// A valid address for empty input, never read.
  nonisolated(unsafe) private static let emptyInput = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

  init(base: UnsafePointer<UInt8>, range: Range<Int>) {
    self.base = base
    self.end = range.upperBound
    self.position = range.lowerBound
  }

  // MARK: - Structure

  @inline(__always)
  mutating func skipWhitespace() {
    while position < end {
      let byte = base[position]
      guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
      position += 1
    }
  }

  @inline(__always)
  func peek() -> UInt8? { position < end ? base[position] : nil }

  func syntaxError(_ expected: String) -> EventDecodingError {
    let found: String
    if position >= end {
      found = "the end of the line"
    } else {
      let byte = base[position]
      found = (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
    return EventDecodingError(
      .invalidJSON, field: nil, reason: "invalid JSON at column \(position + 1): expected \(expected), found \(found)")
  }

  @inline(__always)
  mutating func expect(_ byte: UInt8, _ what: String) throws(EventDecodingError) {
    skipWhitespace()
    guard position < end, base[position] == byte else { throw syntaxError(what) }
    position += 1
  }

  /// Calls `body` for each member of the object that starts here.
  ///
  /// The scanner is at the member's value, which the body must consume.
  @inline(__always)
  mutating func forEachMember(
    _ body: (JSONKey, inout JSONScanner) throws(EventDecodingError) -> Void
  ) throws(EventDecodingError) {
    try expect(0x7B, "'{'")
    skipWhitespace()
    if peek() == 0x7D {
      position += 1
      return
    }
    while true {
      skipWhitespace()
      guard peek() == 0x22 else { throw syntaxError("a member name in double quotes") }
      let key = try readKey()
      try expect(0x3A, "':' after a member name")
      skipWhitespace()
      try body(key, &self)
      skipWhitespace()
      guard position < end else { throw syntaxError("',' or '}'") }
      let byte = base[position]
      position += 1
      if byte == 0x7D { return }
      guard byte == 0x2C else {
        position -= 1
        throw syntaxError("',' or '}'")
      }
    }
  }

  // MARK: - Strings

  /// Scans the string literal that starts here; returns the bytes between the quotes.
  @inline(__always)
  mutating func scanString() throws(EventDecodingError) -> (start: Int, end: Int, hasEscapes: Bool) {
    let (start, stop, hasEscapes, _) = try scanStringNotingASCII()
    return (start, stop, hasEscapes)
  }

  /// Like ``scanString()``, and also says whether every byte was ASCII (no UTF-8 to validate).
  @inline(__always)
  mutating func scanStringNotingASCII() throws(EventDecodingError) -> (
    start: Int, end: Int, hasEscapes: Bool, isASCII: Bool
  ) {
    guard position < end, base[position] == 0x22 else { throw syntaxError("a string") }
    position += 1
    let start = position
    var hasEscapes = false
    var bits: UInt8 = 0
    // Eight bytes at a time while none of them is a quote, a backslash or a control
    // character: most strings end without one, so the byte loop below sees a few bytes.
    var wideBits: UInt64 = 0
    while end - position >= 8 {
      let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
      guard !Self.mayNeedAttention(word) else { break }
      wideBits |= word
      position += 8
    }
    if wideBits & Self.highBits != 0 { bits = 0x80 }
    while position < end {
      let byte = base[position]
      bits |= byte
      if byte == 0x22 {
        position += 1
        return (start, position - 1, hasEscapes, bits < 0x80)
      }
      if byte == 0x5C {
        hasEscapes = true
        position += 2
        continue
      }
      if byte < 0x20 { throw syntaxError("no raw control character inside a string") }
      position += 1
    }
    throw syntaxError("'\"' to close the string")
  }

  private static let lowBits: UInt64 = 0x0101_0101_0101_0101
  private static let highBits: UInt64 = 0x8080_8080_8080_8080

  /// Whether any byte of `word` may be `"`, `\\` or below 0x20 (never false when one is).
  @inline(__always)
  private static func mayNeedAttention(_ word: UInt64) -> Bool {
    // The classic "has a zero byte" test, on the word xor-ed with each byte we look for,
    // and "has a byte less than n" for the control characters.
    let quote = word ^ (lowBits &* 0x22)
    let backslash = word ^ (lowBits &* 0x5C)
    let found =
      ((quote &- lowBits) & ~quote) | ((backslash &- lowBits) & ~backslash) | ((word &- lowBits &* 0x20) & ~word)
    return found & highBits != 0
  }

  mutating func readKey() throws(EventDecodingError) -> JSONKey {
    let (start, stop, hasEscapes) = try scanString()
    if !hasEscapes { return JSONKey(base: base + start, count: stop - start, decoded: nil) }
    let text = try unescape(start: start, end: stop)
    return JSONKey(base: base + start, count: 0, decoded: text)
  }

  /// Reads a string value; `field` names it in errors.
  @inline(__always)
  mutating func readString(_ field: String) throws(EventDecodingError) -> String {
    guard peek() == 0x22 else { throw typeError(field, expected: "a string") }
    let (start, stop, hasEscapes, isASCII) = try scanStringNotingASCII()
    if hasEscapes { return try unescape(start: start, end: stop) }
    let bytes = UnsafeBufferPointer(start: base + start, count: stop - start)
    // ASCII needs no validation; the generic validator is slow, so it runs only when needed.
    if isASCII { return String(decoding: bytes, as: UTF8.self) }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw EventDecodingError(.invalidValue, field: field, reason: "is not valid UTF-8")
    }
    return text
  }

  /// Reads a string that may be `null` (an absent optional).
  @inline(__always)
  mutating func readOptionalString(_ field: String) throws(EventDecodingError) -> String? {
    if try readNull() { return nil }
    return try readString(field)
  }

  /// Reads an RFC 3339 timestamp string.
  mutating func readTimestamp(_ field: String) throws(EventDecodingError) -> Timestamp {
    guard peek() == 0x22 else { throw typeError(field, expected: "an RFC 3339 timestamp string") }
    let (start, stop, hasEscapes) = try scanString()
    do {
      if hasEscapes {
        return try Timestamp(rfc3339: try unescape(start: start, end: stop))
      }
      return try Timestamp(rfc3339Bytes: UnsafeBufferPointer(start: base + start, count: stop - start))
    } catch let error as Timestamp.ParseError {
      let text = String(decoding: UnsafeBufferPointer(start: base + start, count: stop - start), as: UTF8.self)
      throw EventDecodingError(.invalidTimestamp, field: field, reason: "\"\(text)\" is not an RFC 3339 timestamp: \(error)")
    } catch {
      throw EventDecodingError(.invalidTimestamp, field: field, reason: "\(error)")
    }
  }

  mutating func readOptionalTimestamp(_ field: String) throws(EventDecodingError) -> Timestamp? {
    if try readNull() { return nil }
    return try readTimestamp(field)
  }

  /// Reads a string that must be one of an enumeration's raw values.
  mutating func readEnum<E: RawRepresentable & CaseIterable>(
    _ type: E.Type, _ field: String
  ) throws(EventDecodingError) -> E where E.RawValue == String {
    guard peek() == 0x22 else { throw typeError(field, expected: "a string") }
    let opening = position
    let (start, stop, hasEscapes) = try scanString()
    // Matched on the bytes: no String is built for the usual, valid value.
    if !hasEscapes, let value = Self.match(type, UnsafeBufferPointer(start: base + start, count: stop - start)) {
      return value
    }
    position = opening
    let text = try readString(field)
    guard let value = E(rawValue: text) else {
      let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
      throw EventDecodingError(.invalidValue, field: field, reason: "\"\(text)\" is not one of \(allowed)")
    }
    return value
  }

  /// The case whose raw value is exactly `bytes`.
  @inline(__always)
  static func match<E: RawRepresentable & CaseIterable>(
    _: E.Type, _ bytes: UnsafeBufferPointer<UInt8>
  ) -> E? where E.RawValue == String {
    for candidate in E.allCases {
      var raw = candidate.rawValue
      let equal = raw.withUTF8 { candidate in
        guard candidate.count == bytes.count else { return false }
        guard let left = candidate.baseAddress, let right = bytes.baseAddress else { return true }
        return memcmp(left, right, bytes.count) == 0
      }
      if equal { return candidate }
    }
    return nil
  }

  mutating func readOptionalEnum<E: RawRepresentable & CaseIterable>(
    _ type: E.Type, _ field: String
  ) throws(EventDecodingError) -> E? where E.RawValue == String {
    if try readNull() { return nil }
    return try readEnum(type, field)
  }

  private mutating func unescape(start: Int, end stop: Int) throws(EventDecodingError) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(stop - start)
    var i = start
    while i < stop {
      let byte = base[i]
      guard byte == 0x5C else {
        bytes.append(byte)
        i += 1
        continue
      }
      guard i + 1 < stop else { throw escapeError(at: i) }
      let code = base[i + 1]
      i += 2
      switch code {
      case 0x22, 0x5C, 0x2F: bytes.append(code)
      case 0x62: bytes.append(0x08)
      case 0x66: bytes.append(0x0C)
      case 0x6E: bytes.append(0x0A)
      case 0x72: bytes.append(0x0D)
      case 0x74: bytes.append(0x09)
      case 0x75:
        var scalar = try hex4(at: i)
        i += 4
        if (0xD800..<0xDC00).contains(scalar) {
          // A high surrogate must be followed by an escaped low surrogate.
          guard i + 6 <= stop, base[i] == 0x5C, base[i + 1] == 0x75 else { throw escapeError(at: i - 6) }
          let low = try hex4(at: i + 2)
          guard (0xDC00..<0xE000).contains(low) else { throw escapeError(at: i) }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          i += 6
        } else if (0xDC00..<0xE000).contains(scalar) {
          throw escapeError(at: i - 6)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw escapeError(at: i - 6) }
        bytes.append(contentsOf: String(Character(unicode)).utf8)
      default:
        throw escapeError(at: i - 2)
      }
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw EventDecodingError(.invalidJSON, field: nil, reason: "invalid UTF-8 in a string")
    }
    return text
  }

  private func hex4(at i: Int) throws(EventDecodingError) -> UInt32 {
    guard i + 4 <= end else { throw escapeError(at: i - 2) }
    var value: UInt32 = 0
    for k in 0..<4 {
      let c = base[i + k]
      let digit: UInt32
      switch c {
      case 0x30...0x39: digit = UInt32(c - 0x30)
      case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
      case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
      default: throw escapeError(at: i - 2)
      }
      value = value << 4 | digit
    }
    return value
  }

  private func escapeError(at i: Int) -> EventDecodingError {
    EventDecodingError(.invalidJSON, field: nil, reason: "invalid JSON at column \(i + 1): bad escape sequence")
  }

  // MARK: - Scalars

  /// Consumes `null` if it is next.
  @inline(__always)
  mutating func readNull() throws(EventDecodingError) -> Bool {
    guard peek() == 0x6E else { return false }
    try literal("null")
    return true
  }

  mutating func readBool(_ field: String) throws(EventDecodingError) -> Bool {
    switch peek() {
    case 0x74:
      try literal("true")
      return true
    case 0x66:
      try literal("false")
      return false
    default:
      throw typeError(field, expected: "true or false")
    }
  }

  /// Reads a number and returns its literal text.
  mutating func readNumberLiteral(_ field: String) throws(EventDecodingError) -> String {
    guard let first = peek(), first == 0x2D || (first &- 0x30) < 10 else {
      throw typeError(field, expected: "a number")
    }
    let start = position
    try scanNumber()
    return String(decoding: UnsafeBufferPointer(start: base + start, count: position - start), as: UTF8.self)
  }

  mutating func readDouble(_ field: String) throws(EventDecodingError) -> Double {
    let text = try readNumberLiteral(field)
    guard let value = Double(text), value.isFinite else {
      throw EventDecodingError(.invalidValue, field: field, reason: "\(text) is not a finite number")
    }
    return value
  }

  private mutating func scanNumber() throws(EventDecodingError) {
    if peek() == 0x2D { position += 1 }
    guard let first = peek(), (first &- 0x30) < 10 else { throw syntaxError("a digit") }
    if first == 0x30 {
      position += 1
    } else {
      while let d = peek(), (d &- 0x30) < 10 { position += 1 }
    }
    if peek() == 0x2E {
      position += 1
      guard let d = peek(), (d &- 0x30) < 10 else { throw syntaxError("a digit after '.'") }
      while let d = peek(), (d &- 0x30) < 10 { position += 1 }
    }
    if let e = peek(), e == 0x65 || e == 0x45 {
      position += 1
      if let sign = peek(), sign == 0x2B || sign == 0x2D { position += 1 }
      guard let d = peek(), (d &- 0x30) < 10 else { throw syntaxError("a digit in the exponent") }
      while let d = peek(), (d &- 0x30) < 10 { position += 1 }
    }
  }

  private mutating func literal(_ word: StaticString) throws(EventDecodingError) {
    let count = word.utf8CodeUnitCount
    guard end - position >= count, memcmp(base + position, word.utf8Start, count) == 0 else {
      throw syntaxError("\(word)")
    }
    position += count
  }

  private func startsLiteral(_ word: StaticString) -> Bool {
    let count = word.utf8CodeUnitCount
    guard end - position >= count else { return false }
    for offset in 0..<count where base[position + offset] != word.utf8Start[offset] { return false }
    // The literal must end there: `nullify` is no null.
    guard position + count < end else { return true }
    let next = base[position + count]
    return !((next >= 0x61 && next <= 0x7A) || (next >= 0x41 && next <= 0x5A) || (next &- 0x30) < 10)
  }

  func typeError(_ field: String, expected: String) -> EventDecodingError {
    let found: String
    switch peek() {
    case 0x22: found = "a string"
    case 0x7B: found = "an object"
    case 0x5B: found = "an array"
    // A letter is named only when it starts the literal it promises: `not json {` is a syntax error, not null.
    case 0x74 where startsLiteral("true"), 0x66 where startsLiteral("false"): found = "a boolean"
    case 0x6E where startsLiteral("null"): found = "null"
    case .some(let b) where b == 0x2D || (b &- 0x30) < 10: found = "a number"
    default: return syntaxError("a value")
    }
    return EventDecodingError(.invalidValue, field: field, reason: "expected \(expected), got \(found)")
  }

  // MARK: - Whole values

  /// Reads any JSON value into a ``JSONValue``.
  mutating func readValue(depth: Int = 0) throws(EventDecodingError) -> JSONValue {
    guard depth < 64 else {
      throw EventDecodingError(.invalidJSON, field: nil, reason: "invalid JSON: nested deeper than 64 levels")
    }
    skipWhitespace()
    switch peek() {
    case 0x22:
      return .string(try readString("value"))
    case 0x7B:
      var object = JSONObject()
      try forEachMember { (key, scanner) throws(EventDecodingError) in
        object.append(key.string, try scanner.readValue(depth: depth + 1))
      }
      return .object(object)
    case 0x5B:
      position += 1
      var items: [JSONValue] = []
      skipWhitespace()
      if peek() == 0x5D {
        position += 1
        return .array(items)
      }
      while true {
        items.append(try readValue(depth: depth + 1))
        skipWhitespace()
        guard let byte = peek() else { throw syntaxError("',' or ']'") }
        position += 1
        if byte == 0x5D { return .array(items) }
        guard byte == 0x2C else {
          position -= 1
          throw syntaxError("',' or ']'")
        }
      }
    case 0x74, 0x66:
      return .bool(try readBool("value"))
    case 0x6E:
      try literal("null")
      return .null
    default:
      let start = position
      try scanNumber()
      return .number(String(decoding: UnsafeBufferPointer(start: base + start, count: position - start), as: UTF8.self))
    }
  }

  /// Skips any JSON value without building it, checking its syntax.
  mutating func skipValue(depth: Int = 0) throws(EventDecodingError) {
    guard depth < 64 else {
      throw EventDecodingError(.invalidJSON, field: nil, reason: "invalid JSON: nested deeper than 64 levels")
    }
    skipWhitespace()
    switch peek() {
    case 0x22:
      _ = try scanString()
    case 0x7B:
      try forEachMember { (_, scanner) throws(EventDecodingError) in try scanner.skipValue(depth: depth + 1) }
    case 0x5B:
      position += 1
      skipWhitespace()
      if peek() == 0x5D {
        position += 1
        return
      }
      while true {
        try skipValue(depth: depth + 1)
        skipWhitespace()
        guard let byte = peek() else { throw syntaxError("',' or ']'") }
        position += 1
        if byte == 0x5D { return }
        guard byte == 0x2C else {
          position -= 1
          throw syntaxError("',' or ']'")
        }
      }
    case 0x74, 0x66:
      _ = try readBool("value")
    case 0x6E:
      try literal("null")
    default:
      try scanNumber()
    }
  }
}

/// An object member's name, compared in place against known names.
struct JSONKey {
  let base: UnsafePointer<UInt8>
  let count: Int
  /// Set only for names written with escapes (rare), which are compared decoded.
  let decoded: String?

  @inline(__always)
  func `is`(_ name: StaticString) -> Bool {
    if let decoded { return decoded == name.description }
    return count == name.utf8CodeUnitCount && memcmp(base, name.utf8Start, count) == 0
  }

  var string: String {
    decoded ?? String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
  }
}

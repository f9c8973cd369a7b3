/// A JSON value kept as read, for fields the event contract leaves open.
///
/// Unknown payload fields, a signal's `data` and free-form `details` are kept
/// as `JSONValue` so nothing a producer wrote is lost. Numbers keep their
/// literal text (a `good` count of `12000000000` stays exact, `1.50` stays
/// `1.50`); objects keep their key order for output, but two objects are equal
/// when they hold the same members in any order, because PostgreSQL's `jsonb`
/// reorders keys and a re-export must not look like a conflicting duplicate.
public enum JSONValue: Sendable, Hashable, CustomStringConvertible {
  case null
  case bool(Bool)
  /// The number's literal text, e.g. `12`, `-0.5`, `1e3`.
  case number(String)
  case string(String)
  case array([JSONValue])
  case object(JSONObject)

  /// Compact JSON text.
  public var description: String {
    var out = ""
    JSONWriter.write(self, to: &out)
    return out
  }

  /// The string, if this is a string.
  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// The value as a `Double`, if this is a number.
  public var doubleValue: Double? {
    if case .number(let text) = self { return Double(text) }
    return nil
  }

  /// The value as an exact integer, if this is a number without fraction or exponent that fits.
  public var int64Value: Int64? {
    if case .number(let text) = self { return Int64(text) }
    return nil
  }

  /// The object, if this is an object.
  public var objectValue: JSONObject? {
    if case .object(let o) = self { return o }
    return nil
  }

  /// The value with every object's members sorted by key, recursively: a canonical form for
  /// digests, the same whichever order a producer (or PostgreSQL's `jsonb`) wrote the members in.
  public var sortingKeys: JSONValue {
    switch self {
    case .array(let items): .array(items.map(\.sortingKeys))
    case .object(let object):
      .object(JSONObject(object.members.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value.sortingKeys) }))
    default: self
    }
  }

  /// A short name of the value's JSON type, for error messages.
  public var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }

  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): true
    case (.bool(let a), .bool(let b)): a == b
    case (.number(let a), .number(let b)): a == b || (Double(a) != nil && Double(a) == Double(b))
    case (.string(let a), .string(let b)): a == b
    case (.array(let a), .array(let b)): a == b
    case (.object(let a), .object(let b)): a == b
    default: false
    }
  }

  public func hash(into hasher: inout Hasher) {
    switch self {
    case .null: hasher.combine(0)
    case .bool(let b): hasher.combine(b)
    case .number(let text): hasher.combine(Double(text) ?? 0)
    case .string(let s): hasher.combine(s)
    case .array(let a): hasher.combine(a)
    case .object(let o): hasher.combine(o)
    }
  }
}

/// A JSON object: members in the order they were read; equality ignores order.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
  public private(set) var members: [(key: String, value: JSONValue)]

  public init(_ members: [(key: String, value: JSONValue)] = []) {
    self.members = members
  }

  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    self.members = elements.map { (key: $0.0, value: $0.1) }
  }

  public var isEmpty: Bool { members.isEmpty }
  public var count: Int { members.count }

  /// The value of the last member named `key` (JSON's usual "last one wins").
  public subscript(key: String) -> JSONValue? {
    members.last(where: { $0.key == key })?.value
  }

  /// Appends a member, keeping the order of insertion.
  public mutating func append(_ key: String, _ value: JSONValue) {
    members.append((key: key, value: value))
  }

  public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
    members.makeIterator()
  }

  private var canonical: [(key: String, value: JSONValue)] {
    members.sorted { $0.key < $1.key }
  }

  public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
    guard lhs.members.count == rhs.members.count else { return false }
    return zip(lhs.canonical, rhs.canonical).allSatisfy { $0.key == $1.key && $0.value == $1.value }
  }

  public func hash(into hasher: inout Hasher) {
    // Order-independent without sorting: members are hashed alone and summed.
    var sum = 0
    for member in members {
      var one = Hasher()
      one.combine(member.key)
      one.combine(member.value)
      sum &+= one.finalize()
    }
    hasher.combine(members.count)
    hasher.combine(sum)
  }
}

/// Serialises JSON compactly and deterministically (member order as stored).
public enum JSONWriter {
  /// Appends `value` as compact JSON.
  public static func write(_ value: JSONValue, to out: inout String) {
    switch value {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let text): out += text
    case .string(let s): writeString(s, to: &out)
    case .array(let items):
      out += "["
      for (index, item) in items.enumerated() {
        if index > 0 { out += "," }
        write(item, to: &out)
      }
      out += "]"
    case .object(let object):
      out += "{"
      for (index, member) in object.members.enumerated() {
        if index > 0 { out += "," }
        writeString(member.key, to: &out)
        out += ":"
        write(member.value, to: &out)
      }
      out += "}"
    }
  }

  /// Appends `value` as indented JSON (two spaces), for people reading `--format json` output.
  public static func writePretty(_ value: JSONValue, indent: Int = 0, to out: inout String) {
    let inner = String(repeating: "  ", count: indent + 1)
    let closing = String(repeating: "  ", count: indent)
    switch value {
    case .array(let items) where !items.isEmpty:
      out += "[\n"
      for (index, item) in items.enumerated() {
        out += inner
        writePretty(item, indent: indent + 1, to: &out)
        out += index + 1 < items.count ? ",\n" : "\n"
      }
      out += closing + "]"
    case .object(let object) where !object.isEmpty:
      out += "{\n"
      for (index, member) in object.members.enumerated() {
        out += inner
        writeString(member.key, to: &out)
        out += ": "
        writePretty(member.value, indent: indent + 1, to: &out)
        out += index + 1 < object.count ? ",\n" : "\n"
      }
      out += closing + "}"
    default:
      write(value, to: &out)
    }
  }

  /// Appends `s` as a JSON string literal, escaping what RFC 8259 requires.
  public static func writeString(_ s: String, to out: inout String) {
    out += "\""
    var needsEscape = false
    for byte in s.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
      needsEscape = true
      break
    }
    if !needsEscape {
      out += s
    } else {
      for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case _ where scalar.value < 0x20:
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }
}

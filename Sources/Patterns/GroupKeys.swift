public import IncidentModel

/// What groups incidents together within an org and a service.
public enum GroupKey: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
  /// A correlation key: the incident's `initialCorrelationKey` or a signal's `correlationKey`.
  case correlation(String)
  /// For an incident without any key: a fingerprint of its normalised title.
  case fingerprint(id: String, title: String)

  /// `fp:<id>` for a fingerprint, the key itself otherwise.
  public var label: String {
    switch self {
    case .correlation(let key): key
    case .fingerprint(let id, _): "fp:\(id)"
    }
  }

  public var isFingerprint: Bool {
    if case .fingerprint = self { return true }
    return false
  }

  public var description: String {
    switch self {
    case .correlation(let key): key
    case .fingerprint(let id, let title): "fp:\(id) \"\(title)\""
    }
  }

  public static func < (lhs: GroupKey, rhs: GroupKey) -> Bool {
    switch (lhs, rhs) {
    case (.correlation(let a), .correlation(let b)): a < b
    case (.correlation, .fingerprint): true
    case (.fingerprint, .correlation): false
    case (.fingerprint(let a, _), .fingerprint(let b, _)): a < b
    }
  }

  /// The keys an incident belongs under: its correlation keys, or its title's fingerprint.
  public static func keys(of incident: IncidentSnapshot) -> [GroupKey] {
    if !incident.correlationKeys.isEmpty { return incident.correlationKeys.map(GroupKey.correlation) }
    let title = TitleFingerprint.normalise(incident.title ?? "")
    return [.fingerprint(id: TitleFingerprint.id(of: title), title: title)]
  }
}

/// Sentry-style fingerprints of incident titles: the parts that vary from one
/// occurrence to the next are removed, so "Pool 'primary-12' exhausted" and
/// "Pool 'primary-7' exhausted" fall in one group.
public enum TitleFingerprint {
  /// The title case-folded, without quoted values, UUIDs, hex ids (`0x…`, or six or
  /// more hex characters with a digit) and digits, with spacing and brackets tidied.
  public static func normalise(_ title: String) -> String {
    var scalars = Array(title.lowercased().unicodeScalars)
    scalars = removingQuoted(scalars)
    scalars = removingUUIDs(scalars)
    var out = String.UnicodeScalarView()
    var index = 0
    while index < scalars.count {
      guard isAlphanumeric(scalars[index]) else {
        out.append(scalars[index])
        index += 1
        continue
      }
      var end = index
      while end < scalars.count && isAlphanumeric(scalars[end]) { end += 1 }
      let word = Array(scalars[index..<end])
      index = end
      let isHex = word.allSatisfy(isHexDigit)
      let hasDigit = word.contains(where: isDigit)
      if word.count > 2 && word[0] == "0" && word[1] == "x" && word.dropFirst(2).allSatisfy(isHexDigit) { continue }
      if isHex && hasDigit && word.count >= 6 { continue }
      out.append(contentsOf: word.filter { !isDigit($0) })
    }
    return tidy(String(out))
  }

  /// A stable 12-hex-digit id of a normalised title (FNV-1a, the same in every run and build).
  public static func id(of normalisedTitle: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in normalisedTitle.utf8 {
      hash ^= UInt64(byte)
      hash &*= 0x0000_0100_0000_01B3
    }
    let hex = String(hash, radix: 16)
    return String((String(repeating: "0", count: 16 - hex.count) + hex).prefix(12))
  }

  private static func isDigit(_ s: Unicode.Scalar) -> Bool { ("0"..."9").contains(s) }
  private static func isHexDigit(_ s: Unicode.Scalar) -> Bool { isDigit(s) || ("a"..."f").contains(s) }
  private static func isAlphanumeric(_ s: Unicode.Scalar) -> Bool { s.properties.isAlphabetic || isDigit(s) }

  private static func removingQuoted(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
    var out: [Unicode.Scalar] = []
    var index = 0
    while index < scalars.count {
      let scalar = scalars[index]
      if scalar == "'" || scalar == "\"" || scalar == "`",
        let close = scalars[(index + 1)...].firstIndex(of: scalar)
      {
        // An apostrophe inside a word ("service's") opens no quote.
        let opensQuote = scalar != "'" || index == 0 || !isAlphanumeric(scalars[index - 1])
        if opensQuote {
          index = close + 1
          continue
        }
      }
      out.append(scalar)
      index += 1
    }
    return out
  }

  private static func removingUUIDs(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
    let shape = [8, 4, 4, 4, 12]
    func uuid(at start: Int) -> Int? {
      var index = start
      for (part, length) in shape.enumerated() {
        guard index + length <= scalars.count, scalars[index..<index + length].allSatisfy(isHexDigit) else { return nil }
        index += length
        if part < shape.count - 1 {
          guard index < scalars.count, scalars[index] == "-" else { return nil }
          index += 1
        }
      }
      return index
    }
    var out: [Unicode.Scalar] = []
    var index = 0
    while index < scalars.count {
      if let end = uuid(at: index) {
        index = end
      } else {
        out.append(scalars[index])
        index += 1
      }
    }
    return out
  }

  private static func tidy(_ text: String) -> String {
    func collapse(_ text: String) -> String { text.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
    func replace(_ text: String, _ old: String, _ new: String) -> String {
      text.split(separator: old, omittingEmptySubsequences: false).joined(separator: new)
    }
    var result = collapse(text)
    for (old, new) in [(" )", ")"), ("( ", "("), (" ]", "]"), ("[ ", "["), ("()", ""), ("[]", ""), ("{}", "")] {
      result = replace(result, old, new)
    }
    result = collapse(result)
    let edges: Set<Character> = [" ", "-", ":", ",", ";", "."]
    while let first = result.first, edges.contains(first) { result.removeFirst() }
    while let last = result.last, edges.contains(last) { result.removeLast() }
    return result
  }
}

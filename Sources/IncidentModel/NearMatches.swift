/// Close spellings of a name or an id, for "did you mean".
public enum NearMatches {
  /// Up to `limit` candidates within a few edits of `wanted` (or sharing its start), closest first.
  public static func find(_ wanted: String, among candidates: Set<String>, limit: Int = 3) -> [String] {
    var best = Closest(to: wanted, limit: limit)
    for candidate in candidates { best.consider(candidate) }
    return best.matches
  }

  /// The closest candidates seen so far, for names met one at a time (a fold over a stream keeps only these).
  public struct Closest: Sendable {
    private let target: [UInt8]
    private let lowercased: String
    private let threshold: Int
    private let limit: Int
    /// At most `limit`, by distance then name, each name once.
    private var kept: [(distance: Int, name: String)] = []

    public init(to wanted: String, limit: Int = 3) {
      lowercased = wanted.lowercased()
      target = Array(lowercased.utf8)
      threshold = max(2, target.count / 4)
      self.limit = limit
    }

    /// Keeps `candidate` if it is among the closest so far.
    public mutating func consider(_ candidate: String) {
      let lower = candidate.lowercased()
      let distance =
        lower.hasPrefix(lowercased) || lowercased.hasPrefix(lower)
        ? 0 : NearMatches.editDistance(target, Array(lower.utf8), limit: threshold)
      guard distance <= threshold else { return }
      insert((distance, candidate))
    }

    /// Adds what `other` kept (of the same name).
    public mutating func merge(_ other: Closest) {
      for entry in other.kept { insert(entry) }
    }

    /// The names kept, closest first.
    public var matches: [String] { kept.map(\.name) }

    private mutating func insert(_ entry: (distance: Int, name: String)) {
      guard !kept.contains(where: { $0.name == entry.name }) else { return }
      kept.append(entry)
      kept.sort { ($0.distance, $0.name) < ($1.distance, $1.name) }
      if kept.count > limit { kept.removeLast(kept.count - limit) }
    }
  }

  /// Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`.
  static func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
    if abs(a.count - b.count) > limit { return limit + 1 }
    var previous = Array(0...b.count)
    var current = Array(repeating: 0, count: b.count + 1)
    for i in 1...max(1, a.count) where !a.isEmpty {
      current[0] = i
      var rowMinimum = current[0]
      for j in 1...max(1, b.count) where !b.isEmpty {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        rowMinimum = min(rowMinimum, current[j])
      }
      if rowMinimum > limit { return limit + 1 }
      swap(&previous, &current)
    }
    return a.isEmpty ? b.count : previous[b.count]
  }
}

/// Close spellings of a name or an id, for "did you mean".
public enum NearMatches {
  /// Up to `limit` candidates within a few edits of `wanted` (or sharing its start), closest first.
  public static func find(_ wanted: String, among candidates: Set<String>, limit: Int = 3) -> [String] {
    let target = Array(wanted.lowercased().utf8)
    let threshold = max(2, target.count / 4)
    var scored: [(distance: Int, id: String)] = []
    for candidate in candidates {
      let lower = candidate.lowercased()
      if lower.hasPrefix(wanted.lowercased()) || wanted.lowercased().hasPrefix(lower) {
        scored.append((0, candidate))
        continue
      }
      let distance = editDistance(target, Array(lower.utf8), limit: threshold)
      if distance <= threshold { scored.append((distance, candidate)) }
    }
    return scored.sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }.prefix(limit).map(\.id)
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

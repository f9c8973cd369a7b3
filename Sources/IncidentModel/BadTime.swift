import Algorithms

/// A half-open stretch of time, `[start, end)`.
public struct Interval: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var start: Timestamp
  public var end: Timestamp

  public init(start: Timestamp, end: Timestamp) {
    self.start = start
    self.end = end
  }

  /// Length in milliseconds (0 for an empty or reversed interval).
  public var milliseconds: Int64 { max(0, end.millisecondsSinceEpoch - start.millisecondsSinceEpoch) }

  public var isEmpty: Bool { end <= start }

  /// The part of this interval inside `other`, or nil when they do not overlap.
  public func clipped(to other: Interval) -> Interval? {
    let clipped = Interval(start: max(start, other.start), end: min(end, other.end))
    return clipped.isEmpty ? nil : clipped
  }

  public static func < (lhs: Interval, rhs: Interval) -> Bool { (lhs.start, lhs.end) < (rhs.start, rhs.end) }

  public var description: String { "[\(start), \(end))" }
}

extension Array where Element == Interval {
  /// The union: sorted, with overlapping and touching intervals merged, empty ones dropped.
  public func unioned() -> [Interval] {
    var merged: [Interval] = []
    for interval in sorted() where !interval.isEmpty {
      if let last = merged.last, interval.start <= last.end {
        merged[merged.count - 1].end = Swift.max(last.end, interval.end)
      } else {
        merged.append(interval)
      }
    }
    return merged
  }

  /// Total length in milliseconds; callers union first when overlaps must not count twice.
  public var totalMilliseconds: Int64 { reduce(0) { $0 + $1.milliseconds } }

  /// Milliseconds of these sorted, disjoint intervals inside `window`, found by binary search.
  public func overlapMilliseconds(with window: Interval) -> Int64 {
    var total: Int64 = 0
    for interval in self[partitioningIndex { $0.end > window.start }...] {
      guard interval.start < window.end else { break }
      total += interval.clipped(to: window)?.milliseconds ?? 0
    }
    return total
  }

  /// Each interval clipped to `window`; those outside it dropped.
  public func clipped(to window: Interval) -> [Interval] { compactMap { $0.clipped(to: window) } }
}

extension IncidentSnapshot {
  /// When this incident was *bad*, as the SLO semantics define it.
  ///
  /// Bad from its impact start (`startedAt`, else creation) for as long as its
  /// status is OPEN or INVESTIGATING and — when `countedSeverities` is given —
  /// its severity at that moment is one of them; not bad once MITIGATED or
  /// RESOLVED, bad again if reopened. A cancelled incident was a false alarm
  /// and is never bad. A span still open at the last event is bad until `at`,
  /// and nothing counts after `at`.
  public func badIntervals(countedSeverities: Set<Severity>? = nil, until at: Timestamp) -> [Interval] {
    guard !isCancelled else { return [] }
    var bad: [Interval] = []
    for (index, span) in statusHistory.enumerated() where span.value.isActive {
      // The first span counts from the impact start: `startedAt` when the producer knew it.
      let start = index == 0 ? lifecycle.impactStartedAt : span.start
      let end = Swift.min(span.end ?? at, at)
      guard start < end else { continue }
      let active = Interval(start: start, end: end)
      guard let counted = countedSeverities else {
        bad.append(active)
        continue
      }
      for (severityIndex, severity) in severityHistory.enumerated() where counted.contains(severity.value) {
        // The first severity held from the impact start too.
        let severityStart = severityIndex == 0 ? Swift.min(severity.start, active.start) : severity.start
        if let overlap = Interval(start: severityStart, end: severity.end ?? at).clipped(to: active) { bad.append(overlap) }
      }
    }
    return bad.unioned()
  }

  /// The most severe severity the incident ever had, if any.
  public var peakSeverity: Severity? { severityHistory.map(\.value).min() }
}

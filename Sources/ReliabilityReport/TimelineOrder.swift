import HeapModule
import IncidentModel

/// Puts timeline rows in `(ts, origin)` order as they stream in, holding only a window of them.
///
/// Exports are written in time order, or nearly (producers interleave, copies
/// arrive a little late): such a stream is sorted by holding the last `window`
/// rows and letting out the earliest. When a row comes earlier than one already
/// let out, the stream is too far from order for the window; ``add(_:emit:)``
/// says so, and the caller sorts the whole period in memory instead.
public struct TimelineOrder {
  private struct Pending: Comparable {
    var row: TimelineRow
    static func < (lhs: Pending, rhs: Pending) -> Bool { (lhs.row.ts, lhs.row.origin) < (rhs.row.ts, rhs.row.origin) }
    static func == (lhs: Pending, rhs: Pending) -> Bool { (lhs.row.ts, lhs.row.origin) == (rhs.row.ts, rhs.row.origin) }
  }

  public let window: Int
  private var pending = Heap<Pending>()
  private var last: (ts: Timestamp, origin: EventOrigin)?

  public init(window: Int = 4096) {
    self.window = max(1, window)
  }

  /// Adds a row and emits those now known to come next; false when the row is out of reach of the window.
  public mutating func add(_ row: TimelineRow, emit: (TimelineRow) throws -> Void) rethrows -> Bool {
    if let last, (row.ts, row.origin) < last { return false }
    pending.insert(Pending(row: row))
    if pending.count > window, let next = pending.popMin() {
      last = (next.row.ts, next.row.origin)
      try emit(next.row)
    }
    return true
  }

  /// Emits the rows still held, in order.
  public mutating func finish(emit: (TimelineRow) throws -> Void) rethrows {
    while let next = pending.popMin() {
      last = (next.row.ts, next.row.origin)
      try emit(next.row)
    }
  }
}

import Dispatch

/// Work split over threads by index, for the pure, independent steps of a load or an evaluation.
public enum ParallelWork {
  /// Calls `body` once for every index of `0..<count`, on up to `threads` threads (contiguous runs of indices).
  public static func forEachIndex(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
    guard threads > 1, count > 1 else {
      for index in 0..<count { body(index) }
      return
    }
    let chunk = (count + min(threads, count) - 1) / min(threads, count)
    // As many parts as the chunk length needs: no part is left empty (or past the end).
    let parts = (count + chunk - 1) / chunk
    DispatchQueue.concurrentPerform(iterations: parts) { part in
      for index in (part * chunk)..<min(count, (part + 1) * chunk) { body(index) }
    }
  }

  /// `transform` of every index, in index order, computed on up to `threads` threads.
  public static func map<Value: Sendable>(_ count: Int, threads: Int, _ transform: @Sendable (Int) -> Value) -> [Value] {
    let slots = Slots<Value>(count: count)
    forEachIndex(count, threads: threads) { slots[$0] = transform($0) }
    return slots.values()
  }
}

/// A fixed row of optional values that threads fill, each index written by one thread only.
public final class Slots<Value: Sendable>: @unchecked Sendable {
  // Safe because every index is touched by exactly one thread between creation and `values()`.
  private let storage: UnsafeMutableBufferPointer<Value?>

  public init(count: Int) {
    storage = .allocate(capacity: count)
    storage.initialize(repeating: nil)
  }

  /// Takes the values of `array`, which the caller gives up.
  public init(taking array: [Value]) {
    storage = .allocate(capacity: array.count)
    _ = storage.initialize(from: array.lazy.map { Optional($0) })
  }

  deinit { storage.deinitialize().deallocate() }

  public var count: Int { storage.count }

  public subscript(index: Int) -> Value? {
    get { storage[index] }
    set { storage[index] = newValue }
  }

  /// Removes and returns the value at `index`.
  public func take(_ index: Int) -> Value? {
    let value = storage[index]
    storage[index] = nil
    return value
  }

  /// The values set, in index order.
  public func values() -> [Value] { storage.compactMap { $0 } }
}

import Dispatch
import Synchronization

/// Work split over threads by index: the partitions of a load, replayed or searched side by side.
enum ParallelWork {
  /// Calls `body` once for every index of `0..<count` on up to `threads` threads; each thread takes the next index left.
  ///
  /// `body` gets the index and the number of the thread running it (`0..<threads`), for per-thread state.
  static func forEachIndex(_ count: Int, threads: Int, _ body: @Sendable (_ index: Int, _ thread: Int) -> Void) {
    let workers = max(1, min(threads, count))
    guard workers > 1 else {
      for index in 0..<count { body(index, 0) }
      return
    }
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: workers) { thread in
      while true {
        let index = next.add(1, ordering: .relaxed).oldValue
        guard index < count else { return }
        body(index, thread)
      }
    }
  }

  /// `transform` of every index, in index order, computed on up to `threads` threads; the first error by index is thrown.
  static func mapThrowing<Value: Sendable>(
    _ count: Int, threads: Int, _ transform: @Sendable (Int) throws -> Value
  ) throws -> [Value] {
    let results = (0..<count).map { _ in Locked<Result<Value, any Error>?>(nil) }
    forEachIndex(count, threads: threads) { index, _ in
      let result = Result { try transform(index) }
      results[index].withLock { $0 = result }
    }
    return try results.map { slot in
      guard let result = slot.withLock({ $0 }) else { preconditionFailure("every index is computed") }
      return try result.get()
    }
  }
}

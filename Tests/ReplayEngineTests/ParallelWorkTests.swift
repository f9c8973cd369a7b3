import Testing

@testable import ReplayEngine

@Suite("Work split over threads")
struct ParallelWorkTests {
  @Test func everyIndexIsVisitedOnceWhateverTheCountAndThreads() throws {
    for threads in 1...9 {
      for count in 0...40 {
        let visits = (0..<count).map { _ in Locked(0) }
        let badThread = Locked(false)
        ParallelWork.forEachIndex(count, threads: threads) { index, thread in
          if thread >= threads { badThread.withLock { $0 = true } }
          visits[index].withLock { $0 += 1 }
        }
        #expect(visits.allSatisfy { $0.withLock { $0 } == 1 }, "\(count) indices on \(threads) threads")
        #expect(!badThread.withLock { $0 }, "a thread number past \(threads)")
        #expect(try ParallelWork.mapThrowing(count, threads: threads) { $0 * 2 } == (0..<count).map { $0 * 2 })
      }
    }
  }
}

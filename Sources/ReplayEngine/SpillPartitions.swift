import Foundation
import Synchronization
import SystemPackage

/// What the engine holds in memory, against the memory limit.
final class MemoryBudget: Sendable {
  let limit: Int
  private let held = Atomic<Int>(0)

  init(limit: Int) { self.limit = limit }

  /// Adds `bytes` held; true when the total has passed the limit.
  func hold(_ bytes: Int) -> Bool { held.add(bytes, ordering: .relaxed).newValue > limit }

  func release(_ bytes: Int) { held.subtract(bytes, ordering: .relaxed) }

  var bytesHeld: Int { held.load(ordering: .relaxed) }
}

/// Byte records split over partitions, each kept in memory until the budget is passed and then appended to its own file.
///
/// Appends come from any thread; each partition has its own lock, so threads adding
/// to different partitions do not wait for one another.
final class SpillPartitions: Sendable {
  private struct Partition {
    var buffer = ByteWriter()
    var file: FileDescriptor?
    var spilledBytes = 0
  }

  /// Names the files: `<name>-<index>.bin` in the spill directory.
  let name: String
  private let partitions: [Locked<Partition>]
  private let directory: SpillDirectory
  private let budget: MemoryBudget
  private let failure = Mutex<SpillError?>(nil)
  private let spilling = Mutex<Void>(())

  /// Whether spilled buffers keep their memory for the next appends: only when the limit is large enough to afford it.
  private let keepsBuffers: Bool
  /// A partition's fair share of the budget in bytes: what a kept buffer is sized to.
  private let bufferShare: Int

  /// `count` partitions whose buffers together take about `shareOfBudget` of the budget between spills.
  init(count: Int, name: String, directory: SpillDirectory, budget: MemoryBudget, shareOfBudget: Double = 1) {
    self.name = name
    keepsBuffers = budget.limit >= 32 << 20
    bufferShare = Int(Double(budget.limit) * min(1, max(0, shareOfBudget))) / max(1, count)
    partitions = (0..<max(1, count)).map { _ in Locked(Partition()) }
    self.directory = directory
    self.budget = budget
  }

  var count: Int { partitions.count }

  /// Appends bytes to partitions, `chunks[i]` to partition `i` (empty ones skipped); true when the budget is passed.
  func append(_ chunks: [[UInt8]]) -> Bool {
    var added = 0
    for (index, chunk) in chunks.enumerated() where !chunk.isEmpty {
      partitions[index].withLock { $0.buffer.bytes.append(contentsOf: chunk) }
      added += chunk.count
    }
    return budget.hold(added)
  }

  /// Lets `write` append to partition `index`'s buffer in place (under its lock); returns the bytes it added.
  ///
  /// Writing straight into the partition saves a copy, and a buffer of its own, per record.
  /// The caller accounts for the bytes with ``hold(_:)``.
  func append(to index: Int, _ write: (inout ByteWriter) -> Void) -> Int {
    partitions[index].withLock { partition in
      let before = partition.buffer.bytes.count
      write(&partition.buffer)
      return partition.buffer.bytes.count - before
    }
  }

  /// Counts `bytes` appended with ``append(to:_:)`` against the budget; true when it is passed.
  func hold(_ bytes: Int) -> Bool { budget.hold(bytes) }

  /// Writes every partition's buffer to its file, emptying the buffers.
  ///
  /// The buffers keep their memory for what is appended next, unless `releasingMemory` (the last spill,
  /// before replay). One thread spills at a time; a failure is kept for ``check()``.
  func spill(releasingMemory: Bool = false) {
    spilling.withLock { _ in
      for index in partitions.indices {
        do throws(SpillError) {
          try spill(index, releasingMemory: releasingMemory)
        } catch {
          failure.withLock { if $0 == nil { $0 = error } }
          return
        }
      }
    }
  }

  private func spill(_ index: Int, releasingMemory: Bool) throws(SpillError) {
    // Once SIGINT or SIGTERM arrived, the directory is being removed: write nothing more into it.
    SignalCleanup.shared.parkIfTerminating()
    let directory = try self.directory.directory()
    let path = "\(directory)/\(name)-\(index).bin"
    let released = try partitions[index].withLock { (partition: inout Partition) throws(SpillError) -> Int in
      guard !partition.buffer.bytes.isEmpty else { return 0 }
      do {
        let file =
          try partition.file
          ?? FileDescriptor.open(
            FilePath(path), .writeOnly, options: [.create, .append, .truncate], permissions: [.ownerReadWrite])
        partition.file = file
        _ = try partition.buffer.bytes.withUnsafeBytes { try file.writeAll($0) }
      } catch {
        throw .io(path: path, doing: "write", reason: "\(error)")
      }
      let count = partition.buffer.bytes.count
      partition.spilledBytes += count
      // Under a large limit the buffer keeps its memory for what comes next (freeing and faulting it in again cost
      // a tenth of a load); under a small one what it keeps would be a large share of the limit.
      // A buffer that grew well past its share starts again at its share: kept whole, the largest fill of every
      // round would ratchet each buffer's memory up as the input grows (30M events held 70% more than 10M).
      if releasingMemory || !keepsBuffers {
        partition.buffer = ByteWriter()
      } else if partition.buffer.bytes.capacity > bufferShare + bufferShare / 2 {
        partition.buffer = ByteWriter()
        partition.buffer.bytes.reserveCapacity(bufferShare)
      } else {
        partition.buffer.bytes.removeAll(keepingCapacity: true)
      }
      return count
    }
    budget.release(released)
  }

  /// The first failure to spill, if any.
  func check() throws(SpillError) {
    if let error = failure.withLock({ $0 }) { throw error }
  }

  /// Bytes in partition `index`, in memory and on disk.
  func size(of index: Int) -> Int {
    partitions[index].withLock { $0.buffer.bytes.count + $0.spilledBytes }
  }

  /// Calls `body` with partition `index`'s bytes, its file's in chunks of about `chunkSize` and then its buffer's,
  /// each chunk ending on a record boundary; the partition is emptied and its file removed.
  ///
  /// `records` cuts a chunk into records and says how many bytes it used (see ``SpillRecord/forEachRecord(in:_:)``).
  ///
  /// With `keeping`, the partition is read and left as it was (for a look before its replay).
  func drain(
    _ index: Int, keeping: Bool = false, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Int
  ) throws {
    let (buffer, file, spilled) = partitions[index].withLock { partition in
      defer { if !keeping { partition = Partition() } }
      return (partition.buffer.bytes, partition.file, partition.spilledBytes)
    }
    if !keeping { budget.release(buffer.count) }
    if let file {
      let path = "\(try directory.directory())/\(name)-\(index).bin"
      defer {
        if !keeping {
          try? file.close()
          unlink(path)
        }
      }
      // Read straight into one buffer; what a chunk leaves of a cut record moves to its front.
      var pending = [UInt8](repeating: 0, count: chunkSize)
      var filled = 0
      let reading = try Self.reopen(path)
      defer { try? reading.close() }
      var remaining = spilled
      while remaining > 0 {
        if filled == pending.count { pending += [UInt8](repeating: 0, count: pending.count) }
        let read: Int
        do {
          let start = filled
          read = try pending.withUnsafeMutableBytes { try reading.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[start...])) }
        } catch {
          throw SpillError.io(path: path, doing: "read", reason: "\(error)")
        }
        guard read > 0 else { throw SpillError.corrupt("\(path) ends \(remaining) bytes early") }
        remaining -= read
        filled += read
        let whole = filled
        let used = try pending.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<whole])) }
        if used > 0 {
          pending.withUnsafeMutableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            memmove(base, base + used, whole - used)
          }
          filled -= used
        }
      }
      guard filled == 0 else { throw SpillError.corrupt("\(path) ends inside a record") }
    }
    let used = try buffer.withUnsafeBytes { try body($0) }
    guard used == buffer.count else { throw SpillError.corrupt("a partition's buffer ends inside a record") }
  }

  private static func reopen(_ path: String) throws -> FileDescriptor {
    do {
      return try FileDescriptor.open(FilePath(path), .readOnly)
    } catch {
      throw SpillError.io(path: path, doing: "read", reason: "\(error)")
    }
  }

  /// Whether any partition went to disk.
  var spilled: Bool { partitions.contains { $0.withLock { $0.file != nil } } }
}

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

/// Byte records split over partitions, each kept in memory until the budget is passed and then written out.
///
/// What the partitions write goes into one file, each write at the end of what is there, and each
/// partition keeps where its own bytes lie in it. One file instead of one per partition: making a
/// file costs about half a millisecond on an ordinary disk, and a load has hundreds of partitions.
///
/// Until the first spill the whole budget decides: input that fits it never touches the disk, however
/// it falls over the partitions. From the first spill on, each partition writes its buffer out alone
/// whenever it is nearly full; so what the spool holds stays at the budget however long the input runs.
/// Under a large limit each buffer reserves its share of the budget once and keeps it.
///
/// Appends come from any thread; each partition has its own lock, so threads adding
/// to different partitions do not wait for one another.
final class SpillPartitions: Sendable {
  private struct Partition {
    var buffer = ByteWriter()
    /// Where the partition's written bytes lie in the file, in the order written (adjacent writes merged).
    var extents: [Range<Int>] = []
    var spilledBytes = 0
  }

  /// Names the file: `<name>.bin` in the spill directory.
  let name: String
  private let partitions: [Locked<Partition>]
  private let directory: SpillDirectory
  /// The file every partition writes to, made at the first write; and where the next write goes in it.
  private let file = Mutex<FileDescriptor?>(nil)
  private let fileEnd = Atomic<Int>(0)
  /// Partitions with bytes in the file that have not been drained yet.
  private let partitionsInFile = Atomic<Int>(0)
  private let budget: MemoryBudget
  private let failure = Mutex<SpillError?>(nil)
  private let spilling = Mutex<Void>(())
  /// Set at the first spill: from then on each partition writes out its own buffer when it nears its share.
  private let overflowing = Atomic<Bool>(false)

  /// Whether buffers keep their memory between writes: only when the limit is large enough to afford it.
  private let keepsBuffers: Bool
  /// A partition's fair share of the budget in bytes: what a kept buffer reserves.
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
    var passed = false
    for (index, chunk) in chunks.enumerated() where !chunk.isEmpty {
      passed = append(to: index) { $0.bytes.append(contentsOf: chunk) } || passed
    }
    return passed
  }

  /// Lets `write` append to partition `index`'s buffer in place (under its lock), and counts what it added against
  /// the budget; true when the budget is passed (the caller then calls ``spill(releasingMemory:)``).
  ///
  /// Writing straight into the partition saves a copy, and a buffer of its own, per record.
  /// Once spilling has begun, a buffer past seven eighths of its share is written to its file here,
  /// by the thread that filled it: the eighth left over takes the next few appends without growing it.
  func append(to index: Int, _ write: (inout ByteWriter) -> Void) -> Bool {
    let overflowing = self.overflowing.load(ordering: .relaxed)
    let (added, written) = partitions[index].withLock { partition -> (Int, Int) in
      let before = partition.buffer.bytes.count
      // The share is reserved whole at once: pages not yet written cost nothing, and a buffer grown by doubling
      // would hold up to twice what it was given.
      if keepsBuffers && partition.buffer.bytes.capacity < bufferShare {
        partition.buffer.bytes.reserveCapacity(bufferShare)
      }
      write(&partition.buffer)
      let added = partition.buffer.bytes.count - before
      guard overflowing, partition.buffer.bytes.count >= bufferShare - bufferShare / 8 else { return (added, 0) }
      do throws(SpillError) {
        return (added, try self.write(&partition, index: index, releasingMemory: false))
      } catch {
        keep(error)
        return (added, 0)
      }
    }
    budget.release(written)
    return budget.hold(added)
  }

  /// Writes every partition's buffer to its file, emptying the buffers.
  ///
  /// The buffers keep their memory for what is appended next, unless `releasingMemory` (the last spill,
  /// before replay). One thread spills at a time; a failure is kept for ``check()``.
  func spill(releasingMemory: Bool = false) {
    overflowing.store(true, ordering: .relaxed)
    spilling.withLock { _ in
      for index in partitions.indices {
        do throws(SpillError) {
          let released = try partitions[index].withLock { (partition: inout Partition) throws(SpillError) -> Int in
            try write(&partition, index: index, releasingMemory: releasingMemory)
          }
          budget.release(released)
        } catch {
          keep(error)
          return
        }
      }
    }
  }

  /// Appends a partition's buffer to its file and empties it; returns the bytes written (the caller holds its lock).
  private func write(_ partition: inout Partition, index: Int, releasingMemory: Bool) throws(SpillError) -> Int {
    guard !partition.buffer.bytes.isEmpty else { return 0 }
    // Once SIGINT or SIGTERM arrived, the directory is being removed: write nothing more into it.
    SignalCleanup.shared.parkIfTerminating()
    let file = try sharedFile()
    let count = partition.buffer.bytes.count
    // Each write takes its own range of the file, so partitions write at once from any thread.
    let offset = fileEnd.add(count, ordering: .relaxed).oldValue
    do {
      _ = try partition.buffer.bytes.withUnsafeBytes { try file.writeAll(toAbsoluteOffset: Int64(offset), $0) }
    } catch {
      throw .io(path: try path(), doing: "write", reason: "\(error)")
    }
    if let last = partition.extents.last, last.upperBound == offset {
      partition.extents[partition.extents.count - 1] = last.lowerBound..<offset + count
    } else {
      partition.extents.append(offset..<offset + count)
    }
    if partition.spilledBytes == 0 { partitionsInFile.add(1, ordering: .relaxed) }
    partition.spilledBytes += count
    // Under a large limit the buffer keeps its memory for what comes next (freeing and faulting it in again cost
    // a tenth of a load); under a small one what it keeps would be a large share of the limit. A buffer that grew
    // past its share (before the first spill, when partitions fill freely) starts again at its share.
    if releasingMemory || !keepsBuffers {
      partition.buffer = ByteWriter()
    } else if partition.buffer.bytes.capacity > bufferShare + bufferShare / 8 {
      partition.buffer = ByteWriter()
      partition.buffer.bytes.reserveCapacity(bufferShare)
    } else {
      partition.buffer.bytes.removeAll(keepingCapacity: true)
    }
    return count
  }

  /// The file's path in the spill directory.
  private func path() throws(SpillError) -> String { "\(try directory.directory())/\(name).bin" }

  /// The file, made at the first call.
  private func sharedFile() throws(SpillError) -> FileDescriptor {
    try file.withLock { (file: inout FileDescriptor?) throws(SpillError) -> FileDescriptor in
      if let file { return file }
      let path = try path()
      do {
        let made = try FileDescriptor.open(
          FilePath(path), .readWrite, options: [.create, .exclusiveCreate], permissions: [.ownerReadWrite])
        file = made
        return made
      } catch {
        throw .io(path: path, doing: "write", reason: "\(error)")
      }
    }
  }

  /// Closes and removes the file: every partition that wrote to it has been drained.
  private func removeFile() {
    file.withLock { file in
      guard let open = file else { return }
      try? open.close()
      file = nil
      if let path = try? path() { unlink(path) }
    }
  }

  deinit {
    // The file itself goes with the spill directory.
    try? file.withLock { $0 }?.close()
  }

  /// Keeps the first failure for ``check()``.
  private func keep(_ error: SpillError) { failure.withLock { if $0 == nil { $0 = error } } }

  /// The first failure to spill, if any.
  func check() throws(SpillError) {
    if let error = failure.withLock({ $0 }) { throw error }
  }

  /// Bytes in partition `index`, in memory and on disk.
  func size(of index: Int) -> Int {
    partitions[index].withLock { $0.buffer.bytes.count + $0.spilledBytes }
  }

  /// Calls `body` with partition `index`'s bytes, those written out in chunks of about `chunkSize` and then its
  /// buffer's, each chunk ending on a record boundary; the partition is emptied (the file is removed with the last).
  ///
  /// `records` cuts a chunk into records and says how many bytes it used (see ``SpillRecord/forEachRecord(in:_:)``).
  ///
  /// With `keeping`, the partition is read and left as it was (for a look before its replay).
  func drain(
    _ index: Int, keeping: Bool = false, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Int
  ) throws {
    let (buffer, extents, spilled) = partitions[index].withLock { partition in
      defer { if !keeping { partition = Partition() } }
      return (partition.buffer.bytes, partition.extents, partition.spilledBytes)
    }
    if !keeping { budget.release(buffer.count) }
    if spilled > 0 {
      let path = try path()
      guard let file = file.withLock({ $0 }) else { throw SpillError.corrupt("\(path) was removed with partition \(index) unread") }
      // Read straight into one buffer, extent after extent; what a chunk leaves of a cut record moves to its front.
      var pending = [UInt8](repeating: 0, count: chunkSize)
      var filled = 0
      var unread = extents[...]
      while let extent = unread.first {
        if filled == pending.count { pending += [UInt8](repeating: 0, count: pending.count) }
        let read: Int
        do {
          let start = filled
          let wanted = min(pending.count - start, extent.count)
          read = try pending.withUnsafeMutableBytes {
            try file.read(
              fromAbsoluteOffset: Int64(extent.lowerBound), into: UnsafeMutableRawBufferPointer(rebasing: $0[start..<start + wanted]))
          }
        } catch {
          throw SpillError.io(path: path, doing: "read", reason: "\(error)")
        }
        guard read > 0 else { throw SpillError.corrupt("\(path) ends \(unread.reduce(0) { $0 + $1.count }) bytes early") }
        unread[unread.startIndex] = extent.lowerBound + read..<extent.upperBound
        if unread[unread.startIndex].isEmpty { unread = unread.dropFirst() }
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
      // The last partition to finish reading the file removes it (no other is reading it then).
      if !keeping && partitionsInFile.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { removeFile() }
    }
    let used = try buffer.withUnsafeBytes { try body($0) }
    guard used == buffer.count else { throw SpillError.corrupt("a partition's buffer ends inside a record") }
  }

  /// The memory the buffers have reserved, in bytes (what they hold is at most this).
  var bufferCapacity: Int { partitions.reduce(0) { $0 + $1.withLock { $0.buffer.bytes.capacity } } }

  /// Whether any partition went to disk.
  var spilled: Bool { partitions.contains { $0.withLock { $0.spilledBytes > 0 } } }
}

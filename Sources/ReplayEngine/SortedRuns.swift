import Foundation
import HeapModule
import SystemPackage

/// A value that can go to a temporary file and come back: what ``SortedRuns`` holds.
public protocol SpillCodable: Sendable {
  func write(to writer: inout ByteWriter)
  init(from reader: inout ByteReader) throws(SpillError)
}

/// Values gathered in any order and read back sorted, in bounded memory: an external merge sort.
///
/// Up to ``runLength`` values are held; past that they are sorted and written to a
/// temporary file as one run. ``forEachInOrder(_:)`` merges the runs (and what is held)
/// while reading them, so only one chunk of each run is in memory. Runs from another
/// instance join with ``absorb(_:)``: the order is a total order, so the result does
/// not depend on which values went where.
public final class SortedRuns<Element: SpillCodable>: Sendable {
  private struct State {
    var held: [Element] = []
    var runs: [String] = []
    /// Runs in files this instance did not write (parts of partial-result files): read, never removed.
    var adopted: [(path: String, range: Range<Int>)] = []
    /// Directories of the instances it absorbed, whose runs it now reads.
    var directories: [SpillDirectory] = []
    /// The first run that could not be written.
    var failure: SpillError?
    /// Whether another instance took this one's runs (and its directory with them).
    var absorbed = false
  }

  /// Values held before a run is written.
  public let runLength: Int
  private let areInIncreasingOrder: @Sendable (Element, Element) -> Bool
  private let directory: SpillDirectory
  private let state = Locked(State())

  /// Values sorted by `areInIncreasingOrder`, a total order; runs go under `temporaryDirectory` (or `$TMPDIR`).
  public init(
    runLength: Int = 1 << 16, temporaryDirectory: String? = nil, by areInIncreasingOrder: @escaping @Sendable (Element, Element) -> Bool
  ) {
    self.runLength = max(1, runLength)
    self.areInIncreasingOrder = areInIncreasingOrder
    directory = SpillDirectory(base: temporaryDirectory)
  }

  deinit {
    let (directories, absorbed) = state.withLock { ($0.directories, $0.absorbed) }
    for directory in directories { directory.remove() }
    if !absorbed { directory.remove() }
  }

  /// Adds a value; writes a run when ``runLength`` are held.
  ///
  /// A run that cannot be written is kept as a failure that ``forEachInOrder(_:)`` throws,
  /// so a fold can add values without throwing.
  public func append(_ value: Element) {
    let full = state.withLock { state -> [Element]? in
      state.held.append(value)
      guard state.held.count >= runLength else { return nil }
      defer { state.held = [] }
      return state.held
    }
    guard let full else { return }
    do throws(SpillError) {
      try writeRun(full)
    } catch {
      state.withLock { if $0.failure == nil { $0.failure = error } }
    }
  }

  /// Takes `other`'s values and runs; `other` is left empty.
  public func absorb(_ other: SortedRuns<Element>) {
    guard other !== self else { return }
    let taken = other.state.withLock { state in
      defer {
        state = State()
        state.absorbed = true
      }
      return state
    }
    state.withLock { state in
      state.held += taken.held
      state.runs += taken.runs
      state.adopted += taken.adopted
      state.directories += taken.directories
      state.directories.append(other.directory)
      if state.failure == nil { state.failure = taken.failure }
    }
  }

  /// Whether no value was added.
  public var isEmpty: Bool { state.withLock { $0.held.isEmpty && $0.runs.isEmpty && $0.adopted.isEmpty } }

  /// Adds a run written elsewhere, as ``write(inOrderTo:)`` writes one.
  ///
  /// The run is the bytes `range` of the file at `path`, values in this instance's order. The file is read when
  /// the values are, and left in place.
  public func adoptRun(path: String, range: Range<Int>) {
    state.withLock { $0.adopted.append((path, range)) }
  }

  /// Writes every value in order to a new file at `path` (each as a 32-bit length and its bytes, the runs' own
  /// framing), consuming them; returns the bytes written.
  public func write(inOrderTo path: String) throws -> Int {
    let file: FileDescriptor
    do {
      file = try FileDescriptor.open(
        FilePath(path), .writeOnly, options: [.create, .exclusiveCreate], permissions: [.ownerReadWrite])
    } catch {
      throw SpillError.io(path: path, doing: "create", reason: "\(error)")
    }
    defer { try? file.close() }
    var writer = ByteWriter()
    var total = 0
    func flush() throws {
      do {
        _ = try writer.bytes.withUnsafeBytes { try file.writeAll($0) }
      } catch {
        throw SpillError.io(path: path, doing: "write", reason: "\(error)")
      }
      total += writer.bytes.count
      writer.bytes.removeAll(keepingCapacity: true)
    }
    try forEachInOrder { value in
      Self.frame(value, into: &writer)
      if writer.bytes.count >= 1 << 20 { try flush() }
    }
    try flush()
    return total
  }

  /// Appends `value` as a 32-bit little-endian length and its bytes.
  private static func frame(_ value: Element, into writer: inout ByteWriter) {
    let start = writer.bytes.count
    writer.bytes.append(contentsOf: [0, 0, 0, 0])
    value.write(to: &writer)
    let length = UInt32(truncatingIfNeeded: writer.bytes.count - start - 4)
    for offset in 0..<4 { writer.bytes[start + offset] = UInt8(truncatingIfNeeded: length >> UInt32(8 * offset)) }
  }

  /// Calls `body` with every value in order; the values are consumed and their files removed.
  public func forEachInOrder(_ body: (Element) throws -> Void) throws {
    let (held, runs, adopted, failure) = state.withLock { state in
      defer {
        state.held = []
        state.runs = []
        state.adopted = []
      }
      return (state.held, state.runs, state.adopted, state.failure)
    }
    if let failure { throw failure }
    let order = areInIncreasingOrder
    var readers = try runs.map { try RunReader<Element>(path: $0) }
    readers += try adopted.map { try RunReader<Element>(path: $0.path, range: $0.range) }
    var sortedHeld = held.sorted(by: order)
    // Heads of the runs, and of what was held (source index readers.count), smallest first.
    typealias Head = RunHead<Element>
    var heads = Heap<Head>()
    for index in readers.indices {
      if let value = try readers[index].next() { heads.insert(Head(value: value, source: index, order: order)) }
    }
    var heldIndex = 0
    if !sortedHeld.isEmpty {
      heads.insert(Head(value: sortedHeld[0], source: readers.count, order: order))
      heldIndex = 1
    }
    while let head = heads.popMin() {
      try body(head.value)
      if head.source == readers.count {
        if heldIndex < sortedHeld.count {
          heads.insert(Head(value: sortedHeld[heldIndex], source: head.source, order: order))
          heldIndex += 1
        }
      } else if let value = try readers[head.source].next() {
        heads.insert(Head(value: value, source: head.source, order: order))
      }
    }
    sortedHeld = []
    for run in runs { unlink(run) }
  }

  private func writeRun(_ values: [Element]) throws(SpillError) {
    var writer = ByteWriter()
    for value in values.sorted(by: areInIncreasingOrder) { Self.frame(value, into: &writer) }
    SignalCleanup.shared.parkIfTerminating()
    let path = "\(try directory.directory())/run-\(UInt64.random(in: 0...UInt64.max)).bin"
    do {
      let file = try FileDescriptor.open(
        FilePath(path), .writeOnly, options: [.create, .exclusiveCreate], permissions: [.ownerReadWrite])
      defer { try? file.close() }
      _ = try writer.bytes.withUnsafeBytes { try file.writeAll($0) }
    } catch {
      throw .io(path: path, doing: "write", reason: "\(error)")
    }
    // Its own directory is removed in `deinit`, or by the instance that absorbs it.
    state.withLock { $0.runs.append(path) }
  }
}

/// The next value of one run, in the merge's heap.
private struct RunHead<Element: SpillCodable>: Comparable {
  var value: Element
  var source: Int
  let order: @Sendable (Element, Element) -> Bool
  static func < (lhs: RunHead, rhs: RunHead) -> Bool { lhs.order(lhs.value, rhs.value) }
  static func == (lhs: RunHead, rhs: RunHead) -> Bool { !lhs.order(lhs.value, rhs.value) && !lhs.order(rhs.value, lhs.value) }
}

/// Reads one run back, a chunk at a time.
private struct RunReader<Element: SpillCodable> {
  let path: String
  private let file: FileDescriptor
  private var pending: [UInt8] = []
  private var offset = 0
  private var atEnd = false
  /// Bytes of the file still to read (its whole rest when nil).
  private var remaining: Int?

  /// The run in `range` of the file at `path`, or the whole file.
  init(path: String, range: Range<Int>? = nil) throws(SpillError) {
    self.path = path
    do {
      file = try FileDescriptor.open(FilePath(path), .readOnly)
      if let range { _ = try file.seek(offset: Int64(range.lowerBound), from: .start) }
    } catch {
      throw .io(path: path, doing: "read", reason: "\(error)")
    }
    remaining = range?.count
  }

  mutating func next() throws(SpillError) -> Element? {
    while true {
      if pending.count - offset >= 4 {
        let length = pending.withUnsafeBytes {
          Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        }
        if pending.count - offset - 4 >= length {
          let start = offset + 4
          offset = start + length
          let decoded = pending.withUnsafeBytes { bytes -> Result<Element, SpillError> in
            var reader = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[start..<start + length]))
            return Result { () throws(SpillError) in try Element(from: &reader) }
          }
          return try decoded.get()
        }
      }
      if atEnd {
        guard offset == pending.count else { throw .corrupt("\(path) ends inside a record") }
        try? file.close()
        return nil
      }
      pending.removeFirst(offset)
      offset = 0
      var chunk = [UInt8](repeating: 0, count: min(1 << 16, remaining ?? .max))
      let read: Int
      do {
        read = chunk.isEmpty ? 0 : try chunk.withUnsafeMutableBytes { try file.read(into: $0) }
      } catch {
        throw .io(path: path, doing: "read", reason: "\(error)")
      }
      if read == 0 { atEnd = true } else { pending += chunk[0..<read] }
      if let left = remaining { remaining = left - read }
    }
  }
}

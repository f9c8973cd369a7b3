import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A run of complete lines cut from an input, which owns its bytes.
///
/// Batches are what the reader hands to decoding threads: each can be decoded
/// on its own, because it knows the number of its first line.
final class LineBatch: @unchecked Sendable {
  // Immutable after init, and freed only by deinit: safe to read from any thread.
  private let base: UnsafeMutablePointer<UInt8>
  private let capacity: Int
  private let count: Int
  /// Where the buffer goes back to when the batch is done.
  private let pool: LineBufferPool
  /// The 1-based number of the batch's first line.
  let firstLine: Int64
  /// How many lines the batch holds, blank ones included.
  let lineCount: Int64

  fileprivate init(
    base: UnsafeMutablePointer<UInt8>, capacity: Int, count: Int, pool: LineBufferPool, firstLine: Int64, lineCount: Int64
  ) {
    self.base = base
    self.capacity = capacity
    self.count = count
    self.pool = pool
    self.firstLine = firstLine
    self.lineCount = lineCount
  }

  deinit { pool.giveBack(base, capacity: capacity) }

  /// Calls `body` with each line (without its `\n` or a final `\r`) and its number.
  func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int64) throws -> Void) rethrows {
    var start = 0
    var number = firstLine
    while start < count {
      let newline: Int
      if let found = memchr(base + start, 0x0A, count - start) {
        newline = found.assumingMemoryBound(to: UInt8.self) - base
      } else {
        newline = count  // the input's last line, without a newline
      }
      let length = newline > start && base[newline - 1] == 0x0D ? newline - start - 1 : newline - start
      try body(UnsafeBufferPointer(start: base + start, count: length), number)
      number += 1
      start = newline + 1
    }
  }
}

/// Batch buffers, reused: a long input reads thousands of batches, and a fresh megabyte
/// for each would leave the allocator holes that long-lived state then pins (the heap
/// grows with the input instead of with what is kept).
final class LineBufferPool: Sendable {
  /// Spare buffers, by address (a pointer is not `Sendable`; each address is owned by the pool while listed).
  private let free = Mutex<[UInt]>([])
  /// The size of every pooled buffer; others (for a line longer than a batch) are not kept.
  let bufferSize: Int
  /// More spare buffers than this are freed: the batches in flight stay below it.
  private let spares = 16

  init(bufferSize: Int) { self.bufferSize = bufferSize }

  deinit {
    for address in free.withLock({ $0 }) { UnsafeMutablePointer<UInt8>(bitPattern: address)?.deallocate() }
  }

  /// A buffer of `capacity` bytes: a pooled one when it is of the pooled size.
  func take(capacity: Int) -> UnsafeMutablePointer<UInt8> {
    if capacity == bufferSize, let address = free.withLock({ $0.popLast() }),
      let buffer = UnsafeMutablePointer<UInt8>(bitPattern: address)
    {
      return buffer
    }
    return .allocate(capacity: capacity)
  }

  func giveBack(_ buffer: UnsafeMutablePointer<UInt8>, capacity: Int) {
    let address = UInt(bitPattern: buffer)
    let kept =
      capacity == bufferSize
      && free.withLock { spare in
        guard spare.count < spares else { return false }
        spare.append(address)
        return true
      }
    if !kept { buffer.deallocate() }
  }
}

/// Splits a byte input into batches of whole lines, in bulk.
///
/// Each batch is one large read (a few MiB) cut after its last newline; the
/// unfinished line moves to the next batch. Memory is the batches in flight,
/// whatever the input's length.
struct LineReader {
  /// The longest line accepted; a longer one means the input is not JSON Lines.
  static let maximumLineLength = 64 << 20
  /// Bytes read for one batch: large enough to amortise a thread hand-off, small enough
  /// that a few in flight cost little and a small file still splits across threads.
  static let defaultBatchSize = 1 << 19

  private let input: any ByteInput
  private let name: String
  /// The batch buffers; their size is the batch size.
  private let pool: LineBufferPool
  /// The start of a line that did not fit in the previous batch.
  private var carried: [UInt8] = []
  private var nextLine: Int64 = 1
  /// Lines read so far, blank ones and an unterminated last one included.
  var linesRead: Int64 { nextLine - 1 }
  private var atStart = true
  private var finished = false

  init(input: any ByteInput, name: String, bufferSize: Int = defaultBatchSize) {
    self.input = input
    self.name = name
    pool = LineBufferPool(bufferSize: max(bufferSize, 1))
  }

  /// The next batch of complete lines, or nil at the end of the input.
  mutating func nextBatch() throws -> LineBatch? {
    guard !finished else { return nil }
    var capacity = max(pool.bufferSize, carried.count * 2)
    var base = pool.take(capacity: capacity)
    var owned = true
    defer { if owned { pool.giveBack(base, capacity: capacity) } }
    var filled = carried.count
    carried.withUnsafeBufferPointer { bytes in
      if let start = bytes.baseAddress { base.update(from: start, count: bytes.count) }
    }
    carried.removeAll(keepingCapacity: true)
    var endOfInput = false
    var cut = 0
    while true {
      while filled < capacity && !endOfInput {
        let count = try input.read(into: UnsafeMutableRawBufferPointer(start: base + filled, count: capacity - filled))
        if count == 0 { endOfInput = true }
        filled += count
        // A UTF-8 byte order mark is not part of the first event; a pipe may deliver it in pieces.
        if atStart && (filled >= 3 || endOfInput) {
          atStart = false
          if filled >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF {
            base.update(from: base + 3, count: filled - 3)
            filled -= 3
          }
        }
      }
      if endOfInput {
        cut = filled
        finished = true
        break
      }
      // The last newline is usually within a line's length of the end.
      if let last = UnsafeBufferPointer(start: base, count: filled).lastIndex(of: 0x0A) {
        cut = last + 1
        break
      }
      // No newline in a full buffer: one line longer than the batch.
      guard capacity < Self.maximumLineLength else {
        throw InputError.lineTooLong(location: "\(name):\(nextLine)", limit: Self.maximumLineLength)
      }
      let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
      larger.update(from: base, count: filled)
      pool.giveBack(base, capacity: capacity)
      base = larger
      capacity *= 2
    }
    if cut < filled { carried.append(contentsOf: UnsafeBufferPointer(start: base + cut, count: filled - cut)) }
    guard cut > 0 else { return nil }
    var lines: Int64 = 0
    var position = 0
    while position < cut, let found = memchr(base + position, 0x0A, cut - position) {
      lines += 1
      position = found.assumingMemoryBound(to: UInt8.self) - base + 1
    }
    if position < cut { lines += 1 }  // the last line has no newline
    owned = false
    let batch = LineBatch(base: base, capacity: capacity, count: cut, pool: pool, firstLine: nextLine, lineCount: lines)
    nextLine += lines
    return batch
  }

  /// Calls `body` with each line and its 1-based number, blank lines included.
  mutating func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int64) throws -> Void) throws {
    while let batch = try nextBatch() { try batch.forEachLine(body) }
  }
}

extension UnsafeBufferPointer<UInt8> {
  /// True when every byte is JSON whitespace.
  var isBlank: Bool {
    allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Splits a byte input into lines, in bulk, without copying them.
///
/// Bytes are read into one large buffer; each complete line is handed to the
/// caller as a view into that buffer (valid only during the call), with a
/// trailing `\r` removed. Only a partial last line is moved when the buffer is
/// refilled, so memory stays at the buffer size whatever the input's length.
struct LineReader {
  /// The longest line accepted; a longer one means the input is not JSON Lines.
  static let maximumLineLength = 64 << 20

  private let input: any ByteInput
  private let name: String
  private var bufferSize: Int

  init(input: any ByteInput, name: String, bufferSize: Int = 4 << 20) {
    self.input = input
    self.name = name
    self.bufferSize = bufferSize
  }

  /// Calls `body` with each line and its 1-based number, blank lines included.
  mutating func forEachLine(
    _ body: (UnsafeBufferPointer<UInt8>, Int64) throws -> Void
  ) throws {
    var capacity = bufferSize
    var base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    defer { base.deallocate() }
    var lineStart = 0
    var searchFrom = 0
    var filled = 0
    var lineNumber: Int64 = 0
    var byteOrderMarkChecked = false

    while true {
      if filled == capacity {
        if lineStart > 0 {
          // Keep only the unfinished line, moved to the front.
          let pending = filled - lineStart
          memmove(base, base + lineStart, pending)
          searchFrom -= lineStart
          filled = pending
          lineStart = 0
        } else {
          guard capacity < Self.maximumLineLength else {
            throw InputError.lineTooLong(location: "\(name):\(lineNumber + 1)", limit: Self.maximumLineLength)
          }
          let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
          larger.update(from: base, count: filled)
          base.deallocate()
          base = larger
          capacity *= 2
        }
      }
      let count = try input.read(into: UnsafeMutableRawBufferPointer(start: base + filled, count: capacity - filled))
      filled += count
      if !byteOrderMarkChecked {
        // A UTF-8 byte order mark is not part of the first event; a pipe may deliver it in pieces.
        if filled < 3 && count > 0 { continue }
        byteOrderMarkChecked = true
        if filled >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF {
          lineStart = 3
          searchFrom = 3
        }
      }
      if count == 0 { break }
      while searchFrom < filled, let found = memchr(base + searchFrom, 0x0A, filled - searchFrom) {
        let newline = found.assumingMemoryBound(to: UInt8.self) - base
        lineNumber += 1
        try body(line(base, from: lineStart, to: newline), lineNumber)
        lineStart = newline + 1
        searchFrom = lineStart
      }
      searchFrom = filled
    }
    if filled > lineStart {
      // The last line has no newline.
      try body(line(base, from: lineStart, to: filled), lineNumber + 1)
    }
  }

  /// The bytes of `[start, end)`, without a final `\r`.
  private func line(_ base: UnsafeMutablePointer<UInt8>, from start: Int, to end: Int) -> UnsafeBufferPointer<UInt8> {
    let length = end > start && base[end - 1] == 0x0D ? end - start - 1 : end - start
    return UnsafeBufferPointer(start: base + start, count: length)
  }
}

extension UnsafeBufferPointer<UInt8> {
  /// True when every byte is JSON whitespace.
  var isBlank: Bool {
    allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
  }
}

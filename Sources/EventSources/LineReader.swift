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

  /// Calls `body` with each line and its 1-based number. Blank lines are passed too.
  mutating func forEachLine(
    _ body: (UnsafeBufferPointer<UInt8>, Int64) throws -> Void
  ) throws {
    var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
    defer { buffer.deallocate() }
    var lineStart = 0
    var searchFrom = 0
    var filled = 0
    var lineNumber: Int64 = 0
    var atFileStart = true

    while true {
      if filled == buffer.count {
        if lineStart > 0 {
          // Keep only the unfinished line, moved to the front.
          let pending = filled - lineStart
          memmove(buffer.baseAddress!, buffer.baseAddress! + lineStart, pending)
          searchFrom -= lineStart
          filled = pending
          lineStart = 0
        } else {
          guard buffer.count < Self.maximumLineLength else {
            throw InputError.lineTooLong(location: "\(name):\(lineNumber + 1)", limit: Self.maximumLineLength)
          }
          let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
          larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[..<filled]))
          buffer.deallocate()
          buffer = larger
        }
      }
      let count = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
      if count == 0 { break }
      filled += count
      if atFileStart && filled >= 3 {
        atFileStart = false
        // A UTF-8 byte order mark is not part of the first event.
        if buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
          lineStart = 3
          searchFrom = 3
        }
      }
      let base = UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
      while searchFrom < filled, let found = memchr(base + searchFrom, 0x0A, filled - searchFrom) {
        let newline = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
        var lineEnd = newline
        if lineEnd > lineStart && base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        lineNumber += 1
        try body(UnsafeBufferPointer(start: base + lineStart, count: lineEnd - lineStart), lineNumber)
        lineStart = newline + 1
        searchFrom = lineStart
      }
      searchFrom = filled
    }
    if filled > lineStart {
      // The last line has no newline.
      let base = UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
      var lineEnd = filled
      if base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
      try body(UnsafeBufferPointer(start: base + lineStart, count: lineEnd - lineStart), lineNumber + 1)
    }
  }
}

extension UnsafeBufferPointer<UInt8> {
  /// True when every byte is JSON whitespace.
  var isBlank: Bool {
    allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
  }
}

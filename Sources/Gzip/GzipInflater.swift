import CLibZ

/// Why zlib could not inflate a gzip stream.
public enum GzipError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The bytes are not gzip, or a member's data or trailer (its CRC, its length) does not check.
  case corruptData(String)
  /// zlib could not set itself up (memory).
  case cannotStart(String)

  public var description: String {
    switch self {
    case .corruptData(let reason): "the compressed data is corrupt (\(reason)): a damaged or truncated copy?"
    case .cannotStart(let reason): "cannot start zlib: \(reason)"
    }
  }
}

/// What one `inflate` call did.
public struct InflateStep: Sendable, Equatable {
  /// Bytes of the input used.
  public var consumed: Int
  /// Bytes written to the output.
  public var produced: Int
  /// True when a gzip member (header, data and trailer) ended within the input used.
  public var memberEnded: Bool
}

/// Inflates gzip members through the system's zlib, in the caller's buffers.
///
/// The one thin wrapper of zlib: the stream state lives at a fixed address (zlib keeps a
/// pointer back to it), and is freed with the inflater.
public final class GzipInflater {
  private let stream: UnsafeMutablePointer<z_stream>

  public init() throws(GzipError) {
    stream = .allocate(capacity: 1)
    stream.initialize(to: z_stream())
    let status = rr_inflate_init_gzip(stream)
    guard status == Z_OK else {
      stream.deallocate()
      throw .cannotStart(Self.message(status, nil))
    }
  }

  deinit {
    inflateEnd(stream)
    stream.deallocate()
  }

  /// Inflates from `input` into `output` until one of them is used up or a member ends.
  public func inflate(from input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(GzipError)
    -> InflateStep
  {
    stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
    stream.pointee.avail_in = uInt(input.count)
    stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
    stream.pointee.avail_out = uInt(output.count)
    let status = CLibZ.inflate(stream, Z_NO_FLUSH)
    let step = InflateStep(
      consumed: input.count - Int(stream.pointee.avail_in), produced: output.count - Int(stream.pointee.avail_out),
      memberEnded: status == Z_STREAM_END)
    switch status {
    case Z_OK, Z_STREAM_END: return step
    // No progress was possible: more input or more room is needed, which the caller sees from the counts.
    case Z_BUF_ERROR: return step
    case Z_MEM_ERROR: throw .cannotStart(Self.message(status, stream.pointee.msg))
    default: throw .corruptData(Self.message(status, stream.pointee.msg))
    }
  }

  /// Starts over for the next member of a concatenated file.
  public func reset() throws(GzipError) {
    let status = inflateReset(stream)
    guard status == Z_OK else { throw .cannotStart(Self.message(status, stream.pointee.msg)) }
  }

  private static func message(_ status: Int32, _ text: UnsafePointer<CChar>?) -> String {
    if let text { return String(cString: text) }
    return switch status {
    case Z_DATA_ERROR: "invalid data"
    case Z_MEM_ERROR: "out of memory"
    case Z_STREAM_ERROR: "inconsistent stream state"
    case Z_NEED_DICT: "a preset dictionary is needed"
    default: "zlib status \(status)"
    }
  }
}

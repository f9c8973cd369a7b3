import Digests
import Gzip
import SystemPackage

/// A failure to read an input as a whole (as opposed to one broken line in it).
public enum InputError: Error, Sendable, CustomStringConvertible {
  case cannotOpen(path: String, reason: String)
  case readFailed(path: String, reason: String)
  case corruptGzip(path: String, reason: String)
  case lineTooLong(location: String, limit: Int)
  /// `--strict` stops at the first broken record.
  case strictStop(InputDiagnostic)

  public var description: String {
    switch self {
    case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
    case .readFailed(let path, let reason): "cannot read \(path): \(reason)"
    case .corruptGzip(let path, let reason): "\(path): not a readable gzip stream: \(reason)"
    case .lineTooLong(let location, let limit):
      "\(location): line longer than \(limit / (1 << 20)) MiB; is this a JSON Lines file?"
    case .strictStop(let diagnostic): "\(diagnostic) (stopped by --strict)"
    }
  }
}

/// A source of raw bytes, read in bulk.
protocol ByteInput: AnyObject {
  /// Fills the start of `buffer`; returns the number of bytes written, 0 at the end.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A file or standard input, read with plain `read(2)` calls.
final class FileInput: ByteInput {
  let path: String
  private let descriptor: SystemPackage.FileDescriptor
  private let ownsDescriptor: Bool
  /// Bytes read so far, as stored (compressed, for a gzip file).
  private(set) var bytesRead = 0
  /// The SHA-256 of the bytes read, when asked for: the digest `sha256sum` gives of the file.
  private var hasher: SHA256Digest?
  private let progress: ReadProgress?

  /// Opens `path` (`-` is standard input), hashing the bytes read as they pass with `digesting`
  /// and counting them in `progress`.
  init(path: String, digesting: Bool = false, progress: ReadProgress? = nil) throws {
    self.path = path
    self.progress = progress
    if digesting { hasher = SHA256Digest() }
    if path == "-" {
      descriptor = SystemPackage.FileDescriptor.standardInput
      ownsDescriptor = false
    } else {
      do {
        descriptor = try SystemPackage.FileDescriptor.open(FilePath(path), .readOnly)
      } catch {
        throw InputError.cannotOpen(path: path, reason: Self.describe(error))
      }
      ownsDescriptor = true
    }
  }

  deinit {
    if ownsDescriptor { try? descriptor.close() }
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    let count: Int
    do {
      count = try descriptor.read(into: buffer, retryOnInterrupt: true)
    } catch {
      throw InputError.readFailed(path: path, reason: Self.describe(error))
    }
    bytesRead += count
    progress?.addBytes(count)
    hasher?.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
    return count
  }

  /// The hex SHA-256 of everything read, once the input is read to its end; nil unless asked for.
  func digest() -> String? {
    hasher.map { Hex.string($0.finalize()) }
  }

  static func describe(_ error: any Error) -> String {
    if let errno = error as? Errno {
      switch errno {
      case .noSuchFileOrDirectory: return "no such file or directory"
      case .permissionDenied: return "permission denied"
      case .isDirectory: return "is a directory"
      default: return "\(errno)"
      }
    }
    return "\(error)"
  }
}

/// Gzip-compressed bytes, inflated as they are read; concatenated members are read in turn.
final class GzipInput: ByteInput {
  private let inner: FileInput
  private let inflater: GzipInflater
  /// Compressed bytes read from `inner`; `compressedStart..<compressedEnd` is not inflated yet.
  private let compressed: UnsafeMutableRawBufferPointer
  private var compressedStart = 0
  private var compressedEnd = 0
  /// True between a member's end and the next member's first byte (and at the end of a whole file).
  private var atMemberBoundary = false

  /// Wraps `inner`; `prefix` holds bytes already read from it (the sniffed magic number).
  init(inner: FileInput, prefix: UnsafeRawBufferPointer) throws {
    self.inner = inner
    do {
      inflater = try GzipInflater()
    } catch {
      throw InputError.corruptGzip(path: inner.path, reason: "\(error)")
    }
    compressed = .allocate(byteCount: 1 << 18, alignment: 16)
    compressed.copyMemory(from: prefix)
    compressedEnd = prefix.count
  }

  deinit { compressed.deallocate() }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    guard !buffer.isEmpty else { return 0 }
    while true {
      if compressedStart == compressedEnd {
        compressedStart = 0
        compressedEnd = try inner.read(into: compressed)
        if compressedEnd == 0 {
          guard atMemberBoundary else {
            throw InputError.corruptGzip(path: inner.path, reason: "the file ends in the middle of a compressed stream")
          }
          return 0
        }
      }
      if atMemberBoundary {
        // More bytes after a member's end: the next member of a concatenated gzip file.
        do { try inflater.reset() } catch { throw InputError.corruptGzip(path: inner.path, reason: "\(error)") }
        atMemberBoundary = false
      }
      let step: InflateStep
      do {
        step = try inflater.inflate(
          from: UnsafeRawBufferPointer(rebasing: compressed[compressedStart..<compressedEnd]), into: buffer)
      } catch {
        throw InputError.corruptGzip(path: inner.path, reason: "\(error)")
      }
      compressedStart += step.consumed
      atMemberBoundary = step.memberEnded
      if step.produced > 0 { return step.produced }
    }
  }
}

/// Opens a path (or `-`) and decompresses it when it starts with the gzip magic number.
func openByteInput(path: String, digesting: Bool = false, progress: ReadProgress? = nil) throws -> (
  input: any ByteInput, file: FileInput
) {
  let file = try FileInput(path: path, digesting: digesting, progress: progress)
  // Sniff two bytes: a `.gz` name is not needed, and stdin may be compressed too.
  var magic: [UInt8] = [0, 0]
  var sniffed = 0
  while sniffed < 2 {
    let count = try magic.withUnsafeMutableBytes { (bytes) throws -> Int in
      try file.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[sniffed...]))
    }
    if count == 0 { break }
    sniffed += count
  }
  let prefix = Array(magic[..<sniffed])
  if sniffed == 2, magic[0] == 0x1F, magic[1] == 0x8B {
    return (try prefix.withUnsafeBytes { (bytes) throws in try GzipInput(inner: file, prefix: bytes) }, file)
  }
  return (PrefixedInput(prefix: prefix, inner: file), file)
}

/// Replays sniffed bytes before the rest of the input.
final class PrefixedInput: ByteInput {
  private var prefix: [UInt8]
  private let inner: FileInput

  init(prefix: [UInt8], inner: FileInput) {
    self.prefix = prefix
    self.inner = inner
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    if prefix.isEmpty { return try inner.read(into: buffer) }
    let count = min(prefix.count, buffer.count)
    buffer.copyBytes(from: prefix[..<count])
    prefix.removeFirst(count)
    return count
  }
}

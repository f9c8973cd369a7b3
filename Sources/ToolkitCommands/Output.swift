import Foundation
import SystemPackage

/// Diagnostics and progress go to standard error, one line at a time, never to stdout.
enum StandardError {
  static func write(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }
}

/// Buffered standard output: reports can be large and `print` flushes too often.
enum StandardOutput {
  nonisolated(unsafe) private static var buffer: [UInt8] = []

  static func write(_ text: String) {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 20 { flush() }
  }

  static func flush() {
    guard !buffer.isEmpty else { return }
    let data = buffer
    buffer.removeAll(keepingCapacity: true)
    try? writeAll(data, to: .standardOutput)
  }
}

/// Why an output could not be written.
public enum OutputError: Error, CustomStringConvertible {
  case cannotCreate(path: String, reason: String)
  case writeFailed(path: String, reason: String)

  public var description: String {
    switch self {
    case .cannotCreate(let path, let reason): "cannot create \(path): \(reason)"
    case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
    }
  }
}

/// Where a command's main output goes: standard output, or a file written atomically.
///
/// A file is written under a temporary name beside its destination and renamed
/// into place by ``commit()``: a reader never sees half a file, and a run that
/// fails leaves no partial output behind (the temporary file is removed).
final class OutputTarget {
  private let path: String?
  private let temporaryPath: String?
  private let descriptor: SystemPackage.FileDescriptor
  private var buffer: [UInt8] = []
  private var committed = false

  /// `path` nil or `-` means standard output.
  init(path: String?) throws {
    guard let path, path != "-" else {
      self.path = nil
      temporaryPath = nil
      descriptor = .standardOutput
      StandardOutput.flush()
      return
    }
    self.path = path
    let directory = (path as NSString).deletingLastPathComponent
    let name = (path as NSString).lastPathComponent
    let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp-\(getpid())"
    temporaryPath = temporary
    do {
      descriptor = try .open(
        FilePath(temporary), .writeOnly, options: [.create, .truncate],
        permissions: [.ownerReadWrite, .groupRead, .otherRead])
    } catch {
      throw OutputError.cannotCreate(path: path, reason: "\(error)")
    }
  }

  deinit {
    if let temporaryPath, !committed {
      try? descriptor.close()
      unlink(temporaryPath)
    }
  }

  func write(_ text: String) throws {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 20 { try flush() }
  }

  private func flush() throws {
    do {
      try writeAll(buffer, to: descriptor)
      buffer.removeAll(keepingCapacity: true)
    } catch {
      throw OutputError.writeFailed(path: path ?? "standard output", reason: "\(error)")
    }
  }

  /// Writes what is buffered and, for a file, moves it into place.
  func commit() throws {
    try flush()
    guard let path, let temporaryPath else { return }
    do {
      try descriptor.close()
    } catch {
      throw OutputError.writeFailed(path: path, reason: "\(error)")
    }
    guard rename(temporaryPath, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporaryPath)
      committed = true
      throw OutputError.writeFailed(path: path, reason: reason)
    }
    committed = true
  }
}

private func writeAll(_ bytes: [UInt8], to descriptor: SystemPackage.FileDescriptor) throws {
  try bytes.withUnsafeBytes { raw in
    var offset = 0
    while offset < raw.count {
      offset += try descriptor.write(UnsafeRawBufferPointer(rebasing: raw[offset...]), retryOnInterrupt: true)
    }
  }
}

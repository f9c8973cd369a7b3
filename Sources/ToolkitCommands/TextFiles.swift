import Foundation
import SystemPackage

/// A text input that could not be read (an SLO file, a template, a document to lint).
struct TextFileError: Error, CustomStringConvertible {
  /// What the file is to the command: "the template", "the SLO file".
  var role: String
  var path: String
  var reason: String

  var description: String { "cannot read \(role) \(path): \(reason)" }
}

/// Reads small text inputs whole, with a size limit, and says in words why one cannot be read.
enum TextFiles {
  /// Reads `path` as UTF-8, refusing directories, files past `limit` bytes (so that `/dev/zero`
  /// named by mistake ends at once) and bytes that are not UTF-8.
  static func read(_ path: String, role: String, limit: Int) throws(TextFileError) -> String {
    let bytes = try readBytes(path, role: role, limit: limit)
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw TextFileError(role: role, path: path, reason: "it is not UTF-8 text")
    }
    return text
  }

  /// Reads `path` whole, refusing directories and files past `limit` bytes.
  static func readBytes(_ path: String, role: String, limit: Int) throws(TextFileError) -> [UInt8] {
    func fail(_ reason: String) -> TextFileError { TextFileError(role: role, path: path, reason: reason) }
    var info = stat()
    guard stat(path, &info) == 0 else { throw fail(String(cString: strerror(errno))) }
    guard info.st_mode & S_IFMT != S_IFDIR else { throw fail("it is a directory") }
    let descriptor: SystemPackage.FileDescriptor
    do {
      descriptor = try .open(FilePath(path), .readOnly)
    } catch {
      throw fail(Self.reason(error))
    }
    defer { try? descriptor.close() }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
      let count: Int
      do {
        count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0, retryOnInterrupt: true) }
      } catch {
        throw fail(Self.reason(error))
      }
      if count == 0 { break }
      bytes += chunk[..<count]
      guard bytes.count <= limit else { throw fail("it is larger than the \(limit / 1024) KiB such a file may have") }
    }
    return bytes
  }

  /// Opens `path` for reading a block at a time, refusing directories, and says in words why it cannot be.
  static func open(_ path: String, role: String) throws(TextFileError) -> FileHandle {
    func fail(_ reason: String) -> TextFileError { TextFileError(role: role, path: path, reason: reason) }
    var info = stat()
    guard stat(path, &info) == 0 else { throw fail(String(cString: strerror(errno))) }
    guard info.st_mode & S_IFMT != S_IFDIR else { throw fail("it is a directory") }
    guard let file = FileHandle(forReadingAtPath: path) else { throw fail(String(cString: strerror(errno))) }
    return file
  }

  private static func reason(_ error: any Error) -> String {
    (error as? Errno).map { String(cString: strerror($0.rawValue)) } ?? "\(error)"
  }
}

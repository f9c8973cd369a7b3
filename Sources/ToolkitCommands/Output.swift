import CStandardStreams
import Foundation
import Synchronization
import SystemPackage

/// The process's standard streams: written with `write(2)`, their failures remembered for the exit status.
///
/// A write error is never ignored and never a crash: a command whose output or diagnostics
/// could not be written exits 2 (see ``ToolkitMain``). A closed pipe still ends the process
/// quietly through `SIGPIPE`, as pipelines such as `| head` expect.
enum StandardStreams {
  private static let failures = Mutex<(output: String?, error: String?)>((nil, nil))

  /// Records the standard streams the caller closed, as failed.
  ///
  /// `CStandardStreams` already put `/dev/null` in their place as the process started, before
  /// any runtime could open a file and take their numbers.
  static func prepare() {
    let closed = rr_standard_streams_closed_at_start()
    if closed & 2 != 0 { recordOutputFailure("it was closed") }
    if closed & 4 != 0 { recordErrorFailure() }
  }

  static func recordOutputFailure(_ reason: String) {
    failures.withLock { if $0.output == nil { $0.output = reason } }
  }

  static func recordErrorFailure() {
    failures.withLock { if $0.error == nil { $0.error = "failed" } }
  }

  /// Why standard output could not be written, if it could not.
  static var outputFailure: String? { failures.withLock { $0.output } }
  /// Whether some diagnostic could not be written to standard error.
  static var errorFailed: Bool { failures.withLock { $0.error != nil } }

  /// Writes every byte to `descriptor`, retrying on interruption; the reason on failure.
  static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> String? {
    bytes.withUnsafeBytes { raw -> String? in
      guard let base = raw.baseAddress else { return nil }
      var offset = 0
      while offset < raw.count {
        let written = Foundation.write(descriptor, base + offset, raw.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          return String(cString: strerror(errno))
        }
        offset += written
      }
      return nil
    }
  }
}

/// Diagnostics and notes go to standard error, one line at a time, never to stdout.
///
/// On a terminal a status line (``ProgressLine``) may sit below them: each line written
/// erases it first and draws it again after, so the two never run into each other.
enum StandardError {
  private struct State {
    /// The status line shown now, if any.
    var status: String?
    /// `--quiet`: notes are left out.
    var quiet = false
  }

  private static let state = Mutex(State())
  /// Erases the terminal line the cursor is on, and returns to its start.
  private static let eraseLine = "\r\u{1B}[K"

  static func write(_ line: String) {
    state.withLock { state in
      let text = (state.status == nil ? "" : eraseLine) + line + "\n" + (state.status ?? "")
      if StandardStreams.writeAll(Array(text.utf8), to: 2) != nil { StandardStreams.recordErrorFailure() }
    }
  }

  /// A note: what a command did or is doing (files written, the input being read), left out under `--quiet`.
  static func note(_ line: String) {
    guard !state.withLock({ $0.quiet }) else { return }
    write(line)
  }

  /// Leaves out notes from now on.
  static func silenceNotes() { state.withLock { $0.quiet = true } }

  /// Shows `status` in place of the status line shown before; nil removes it.
  static func showStatus(_ status: String?) {
    state.withLock { state in
      guard state.status != nil || status != nil else { return }
      state.status = status
      // A status line is decoration: a failure to draw it is not the run's.
      _ = StandardStreams.writeAll(Array((eraseLine + (status ?? "")).utf8), to: 2)
    }
  }
}

/// Buffered standard output: reports can be large and `print` flushes too often.
enum StandardOutput {
  private static let buffer = Mutex<[UInt8]>([])

  static func write(_ text: String) {
    buffer.withLock { buffer in
      buffer.append(contentsOf: text.utf8)
      if buffer.count >= 1 << 20 { flushLocked(&buffer) }
    }
  }

  static func flush() {
    buffer.withLock { flushLocked(&$0) }
  }

  private static func flushLocked(_ buffer: inout [UInt8]) {
    guard !buffer.isEmpty else { return }
    if StandardStreams.outputFailure == nil, let reason = StandardStreams.writeAll(buffer, to: 1) {
      StandardStreams.recordOutputFailure(reason)
    }
    buffer.removeAll(keepingCapacity: true)
  }
}

/// Why an output could not be written.
public enum OutputError: Error, CustomStringConvertible {
  case cannotCreate(path: String, reason: String)
  case writeFailed(path: String, reason: String)
  /// The path names something a report cannot be written to (a directory, a socket, a block device).
  case unsuitableTarget(path: String, reason: String)

  public var description: String {
    switch self {
    case .cannotCreate(let path, let reason): "cannot create \(path): \(reason)"
    case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
    case .unsuitableTarget(let path, let reason): "cannot write \(path): \(reason)"
    }
  }
}

/// What an output path turns out to be, once its symbolic links are followed.
enum OutputDestination: Equatable {
  /// A regular file, or nothing yet: written beside it under a temporary name and renamed onto it.
  case replace(path: String)
  /// A character device or a pipe (`/dev/stdout`, `/dev/null`, a FIFO): written directly, never replaced.
  case direct(path: String)

  /// Follows `path`'s symbolic links (a dangling one too: the file is created where it points)
  /// and says how to write what is found there.
  static func resolve(_ path: String) throws(OutputError) -> OutputDestination {
    var current = path
    for _ in 0..<40 {
      var info = stat()
      guard lstat(current, &info) == 0 else {
        guard errno == ENOENT else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        return .replace(path: current)
      }
      switch info.st_mode & S_IFMT {
      case S_IFLNK:
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(current, &target, target.count - 1)
        guard length >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        let link = String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        current = link.hasPrefix("/") ? link : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(link)
      case S_IFREG: return .replace(path: current)
      case S_IFCHR, S_IFIFO: return .direct(path: current)
      case S_IFDIR: throw .unsuitableTarget(path: path, reason: "it is a directory")
      case S_IFSOCK: throw .unsuitableTarget(path: path, reason: "it is a socket")
      case S_IFBLK: throw .unsuitableTarget(path: path, reason: "it is a block device, which a report must not overwrite")
      default: throw .unsuitableTarget(path: path, reason: "it is not a regular file")
      }
    }
    throw .cannotCreate(path: path, reason: "too many levels of symbolic links")
  }
}

/// Files that appear together or not at all: each is written under a temporary name beside its
/// destination, and ``commit()`` renames them all into place, restoring what they replaced if
/// one rename fails.
///
/// A run that fails leaves nothing behind: temporary files are removed when the set is released
/// uncommitted. Devices and pipes are written directly and take no part in the renames.
final class OutputSet {
  /// One member: where it goes, and the file its bytes are written to now.
  final class Member {
    /// The path as the user gave it, for messages.
    let path: String
    let destination: OutputDestination
    /// The file written now: the temporary file, or the device itself.
    let writtenPath: String
    fileprivate var descriptor: SystemPackage.FileDescriptor?
    private var buffer: [UInt8] = []

    fileprivate init(path: String, sequence: Int) throws(OutputError) {
      self.path = path
      destination = try OutputDestination.resolve(path)
      switch destination {
      case .direct(let device):
        writtenPath = device
        do {
          descriptor = try .open(FilePath(device), .writeOnly)
        } catch {
          throw .cannotCreate(path: path, reason: "\(error)")
        }
      case .replace(let target):
        let directory = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        writtenPath = (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp-\(getpid())-\(sequence)"
        do {
          descriptor = try .open(
            FilePath(writtenPath), .writeOnly, options: [.create, .exclusiveCreate],
            permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
          throw .cannotCreate(path: path, reason: "\(error)")
        }
      }
    }

    /// Appends text; written out in large blocks.
    func write(_ text: String) throws(OutputError) {
      buffer.append(contentsOf: text.utf8)
      if buffer.count >= 1 << 20 { try flush() }
    }

    /// Appends bytes; written out in large blocks.
    func write(bytes: [UInt8]) throws(OutputError) {
      buffer.append(contentsOf: bytes)
      if buffer.count >= 1 << 20 { try flush() }
    }

    fileprivate func flush() throws(OutputError) {
      guard let descriptor, !buffer.isEmpty else { return }
      if let reason = StandardStreams.writeAll(buffer, to: descriptor.rawValue) {
        throw .writeFailed(path: path, reason: reason)
      }
      buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and closes the file; its bytes are then complete.
    func finish() throws(OutputError) {
      try flush()
      guard let descriptor else { return }
      self.descriptor = nil
      // A full disk can surface only here, on NFS for one.
      guard close(descriptor.rawValue) == 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Closes the file without finishing it.
    fileprivate func abandon() {
      if let descriptor { close(descriptor.rawValue) }
      descriptor = nil
    }
  }

  private var members: [Member] = []
  private var committed = false

  init() {}

  deinit {
    guard !committed else { return }
    for member in members {
      member.abandon()
      if case .replace = member.destination { unlink(member.writtenPath) }
    }
  }

  /// Adds a file to the set and opens it for writing.
  func add(_ path: String) throws(OutputError) -> Member {
    let member = try Member(path: path, sequence: members.count)
    members.append(member)
    return member
  }

  /// Finishes every file and moves the set into place, all or nothing.
  func commit() throws(OutputError) {
    for member in members { try member.finish() }
    // Nothing is renamed until every destination is known to take a file.
    var replaced: [(member: Member, target: String, backup: String?)] = []
    for member in members {
      guard case .replace(let target) = member.destination else { continue }
      var info = stat()
      if lstat(target, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR {
        throw .unsuitableTarget(path: member.path, reason: "it is a directory")
      }
      replaced.append((member, target, nil))
    }
    // Keep what each rename replaces (as a hard link) until all of them succeeded.
    for index in replaced.indices {
      let backup = replaced[index].member.writtenPath + ".previous"
      if link(replaced[index].target, backup) == 0 { replaced[index].backup = backup }
    }
    defer { for entry in replaced { if let backup = entry.backup { unlink(backup) } } }
    for (index, entry) in replaced.enumerated() where rename(entry.member.writtenPath, entry.target) != 0 {
      let reason = String(cString: strerror(errno))
      for done in replaced[..<index] {
        if let backup = done.backup { rename(backup, done.target) } else { unlink(done.target) }
      }
      throw .writeFailed(path: entry.member.path, reason: reason)
    }
    committed = true
  }
}

/// Where a command's main output goes: standard output, or one file written atomically
/// (an ``OutputSet`` of one).
final class OutputTarget {
  private let set: OutputSet?
  private let member: OutputSet.Member?
  private var buffer: [UInt8] = []

  /// `path` nil or `-` means standard output.
  init(path: String?) throws {
    guard let path, path != "-" else {
      set = nil
      member = nil
      StandardOutput.flush()
      return
    }
    let set = OutputSet()
    member = try set.add(path)
    self.set = set
  }

  func write(_ text: String) throws {
    guard let member else {
      buffer.append(contentsOf: text.utf8)
      if buffer.count >= 1 << 20 { try flushStandardOutput() }
      return
    }
    try member.write(text)
  }

  func write(bytes: [UInt8]) throws {
    guard let member else {
      buffer.append(contentsOf: bytes)
      if buffer.count >= 1 << 20 { try flushStandardOutput() }
      return
    }
    try member.write(bytes: bytes)
  }

  private func flushStandardOutput() throws {
    if let reason = StandardStreams.writeAll(buffer, to: 1) {
      throw OutputError.writeFailed(path: "standard output", reason: reason)
    }
    buffer.removeAll(keepingCapacity: true)
  }

  /// Writes what is buffered and, for a file, moves it into place.
  func commit() throws {
    guard let set else { return try flushStandardOutput() }
    try set.commit()
  }
}

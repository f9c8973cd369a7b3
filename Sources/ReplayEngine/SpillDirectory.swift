import Foundation
import Synchronization

/// The engine's temporary directory: made under `$TMPDIR` at the first spill, removed on every way out.
///
/// Removed by ``remove()`` on success and on error (the loader's `defer`), and by a
/// handler on SIGINT and SIGTERM, which then ends the process as the signal would.
final class SpillDirectory: Sendable {
  private let path = Mutex<String?>(nil)
  private let base: String?

  /// A directory to be made under `base`, or `$TMPDIR` (else `/tmp`) when nil.
  init(base: String? = nil) { self.base = base }

  /// The directory, made on first use.
  func directory() throws(SpillError) -> String {
    try path.withLock { (path: inout String?) throws(SpillError) -> String in
      if let path { return path }
      let base = self.base ?? ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
      let created = try SignalCleanup.shared.makeDirectory(template: "\(base)/runbook-revenant-XXXXXX")
      path = created
      return created
    }
  }

  /// The directory's path, or where it will be made.
  var description: String { path.withLock { $0 } ?? base ?? "$TMPDIR" }

  /// Removes the directory and everything in it.
  func remove() {
    guard
      let removed = path.withLock({ path -> String? in
        defer { path = nil }
        return path
      })
    else { return }
    try? FileManager.default.removeItem(atPath: removed)
    SignalCleanup.shared.unregister(removed)
  }

  deinit { remove() }
}

/// The pipe the signal handler writes to; set once, before the handler is installed.
nonisolated(unsafe) private var signalPipe: Int32 = -1

/// Removes the registered temporary directories when SIGINT or SIGTERM arrives, then dies of that signal.
final class SignalCleanup: Sendable {
  static let shared = SignalCleanup()

  private let directories = Mutex<Set<String>>([])
  private let installed = Mutex(false)

  /// Makes a directory from a `mkdtemp` template and registers it, both under the lock the handler takes:
  /// a signal finds the directory registered, or finds none made.
  func makeDirectory(template: String) throws(SpillError) -> String {
    installHandler()
    while true {
      let made = directories.withLock { directories -> Result<String, SpillError>? in
        guard !terminating.load(ordering: .sequentiallyConsistent) else { return nil }
        var bytes = Array(template.utf8CString)
        guard let made = bytes.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
          return .failure(.io(path: template, doing: "make", reason: String(cString: strerror(errno))))
        }
        let created = String(cString: made)
        directories.insert(created)
        return .success(created)
      }
      if let made { return try made.get() }
      // Interrupted: outside the lock, so the handler can finish removing the files and end the process.
      parkIfTerminating()
    }
  }

  private func installHandler() {
    installed.withLock { installed in
      guard !installed else { return }
      installed = true
      var ends: [Int32] = [0, 0]
      guard pipe(&ends) == 0 else { return }
      signalPipe = ends[1]
      let readEnd = ends[0]
      // The handler only writes the signal's number to a pipe (all a handler may safely do); a thread
      // of its own reads it and removes the files. Not a dispatch queue: its threads may all be busy
      // decoding, and the run could end before the cleanup was served.
      let cleaner = Thread { [self] in
        var number: UInt8 = 0
        while read(readEnd, &number, 1) != 1 {}
        self.terminate(by: Int32(number))
      }
      cleaner.start()
      for signalNumber in [SIGINT, SIGTERM] {
        signal(signalNumber) { number in
          var byte = UInt8(truncatingIfNeeded: number)
          _ = write(signalPipe, &byte, 1)
        }
      }
    }
  }

  func unregister(_ directory: String) {
    directories.withLock { _ = $0.remove(directory) }
  }

  /// Set once a signal arrived: nothing more is written to the temporary files.
  let terminating = Atomic<Bool>(false)

  /// Once a signal arrived, stops the calling thread for good: the handler is removing the
  /// files and then ends the process, which must not write more or exit another way first.
  func parkIfTerminating() {
    while terminating.load(ordering: .relaxed) { sleep(1) }
  }

  private func terminate(by signalNumber: Int32) {
    terminating.store(true, ordering: .sequentiallyConsistent)
    let registered = directories.withLock { directories in
      terminating.store(true, ordering: .sequentiallyConsistent)
      return directories
    }
    for directory in registered {
      // A write that was under way may add a file while the directory is walked: walk it again until it is gone.
      for _ in 0..<100 where FileManager.default.fileExists(atPath: directory) {
        try? FileManager.default.removeItem(atPath: directory)
        if FileManager.default.fileExists(atPath: directory) { usleep(1000) }
      }
    }
    signal(signalNumber, SIG_DFL)
    // To the process: with the default action back, whichever thread takes it ends the process.
    kill(getpid(), signalNumber)
  }
}

import Dispatch
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
      SignalCleanup.shared.parkIfTerminating()
      let base = self.base ?? ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
      var template = Array("\(base)/runbook-revenant-XXXXXX".utf8CString)
      guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
        throw .io(path: "\(base)/runbook-revenant-XXXXXX", doing: "make", reason: String(cString: strerror(errno)))
      }
      let created = String(cString: made)
      path = created
      SignalCleanup.shared.register(created)
      return created
    }
  }

  /// The directory's path, or where it will be made.
  var description: String { path.withLock { $0 } ?? base ?? "$TMPDIR" }

  /// Whether anything was spilled.
  var exists: Bool { path.withLock { $0 != nil } }

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

/// Removes the registered temporary directories when SIGINT or SIGTERM arrives, then dies of that signal.
final class SignalCleanup: Sendable {
  static let shared = SignalCleanup()

  private let directories = Mutex<Set<String>>([])
  private let sources = Mutex<[any DispatchSourceSignal]>([])

  func register(_ directory: String) {
    directories.withLock { _ = $0.insert(directory) }
    sources.withLock { sources in
      guard sources.isEmpty else { return }
      for signalNumber in [SIGINT, SIGTERM] {
        // The dispatch source runs the handler on its queue, where removing files is safe.
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler { [self] in self.terminate(by: signalNumber) }
        source.resume()
        sources.append(source)
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
    for directory in directories.withLock({ $0 }) {
      // A write that was under way may add a file while the directory is walked: walk it again until it is gone.
      for _ in 0..<100 where FileManager.default.fileExists(atPath: directory) {
        try? FileManager.default.removeItem(atPath: directory)
        if FileManager.default.fileExists(atPath: directory) { usleep(1000) }
      }
    }
    signal(signalNumber, SIG_DFL)
    // To the process, not this thread: dispatch threads block signals, the others do not.
    kill(getpid(), signalNumber)
  }
}

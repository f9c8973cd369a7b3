public import ArgumentParser
import EventSources
import Foundation
import Synchronization

/// `--progress` and `--quiet`: what a long run says on standard error while it works.
public struct ProgressOptions: ParsableArguments {
  @Flag(help: "Show the progress line even when standard error is not a terminal (it is shown on a terminal anyway).")
  public var progress = false

  @Flag(
    help: "Leave out notes (what is read, what was written) and the progress line; warnings, diagnostics and errors stay.")
  public var quiet = false

  public init() {}

  /// Whether a progress line is drawn: on a terminal, or when asked for, and never under `--quiet`.
  var showsProgress: Bool { !quiet && (progress || isatty(2) == 1) }

  /// Applies `--quiet` to standard error: validation runs once the options are parsed, before the
  /// command can say anything.
  public func validate() throws {
    if quiet { StandardError.silenceNotes() }
  }

  /// Shows how far the reading of `input` has got, as `progress` counts it, until the returned line is stopped.
  func startLine(reading input: String, _ progress: ReadProgress) -> ProgressLine? {
    startLine { elapsed in ProgressText.describe(progress.snapshot(), elapsed: elapsed, input: input) }
  }

  /// Shows `describe`'s line about every 250 ms until the returned line is stopped; nil when no line is shown.
  func startLine(_ describe: @escaping @Sendable (Duration) -> String) -> ProgressLine? {
    guard showsProgress else { return nil }
    return ProgressLine(describe: describe)
  }
}

/// One self-updating line on standard error, redrawn on a thread of its own and erased when the run ends.
///
/// The one place besides `--at`'s default that reads a clock: a monotonic one, for the elapsed time and
/// the rates shown, which never reach an output.
final class ProgressLine: Sendable {
  private let stopped = Mutex(false)
  private let wake = DispatchSemaphore(value: 0)
  private let finished = DispatchSemaphore(value: 0)

  init(describe: @escaping @Sendable (Duration) -> String) {
    let clock = ContinuousClock()
    let start = clock.now
    Thread.detachNewThread { [self] in
      // Quick runs show nothing: the first line comes after a quarter of a second.
      while wake.wait(timeout: .now() + .milliseconds(250)) == .timedOut {
        StandardError.showStatus(Self.fit(describe(clock.now - start)))
      }
      finished.signal()
    }
  }

  /// Erases the line; nothing is drawn after this returns.
  func stop() {
    let wasStopped = stopped.withLock { stopped in
      defer { stopped = true }
      return stopped
    }
    guard !wasStopped else { return }
    wake.signal()
    finished.wait()
    StandardError.showStatus(nil)
  }

  deinit { stop() }

  /// Cuts the line to the terminal's width, so it never wraps (a wrapped line cannot be erased).
  private static func fit(_ line: String) -> String {
    var size = winsize()
    let width = ioctl(2, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    return line.count < width ? line : String(line.prefix(max(0, width - 2))) + "…"
  }
}

/// What a progress line says of a load: how much is read of how much, how fast, for how long, and how long still.
enum ProgressText {
  /// How the line names JSON Lines inputs: the file's name, standard input, or how many there are.
  static func label(files: [String]) -> String {
    guard files.count == 1 else { return "\(files.count) inputs" }
    return files[0] == "-" ? "standard input" : (files[0] as NSString).lastPathComponent
  }

  static func describe(_ progress: ReadProgress.Snapshot, elapsed: Duration, input: String) -> String {
    let seconds = max(0.001, elapsed.seconds)
    var parts: [String]
    switch progress.stage {
    case .reading:
      var read = "reading \(input): "
      if let total = progress.totalBytes, total > 0 {
        let fraction = min(1, Double(progress.bytesRead) / Double(total))
        read += "\(bytes(progress.bytesRead)) of \(bytes(total)) (\(Int(fraction * 100))%)"
        parts = [read, "\(count(progress.records)) records", "\(count(Int(Double(progress.records) / seconds)))/s"]
        parts.append(clock(elapsed.seconds) + " elapsed")
        if fraction > 0.01 { parts.append("about " + clock(seconds / fraction - seconds) + " left to read") }
      } else {
        read += progress.bytesRead > 0 ? "\(bytes(progress.bytesRead))" : "\(count(progress.records)) records"
        parts = [read]
        if progress.bytesRead > 0 { parts.append("\(count(progress.records)) records") }
        parts += ["\(count(Int(Double(progress.records) / seconds)))/s", clock(elapsed.seconds) + " elapsed"]
      }
    case .replaying:
      parts = [
        "replaying: partition \(progress.partitionsReplayed) of \(progress.partitions)", "\(count(progress.records)) records read",
        clock(elapsed.seconds) + " elapsed",
      ]
    }
    return parts.joined(separator: " · ")
  }

  /// What `incidents generate` has written of a stream of `incidents` incidents.
  static func describeWriting(lines: Int, bytes: Int, elapsed: Duration, of incidents: Int) -> String {
    let seconds = max(0.001, elapsed.seconds)
    return [
      "generating \(count(incidents)) incidents: \(count(lines)) lines", self.bytes(bytes),
      "\(count(Int(Double(lines) / seconds))) lines/s", clock(elapsed.seconds) + " elapsed",
    ].joined(separator: " · ")
  }

  /// 1.2 GB, 512.0 MB, 3.4 kB (powers of 1000, as `ls -h --si`).
  static func bytes(_ value: Int) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var amount = Double(value)
    var unit = 0
    while amount >= 1000 && unit < units.count - 1 {
      amount /= 1000
      unit += 1
    }
    return unit == 0 ? "\(value) B" : String(format: "%.1f %@", amount, units[unit])
  }

  /// 6643, 2.9M, 415k.
  static func count(_ value: Int) -> String {
    switch value {
    case ..<10_000: "\(value)"
    case ..<1_000_000: "\(value / 1000)k"
    default: String(format: "%.1fM", Double(value) / 1_000_000)
    }
  }

  /// 0:07, 12:30, 1:02:03.
  static func clock(_ seconds: Double) -> String {
    let whole = max(0, Int(seconds.rounded()))
    let (hours, minutes, rest) = (whole / 3600, whole / 60 % 60, whole % 60)
    return hours > 0
      ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
  }
}

extension Duration {
  fileprivate var seconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) / 1e18
  }
}

/// Where the diagnostics of broken and skipped records go: the first ``shownLimit`` to standard error,
/// then a count; every one of them to `--diagnostics FILE` when given.
///
/// The file is written whole or not at all, like every output, and also when the run stops at
/// an error: it is the record of what was read.
final class DiagnosticLog {
  /// Diagnostics shown on standard error before the rest are only counted.
  static let shownLimit = 20

  private let path: String?
  private let file: OutputTarget?
  private var count = 0

  init(path: String?) throws {
    self.path = path
    file = try path.map { try OutputTarget(path: $0) }
  }

  func write(_ line: String) {
    count += 1
    if count <= Self.shownLimit { StandardError.write(line) }
    // A write failure surfaces at the commit, where it has a path and a reason.
    try? file?.write(line + "\n")
  }

  /// Writes the count of what was not shown, and moves the file into place.
  func finish() throws {
    let hidden = count - Self.shownLimit
    if let path {
      if hidden > 0 { StandardError.write("\(hidden) more diagnostic(s) not shown; all \(count) are in \(path)") }
      try file?.commit()
    } else if hidden > 0 {
      StandardError.write("\(hidden) more diagnostic(s) not shown; '--diagnostics FILE' writes them all")
    }
  }
}

/// `--diagnostics FILE`: every diagnostic of a broken or skipped record, where standard error shows the first few.
public struct DiagnosticsOption: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Write every diagnostic of a broken or skipped record to this file (standard error shows the first "
        + "\(DiagnosticLog.shownLimit) and a count).",
      valueName: "file"), completion: .file())
  public var diagnostics: String?

  public init() {}

  public func validate() throws {
    if diagnostics == "-" || diagnostics == "" {
      throw ValidationError("'--diagnostics' names a file (standard output carries the command's own output).")
    }
  }

  /// A log for one run.
  func makeLog() throws -> DiagnosticLog { try DiagnosticLog(path: diagnostics) }
}

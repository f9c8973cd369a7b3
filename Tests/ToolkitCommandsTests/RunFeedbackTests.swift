import Foundation
import TestSupport
import Testing

/// The progress line, `--quiet` and the diagnostics cap, as a user at a terminal and a CI log see them.
@Suite("What a run says on standard error while it works")
struct RunFeedbackTests {
  static let erase = "\r\u{1B}[K"

  /// Runs `command` (a shell command line; `$B` names the built executables) reading events from a pipe that
  /// stays open a second after the samples, under a pseudo-terminal made by util-linux `script`; returns all
  /// the terminal showed.
  private func onATerminal(_ command: String, in dir: TemporaryDirectory) throws -> CommandResult {
    let fifo = dir.path("events.pipe")
    return try runShell(
      """
      mkfifo '\(fifo)'
      (cat samples/events.jsonl; sleep 1) > '\(fifo)' &
      script -q -e -c "stty cols 200; \(command.replacingOccurrences(of: "EVENTS", with: fifo))" /dev/null
      """)
  }

  @Test func aTerminalSeesOneSelfUpdatingLineThatIsErasedAtTheEnd() throws {
    let dir = try TemporaryDirectory()
    let result = try onATerminal("$B/incidents validate --events EVENTS", in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    let shown = result.stdout
    // The samples are read at once, then the pipe stays open: the line is drawn several times while it waits.
    let draws = shown.components(separatedBy: Self.erase + "reading events.pipe: ").count - 1
    #expect(draws >= 2, "\(shown.debugDescription.prefix(2000))")
    // Bytes count as they are read: the whole file shows while the pipe stays open. (Records count as their
    // batches are decoded and delivered, and a batch waits for a full buffer or the end: they may lag.)
    let size = try #require(try FileManager.default.attributesOfItem(atPath: Repository.path("samples/events.jsonl"))[.size] as? Int)
    #expect(
      shown.contains("reading events.pipe: \(String(format: "%.1f MB", Double(size) / 1e6)) · "), "\(shown.debugDescription.prefix(600))")
    #expect(shown.range(of: #"· [0-9]+ records · "#, options: .regularExpression) != nil)
    #expect(shown.contains(" elapsed"))
    // A pipe has no size: no share read and no estimate of the rest.
    #expect(!shown.contains("left to read"))
    // Erased before the summary: the report starts on a clean line and no status follows it.
    let summaryStart = try #require(shown.range(of: "Inputs: "))
    #expect(shown[..<summaryStart.lowerBound].hasSuffix(Self.erase))
    #expect(!shown[summaryStart.lowerBound...].contains("\u{1B}"))
  }

  @Test func aFileOfKnownSizeShowsTheShareReadAndAnEstimate() throws {
    let dir = try TemporaryDirectory()
    let big = dir.path("big.jsonl")
    // Large enough that the read lasts past the first draw even in a debug build.
    let generated = try runTool("incidents", ["generate", "--incidents", "3000", "--weeks", "26", "--out", big])
    #expect(generated.status == 0, "\(generated.stderr)")
    let result = try runShell("script -q -e -c \"stty cols 200; $B/incidents validate --threads 1 --events '\(big)'\" /dev/null")
    #expect(result.status == 0, "\(result.stderr)")
    let line = try #require(
      result.stdout.components(separatedBy: Self.erase).first { $0.hasPrefix("reading big.jsonl: ") },
      "\(result.stdout.debugDescription.prefix(2000))")
    #expect(line.range(of: #" MB of [0-9.]+ MB \([0-9]+%\) · [0-9.]+[kM]? records · "#, options: .regularExpression) != nil, "\(line)")
  }

  @Test func nothingOfTheKindWhenStandardErrorIsNotATerminalUnlessAsked() throws {
    let dir = try TemporaryDirectory()
    let fifo = dir.path("events.pipe")
    let plain = try runShell(
      "mkfifo '\(fifo)'; (cat samples/events.jsonl; sleep 1) > '\(fifo)' & $B/incidents validate --events '\(fifo)'")
    #expect(plain.status == 0)
    #expect(plain.stderr.isEmpty, "\(plain.stderr.debugDescription)")
    let forced = try runShell(
      "rm -f '\(fifo)'; mkfifo '\(fifo)'; (cat samples/events.jsonl; sleep 1) > '\(fifo)' & "
        + "$B/incidents validate --progress --events '\(fifo)'")
    #expect(forced.status == 0)
    #expect(forced.stderr.hasPrefix(Self.erase + "reading events.pipe: "), "\(forced.stderr.debugDescription)")
    #expect(forced.stderr.hasSuffix(Self.erase))
    #expect(forced.stdout == plain.stdout)
  }

  @Test func quietLeavesOutNotesAndTheLineButNotWarnings() throws {
    let dir = try TemporaryDirectory()
    let out = dir.path("export.jsonl")
    let loud = try runTool("incidents", ["export", "--events", "Tests/Fixtures/broken-lines.jsonl", "--out", out])
    #expect(loud.stderrLines.last?.hasPrefix("exported ") == true, "\(loud.stderr)")
    let quiet = try runTool("incidents", ["export", "--quiet", "--events", "Tests/Fixtures/broken-lines.jsonl", "--out", out])
    #expect(quiet.status == loud.status)
    // The diagnostics of broken records stay; the note of what was written goes.
    #expect(quiet.stderrLines == Array(loud.stderrLines.dropLast()))
    #expect(!quiet.stderrLines.isEmpty)
    // On a terminal, no line either.
    let terminal = try onATerminal("$B/incidents validate --quiet --events EVENTS", in: dir)
    #expect(!terminal.stdout.contains("reading "))
    #expect(!terminal.stdout.contains("\u{1B}"))
  }

  @Test func generateShowsWhatItHasWritten() throws {
    let dir = try TemporaryDirectory()
    let result = try runShell(
      "script -q -e -c \"stty cols 200; $B/incidents generate --incidents 3000 --weeks 26 --out '\(dir.path("g.jsonl"))'\" /dev/null")
    #expect(result.status == 0, "\(result.stdout)")
    #expect(result.stdout.contains(Self.erase + "generating 3000 incidents: "), "\(result.stdout.debugDescription.prefix(1000))")
    #expect(result.stdout.contains(" lines/s · "))
    // The note of what was generated comes after the line is erased.
    let last = try #require(result.stdout.components(separatedBy: Self.erase).last)
    #expect(last.hasPrefix("generated "), "\(last.debugDescription)")
  }

  @Test func aDiagnosticsFileIsWrittenWholeEvenWhenStrictStops() throws {
    let dir = try TemporaryDirectory()
    let log = dir.path("diagnostics.txt")
    let result = try runTool(
      "incidents", ["validate", "--strict", "--events", "Tests/Fixtures/broken-lines.jsonl", "--diagnostics", log])
    #expect(result.status == 2)
    // Under --strict the first broken record is the error itself; nothing came before it.
    #expect(try String(contentsOfFile: log, encoding: .utf8) == "")
    let refused = try runTool("incidents", ["validate", "--events", "samples/events.jsonl", "--diagnostics", "-"])
    #expect(refused.status == 2)
    #expect(refused.stderrLines.first?.contains("'--diagnostics' names a file") == true, "\(refused.stderr)")
  }
}

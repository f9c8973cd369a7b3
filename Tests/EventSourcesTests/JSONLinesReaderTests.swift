import Foundation
import IncidentModel
import ReplayEngine
import TestSupport
import Testing

@testable import EventSources

/// `text` compressed by the system's `gzip`, as users make their files.
private func gzip(_ text: String) throws -> [UInt8] {
  let dir = try TemporaryDirectory()
  try Data(text.utf8).write(to: URL(fileURLWithPath: dir.path("plain")))
  let result = try runShell("gzip -c '\(dir.path("plain"))' > '\(dir.path("plain.gz"))'")
  try #require(result.status == 0, "gzip: \(result.stderr)")
  return Array(try Data(contentsOf: URL(fileURLWithPath: dir.path("plain.gz"))))
}

private let created =
  #"{"id":"e1","orgId":"o","incidentId":"i1","ts":"2026-11-02T10:00:00Z","type":"INCIDENT_CREATED","payload":{"projectId":"p","title":"t","serviceName":"s","severity":"SEV2","environment":"prod"}}"#
private func note(_ id: String, incident: String = "i1") -> String {
  #"{"id":"\#(id)","orgId":"o","incidentId":"\#(incident)","ts":"2026-11-02T10:05:00Z","type":"INCIDENT_NOTE_ADDED","payload":{"text":"n"}}"#
}

/// Reads every record of `paths`, returning `(input, line)` of events and of broken records.
private func readOrigins(_ paths: [String]) throws -> (events: [EventOrigin], broken: [EventOrigin]) {
  var events: [EventOrigin] = []
  var broken: [EventOrigin] = []
  try JSONLinesSource(paths: paths).read(event: { _, origin in events.append(origin) }, broken: { origin, _ in broken.append(origin) })
  return (events, broken)
}

@Suite("Reading JSON Lines files")
struct JSONLinesReaderTests {
  @Test func numbersLinesPerFileInCommandLineOrder() throws {
    let dir = try TemporaryDirectory()
    let a = try dir.write("a.jsonl", lines: [created, "", note("e2")])
    let b = try dir.write("b.jsonl", lines: [note("e3"), "{broken", note("e4")])
    let (events, broken) = try readOrigins([b, a])
    #expect(
      events == [
        EventOrigin(input: 0, record: 1), EventOrigin(input: 0, record: 3), EventOrigin(input: 1, record: 1),
        EventOrigin(input: 1, record: 3),
      ])
    #expect(broken == [EventOrigin(input: 0, record: 2)])
    #expect(JSONLinesSource(paths: [b, a]).location(of: EventOrigin(input: 1, record: 3)) == "\(a):3")
    #expect(JSONLinesSource(paths: ["-"]).location(of: EventOrigin(input: 0, record: 7)) == "<stdin>:7")
  }

  @Test func acceptsCRLFAByteOrderMarkAndAMissingFinalNewline() throws {
    let dir = try TemporaryDirectory()
    let path = dir.path("crlf.jsonl")
    let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("\(created)\r\n\r\n\(note("e2"))\r\n\(note("e3"))".utf8)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let (events, broken) = try readOrigins([path])
    #expect(events.map(\.record) == [1, 3, 4])
    #expect(broken.isEmpty)
  }

  @Test func readsGzipFilesWhateverTheirName() throws {
    let dir = try TemporaryDirectory()
    let plain = [created, note("e2"), note("e3")].joined(separator: "\n") + "\n"
    let path = dir.path("events.data")  // no .gz: the magic number decides
    try Data(try gzip(plain)).write(to: URL(fileURLWithPath: path))
    let (events, broken) = try readOrigins([path])
    #expect(events.map(\.record) == [1, 2, 3])
    #expect(broken.isEmpty)
  }

  @Test func readsConcatenatedGzipMembersAsOneStream() throws {
    let dir = try TemporaryDirectory()
    let path = dir.path("joined.jsonl.gz")
    let first = try gzip(created + "\n")
    let second = try gzip(note("e2") + "\n" + note("e3") + "\n")
    try Data(first + second).write(to: URL(fileURLWithPath: path))
    #expect(try readOrigins([path]).events.map(\.record) == [1, 2, 3])
  }

  @Test func reportsATruncatedGzipFile() throws {
    let dir = try TemporaryDirectory()
    let path = dir.path("cut.jsonl.gz")
    let text = (0..<2000).map { note("e\($0)") }.joined(separator: "\n")
    let compressed = try gzip(text)
    try Data(compressed.prefix(compressed.count / 2)).write(to: URL(fileURLWithPath: path))
    #expect {
      try readOrigins([path])
    } throws: { error in
      "\(error)" == "\(path): not a readable gzip stream: the file ends in the middle of a compressed stream"
    }
  }

  @Test func namesAFileThatCannotBeOpened() {
    #expect {
      try readOrigins(["/nonexistent/events.jsonl"])
    } throws: { error in
      "\(error)" == "cannot open /nonexistent/events.jsonl: no such file or directory"
    }
  }

  @Test(arguments: [7, 16, 64, 1000])
  func splitsLinesAcrossRefillsAndGrowsForLongLines(bufferSize: Int) throws {
    // A small buffer makes lines straddle refills, and one line outgrow the buffer.
    let lines = ["a", "", "bb\r", String(repeating: "x", count: 300), "ccc", "last-without-newline"]
    let dir = try TemporaryDirectory()
    let path = dir.path("lines.txt")
    try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    var reader = LineReader(input: try FileInput(path: path), name: path, bufferSize: bufferSize)
    var seen: [(String, Int64)] = []
    try reader.forEachLine { bytes, number in seen.append((String(decoding: bytes, as: UTF8.self), number)) }
    #expect(seen.map(\.0) == ["a", "", "bb", String(repeating: "x", count: 300), "ccc", "last-without-newline"])
    #expect(seen.map(\.1) == [1, 2, 3, 4, 5, 6])
  }
}

@Suite("Loading: dedupe, grouping and replay across inputs")
struct IncidentLoaderTests {
  @Test func countsARepeatedFileOnceAndKeepsTheFirstOfAConflict() throws {
    let dir = try TemporaryDirectory()
    let a = try dir.write("a.jsonl", lines: [created, note("e2")])
    let changed = note("e2").replacingOccurrences(of: #""text":"n""#, with: #""text":"edited""#)
    let b = try dir.write("b.jsonl", lines: [created, changed, note("e5", incident: "i2")])
    var messages: [String] = []
    let loaded = try IncidentLoader.load(from: JSONLinesSource(paths: [a, b]), report: { messages.append($0.description) })
    #expect(loaded.summary.exactDuplicates == 1)
    #expect(loaded.summary.conflictingDuplicates == 1)
    #expect(loaded.summary.uniqueEvents == 3)
    #expect(loaded.snapshots.map(\.incidentId) == ["i1", "i2"])
    #expect(messages.contains("\(b):2: same id as the event at \(a):2 but different content; skipped"))
    #expect(messages.contains { $0.hasPrefix("incident i2 (org o): warning: no INCIDENT_CREATED in the stream") })
  }

  @Test func countsACopyWrittenInAnotherOrderAsTheSameEvent() throws {
    let dir = try TemporaryDirectory()
    let signal =
      #"{"id":"e7","orgId":"o","incidentId":"i1","ts":"2026-11-02T10:01:00Z","type":"INCIDENT_SIGNAL_INGESTED","payload":{"signalId":"s","signalType":"METRIC","serviceName":"s","source":"p","summary":"x","data":{"good":9,"total":10}}}"#
    let reordered =
      #"{"payload":{"summary":"x","data":{"good":9,"total":10},"source":"p","signalType":"METRIC","signalId":"s","serviceName":"s"},"type":"INCIDENT_SIGNAL_INGESTED","ts":"2026-11-02T10:01:00Z","id":"e7","incidentId":"i1","orgId":"o"}"#
    let changed = signal.replacingOccurrences(of: #""good":9"#, with: #""good":8"#)
    let path = try dir.write("copies.jsonl", lines: [created, signal, reordered, changed])
    for threads in [1, 2] {
      var messages: [String] = []
      let loaded = try IncidentLoader.load(
        from: JSONLinesSource(paths: [path]), options: LoadOptions(threads: threads), report: { messages.append($0.description) })
      #expect(loaded.summary.exactDuplicates == 1)
      #expect(loaded.summary.conflictingDuplicates == 1)
      #expect(messages == ["\(path):4: event e7: same id as the event at \(path):2 but different content; skipped"])
      #expect(loaded.snapshots.first?.requestSamples.map(\.good) == [9])
    }
  }

  @Test func limitsRepeatedWarningsButCountsThemAll() throws {
    let dir = try TemporaryDirectory()
    let unknown = (1...30).map {
      #"{"id":"u\#($0)","orgId":"o","incidentId":"i1","ts":"2026-11-02T10:0\#($0 % 10):00Z","type":"INCIDENT_NEW_THING","payload":{}}"#
    }
    let path = try dir.write("u.jsonl", lines: [created] + unknown)
    var shown = 0
    let loaded = try IncidentLoader.load(
      from: JSONLinesSource(paths: [path]), options: LoadOptions(warningLimit: 5), report: { _ in shown += 1 })
    #expect(shown == 5)
    #expect(loaded.summary.warningsNotShown == 25)
    #expect(loaded.summary.unknownTypeEvents == 30)
    #expect(loaded.summary.eventsByType["INCIDENT_NEW_THING"] == 30)
  }

  @Test func keepsFullDetailOnlyWhenAsked() throws {
    let path = Repository.path("samples/events.jsonl")
    let analytics = try IncidentLoader.load(from: JSONLinesSource(paths: [path]), report: { _ in })
    #expect(analytics.snapshots.allSatisfy { $0.details == nil })
    let first = try #require(analytics.snapshots.first)
    let full = try IncidentLoader.load(
      from: JSONLinesSource(paths: [path]), options: LoadOptions(detail: .full), include: { $0.incidentId == first.incidentId },
      report: { _ in })
    let detailed = try #require(full.snapshots.first)
    #expect(full.snapshots.count == 1)
    #expect(detailed.details?.timeline.count == first.eventCount)
    #expect(detailed.details?.notes.count == first.noteCount)
    #expect(detailed.statusHistory == first.statusHistory)
    #expect(detailed.requestSamples == first.requestSamples)
  }
}

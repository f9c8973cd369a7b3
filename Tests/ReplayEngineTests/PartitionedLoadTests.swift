import EventSources
import Foundation
import IncidentModel
import SampleGenerator
import TestSupport
import Testing

@testable import ReplayEngine

/// Everything a load hands back or reports, to compare two loads whole.
private struct LoadRecord: Equatable {
  var snapshots: [IncidentSnapshot]
  var summary: LoadSummary
  var diagnostics: [String]
}

private func load(
  _ paths: [String], threads: Int = 1, partitions: Int = 1, memoryLimit: Int = LoadOptions.defaultMemoryLimit,
  temporaryDirectory: String? = nil, strict: Bool = false
) throws -> LoadRecord {
  var diagnostics: [String] = []
  var options = LoadOptions(strict: strict, threads: threads, memoryLimit: memoryLimit, partitions: partitions)
  options.temporaryDirectory = temporaryDirectory
  let loaded = try IncidentLoader.load(
    from: JSONLinesSource(paths: paths), options: options, report: { diagnostics.append($0.description) })
  return LoadRecord(snapshots: loaded.snapshots, summary: loaded.summary, diagnostics: diagnostics)
}

/// A dirty generated stream, with one more line: a note whose id is a status change's of another incident.
private func dirtyStreamWithAReusedId(in dir: TemporaryDirectory) throws -> (path: String, reusedLine: Int, firstLine: Int) {
  var lines: [String] = []
  let configuration = GeneratorConfiguration(
    seed: 7, incidents: 120, orgs: 2, start: CivilDate(year: 2026, month: 9, day: 28), weeks: 4, dirty: true)
  _ = try SampleGenerator(configuration: configuration).generate { lines.append($0) }
  let statusLine = try #require(lines.firstIndex { $0.contains("\"type\":\"INCIDENT_STATUS_CHANGED\"") && $0.hasPrefix("{\"id\":") })
  let status = try #require(try JSONSerialization.jsonObject(with: Data(lines[statusLine].utf8)) as? [String: Any])
  let id = try #require(status["id"] as? String)
  let incident = try #require(status["incidentId"] as? String)
  let org = try #require(status["orgId"] as? String)
  let other = try #require(
    lines.first { $0.contains("\"orgId\":\"\(org)\"") && $0.contains("\"type\":\"INCIDENT_CREATED\"") && !$0.contains(incident) })
  let otherIncident = try #require(
    (try JSONSerialization.jsonObject(with: Data(other.utf8)) as? [String: Any])?["incidentId"] as? String)
  lines.append(
    #"{"id":"\#(id)","orgId":"\#(org)","incidentId":"\#(otherIncident)","ts":"2026-10-01T00:00:00Z","type":"INCIDENT_NOTE_ADDED","payload":{"text":"same id, other incident"}}"#
  )
  return (try dir.write("dirty.jsonl", lines: lines), lines.count, statusLine + 1)
}

/// `summary` as a load that never spilled would give it.
private func unspilled(_ record: LoadRecord) -> LoadRecord {
  var record = record
  record.summary.spilled = false
  return record
}

@Suite("Partitions and spilling change nothing but memory")
struct PartitionedLoadTests {
  @Test(arguments: [2, 7, 64])
  func theSamplesLoadTheSameOverAnyPartitionsWithAndWithoutSpilling(partitions: Int) throws {
    let samples = Repository.path("samples/events.jsonl")
    let reference = try load([samples])
    #expect(!reference.summary.spilled && reference.snapshots.count > 100)
    for (threads, limit) in [(1, LoadOptions.defaultMemoryLimit), (3, LoadOptions.defaultMemoryLimit), (1, 64 << 10), (3, 1)] {
      let other = try load([samples], threads: threads, partitions: partitions, memoryLimit: limit)
      #expect(other.summary.spilled == (limit < LoadOptions.defaultMemoryLimit), "\(partitions) partitions, limit \(limit)")
      #expect(unspilled(other) == reference, "\(partitions) partitions, \(threads) threads, limit \(limit)")
    }
  }

  @Test(arguments: [1, 2, 7, 64])
  func aDirtyStreamLoadsTheSameOverAnyPartitionsWithAndWithoutSpilling(partitions: Int) throws {
    let dir = try TemporaryDirectory()
    let (path, _, _) = try dirtyStreamWithAReusedId(in: dir)
    let reference = try load([path])
    #expect(reference.summary.brokenRecords > 0 && reference.summary.conflictingDuplicates > 0)
    #expect(reference.summary.exactDuplicates > 0 && reference.summary.incidentsWithoutCreation > 0)
    for (threads, limit) in [(2, LoadOptions.defaultMemoryLimit), (1, 4 << 10), (3, 1)] {
      let other = try load([path], threads: threads, partitions: partitions, memoryLimit: limit, temporaryDirectory: dir.path("."))
      #expect(unspilled(other) == reference, "\(partitions) partitions, \(threads) threads, limit \(limit)")
    }
  }

  // With one partition, its four id partitions exceed what a search may hold at a 1-byte limit: they are split by id first.
  @Test(arguments: [(LoadOptions.defaultMemoryLimit, 7), (1, 7), (1, 1)])
  func anIdReusedUnderAnotherIncidentIsAConflictFoundInBoundedMemory(limit: Int, partitions: Int) throws {
    let dir = try TemporaryDirectory()
    let (path, reusedLine, firstLine) = try dirtyStreamWithAReusedId(in: dir)
    let loaded = try load([path], threads: 2, partitions: partitions, memoryLimit: limit, temporaryDirectory: dir.path("."))
    #expect(loaded.summary.spilled == (limit == 1))
    let expected = "\(path):\(reusedLine): same id as the event at \(path):\(firstLine), which belongs to another incident; skipped"
    #expect(loaded.diagnostics.contains { $0.hasSuffix(expected) }, "\(loaded.diagnostics.filter { $0.contains("another incident") })")
    #expect(loaded.summary.skippedByReason["conflicting duplicate"]?.contains("\(path):\(reusedLine)") == true)
    // The event that read the id first is kept: its incident replays as without the copy.
    let withoutCopy = try dir.write(
      "without.jsonl", lines: try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropLast().map(String.init))
    let clean = try load([withoutCopy])
    #expect(loaded.snapshots == clean.snapshots)
    #expect(loaded.summary.conflictingDuplicates == clean.summary.conflictingDuplicates + 1)
  }

  @Test func theTemporaryDirectoryIsGoneAfterSuccessAndAfterAStrictStop() throws {
    let dir = try TemporaryDirectory()
    let base = dir.path("spill")
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    let samples = Repository.path("samples/events.jsonl")
    let loaded = try load([samples], threads: 2, partitions: 7, memoryLimit: 1, temporaryDirectory: base)
    #expect(loaded.summary.spilled)
    #expect(try FileManager.default.contentsOfDirectory(atPath: base).isEmpty)

    // A broken line at the very end, read after the partitions went to disk.
    var lines = try String(contentsOfFile: samples, encoding: .utf8).split(separator: "\n").map(String.init)
    lines.append(
      #"{"id":"evt_broken","orgId":"org_acme","incidentId":"inc_x","ts":"not a time","type":"INCIDENT_NOTE_ADDED","payload":{}}"#)
    let broken = try dir.write("broken.jsonl", lines: lines)
    #expect(throws: InputError.self) {
      try load([broken], threads: 2, partitions: 7, memoryLimit: 1, temporaryDirectory: base, strict: true)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: base).isEmpty)
  }

  @Test func aPartitionTooLargeToHoldIsSplitAndStillReplaysTheSame() throws {
    let samples = Repository.path("samples/events.jsonl")
    let reference = try load([samples])
    // One partition and a limit far below it: replay must split it, level after level.
    let split = try load([samples], threads: 2, partitions: 1, memoryLimit: 200 << 10)
    #expect(split.summary.spilled)
    #expect(unspilled(split) == reference)
  }
}

@Suite("Spilled records read back as written")
struct SpillRecordTests {
  @Test func everyEventOfTheSamplesRoundTripsThroughItsRecord() throws {
    var checked = 0
    try JSONLinesSource(paths: [Repository.path("samples/events.jsonl")]).readPrepared(
      threads: 1, preparation: Preparation(detail: .analytics),
      value: { prepared in
        guard let prepared else { return }
        var writer = ByteWriter()
        SpillRecord.append(prepared, incidentKey: IncidentKey.hash(prepared.incident), to: &writer)
        var decoded: PreparedEvent?
        let used = try writer.bytes.withUnsafeBytes { bytes in
          try SpillRecord.forEachRecord(in: bytes) { decoded = try SpillRecord.decode($0) }
        }
        #expect(used == writer.bytes.count)
        let back = try #require(decoded)
        #expect(back.incident == prepared.incident && back.origin == prepared.origin && back.digest == prepared.digest)
        #expect(back.idHash == prepared.idHash)
        #expect("\(back.entry(detail: .full))" == "\(prepared.entry(detail: .full))", "\(prepared.origin)")
        checked += 1
      }, broken: { origin, error in Issue.record("\(origin): \(error)") })
    #expect(checked > 6000)
  }

  @Test func aRecordCutOffAtTheEndOfAChunkIsLeftForTheNext() throws {
    var writer = ByteWriter()
    for index in 0..<3 {
      SpillRecord.append(
        PreparedEvent(
          incident: IncidentRef(orgId: "org_a", incidentId: "inc_\(index)"), origin: EventOrigin(input: 0, record: Int64(index + 1)),
          digest: index, content: .compact(ts: ts("2026-11-02T10:00:00Z"), eventId: "", idHash: index, change: .resolved)),
        incidentKey: index, to: &writer)
    }
    let cut = Array(writer.bytes.dropLast(3))
    var seen = 0
    let used = try cut.withUnsafeBytes { try SpillRecord.forEachRecord(in: $0) { _ in seen += 1 } }
    #expect(seen == 2 && used < cut.count)
  }
}

/// A number with its place, to check that runs merge into one total order.
private struct Numbered: SpillCodable, Equatable {
  var value: Int
  var place: Int

  init(value: Int, place: Int) {
    self.value = value
    self.place = place
  }

  func write(to writer: inout ByteWriter) {
    writer.signed(Int64(value))
    writer.varint(UInt64(place))
  }

  init(from reader: inout ByteReader) throws(SpillError) {
    value = Int(try reader.signed())
    place = Int(try reader.varint())
  }
}

@Suite("Sorted runs on disk")
struct SortedRunsTests {
  @Test(arguments: [1, 7, 1000])
  func valuesSpreadOverInstancesComeBackInOrder(runLength: Int) throws {
    let dir = try TemporaryDirectory()
    let order: @Sendable (Numbered, Numbered) -> Bool = { ($0.value, $0.place) < ($1.value, $1.place) }
    var parts = (0..<3).map { _ in SortedRuns<Numbered>(runLength: runLength, temporaryDirectory: dir.path("."), by: order) }
    var expected: [Numbered] = []
    var generator = SystemRandomNumberGenerator()
    for place in 0..<500 {
      let value = Numbered(value: Int.random(in: -50...50, using: &generator), place: place)
      expected.append(value)
      parts[place % 3].append(value)
    }
    parts[0].absorb(parts[2])
    parts[1].absorb(parts[0])
    #expect(parts[0].isEmpty && parts[2].isEmpty)
    // The absorbed instances go away before the merge: their runs must outlive them.
    let merged = parts[1]
    parts = []
    var seen: [Numbered] = []
    try merged.forEachInOrder { seen.append($0) }
    #expect(seen == expected.sorted(by: order))
    // Every run file is removed once read.
    let left = try FileManager.default.subpathsOfDirectory(atPath: dir.path(".")).filter { $0.hasSuffix(".bin") }
    #expect(left.isEmpty, "\(left)")
  }
}

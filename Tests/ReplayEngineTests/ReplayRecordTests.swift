import Foundation
import IncidentModel
import SampleGenerator
import TestSupport
import Testing

@testable import EventSources
@testable import ReplayEngine

/// Every line of a JSON Lines file the event decoder accepts, as the loader numbers them, with its content digest.
private func decodedLines(of path: String) throws -> [(entry: TimelineEntry, digest: Int)] {
  // Split on the byte, as the loader does: a "\r\n" is one Character to `String`.
  let data = try Data(contentsOf: URL(fileURLWithPath: path))
  var decoded: [(TimelineEntry, Int)] = []
  for (index, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
    var bytes = Array(line)
    if bytes.last == 0x0D { bytes.removeLast() }
    guard !bytes.isEmpty else { continue }
    let result = bytes.withUnsafeMutableBufferPointer { buffer -> (IncidentEvent, Int)? in
      let line = UnsafeBufferPointer(buffer)
      guard let event = try? EventDecoder.decode(line: line) else { return nil }
      return (event, ContentDigest.of(line: line))
    }
    guard let (event, digest) = result else { continue }
    decoded.append((TimelineEntry(origin: EventOrigin(input: 0, record: Int64(index + 1)), event: event), digest))
  }
  return decoded
}

@Suite("Compact records replay by the model's rules")
struct ReplayRecordTests {
  @Test func aKeptEventCostsSixtyFourBytesWhateverItsKind() {
    // Ten million events are kept as records until replay: every byte here is ten megabytes there.
    #expect(MemoryLayout<ReplayRecord>.stride <= 64)
    #expect(MemoryLayout<EventOrigin>.stride == 8)
  }

  /// The loader (compact records, partitions, spilling) against the model's replay of whole events, incident by incident.
  @Test(arguments: [EventDetail.analytics, .full])
  func theLoaderGivesWhatTheModelsReplayOfWholeEventsGives(detail: EventDetail) throws {
    let dir = try TemporaryDirectory()
    var lines: [String] = []
    let configuration = GeneratorConfiguration(
      seed: 11, incidents: 150, orgs: 2, start: CivilDate(year: 2026, month: 9, day: 28), weeks: 4, dirty: true)
    _ = try SampleGenerator(configuration: configuration).generate { lines.append($0) }
    let dirty = try dir.write("dirty.jsonl", lines: lines)
    for path in [Repository.path("samples/events.jsonl"), dirty] {
      var byIncident: [IncidentRef: [(entry: TimelineEntry, digest: Int)]] = [:]
      for line in try decodedLines(of: path) {
        byIncident[IncidentRef(orgId: line.entry.event.orgId, incidentId: line.entry.event.incidentId), default: []].append(line)
      }
      var exact = 0
      var conflicts = 0
      let expected = byIncident.keys.sorted().map { incident in
        let lines = byIncident[incident]!
        let digests = Dictionary(uniqueKeysWithValues: lines.map { ($0.entry.origin, $0.digest) })
        let outcome = IncidentReplay.replay(
          lines.map(\.entry), orgId: incident.orgId, incidentId: incident.incidentId, detail: detail,
          digest: { digests[$0.origin]! })
        exact += outcome.exactDuplicates
        conflicts += outcome.conflicts.count
        return outcome.snapshot
      }
      // Spilled through a tiny limit over several partitions, on three threads.
      let options = LoadOptions(detail: detail, threads: 3, memoryLimit: 1 << 10, partitions: 7)
      let loaded = try IncidentLoader.load(from: JSONLinesSource(paths: [path]), options: options, report: { _ in })
      #expect(loaded.summary.spilled)
      #expect(loaded.snapshots.count == expected.count)
      for (got, want) in zip(loaded.snapshots, expected) { #expect(got == want, "\(path): \(want.incidentId)") }
      #expect(loaded.summary.exactDuplicates == exact)
      #expect(loaded.summary.conflictingDuplicates == conflicts)
      if path == dirty { #expect(exact > 0 && conflicts > 0) }
    }
  }
}

import EventSources
import Foundation
import IncidentModel
import ReplayEngine
import SampleGenerator
import TestSupport
import Testing

private func generate(_ configuration: GeneratorConfiguration) throws -> (lines: [String], report: GenerationReport) {
  var lines: [String] = []
  let report = try SampleGenerator(configuration: configuration).generate { lines.append($0) }
  return (lines, report)
}

private let start = CivilDate(year: 2026, month: 9, day: 28)

@Suite("Sample generator")
struct SampleGeneratorTests {
  @Test func sameConfigurationGivesTheSameBytes() throws {
    let configuration = GeneratorConfiguration(seed: 7, incidents: 60, orgs: 3, start: start, weeks: 3, dirty: true)
    let first = try generate(configuration)
    let second = try generate(configuration)
    #expect(first.lines == second.lines)
    var other = configuration
    other.seed = 8
    #expect(try generate(other).lines != first.lines)
  }

  @Test func theCommittedSamplesAreWhatTheDefaultsGenerate() throws {
    let committed = try String(contentsOfFile: Repository.path("samples/events.jsonl"), encoding: .utf8)
    let (lines, _) = try generate(GeneratorConfiguration(start: start))
    #expect(committed == lines.joined(separator: "\n") + "\n", "regenerate with: make samples")
    let slos = try String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8)
    #expect(slos == SampleGenerator(configuration: GeneratorConfiguration(start: start)).sloDocuments())
  }

  @Test func writesRealisticIncidents() throws {
    let dir = try TemporaryDirectory()
    let (lines, report) = try generate(GeneratorConfiguration(seed: 3, incidents: 300, orgs: 3, start: start, weeks: 6))
    let path = try dir.write("clean.jsonl", lines: lines)
    let loaded = try IncidentLoader.load(from: JSONLinesSource(paths: [path]), report: { _ in })
    let snapshots = loaded.snapshots
    #expect(loaded.summary.skipped == 0)
    #expect(snapshots.count == 300)
    #expect(Set(snapshots.map(\.orgId)) == ["org_acme", "org_globex", "org_initech"])
    #expect(Set(snapshots.compactMap(\.serviceName)).count >= 12)
    #expect(snapshots.contains { $0.reopenCount > 0 })
    #expect(snapshots.contains { $0.isCancelled })
    #expect(snapshots.contains { $0.status.isActive }, "an incident still open at the end of the stream")
    #expect(snapshots.contains { $0.severityHistory.count > 1 })
    #expect(snapshots.contains { $0.lifecycle.impactStartedAt < $0.lifecycle.createdAt })
    #expect(snapshots.contains { !$0.requestSamples.isEmpty })
    #expect(snapshots.contains { !$0.sloViolations.isEmpty })
    #expect(snapshots.contains { !$0.ticketLinks.isEmpty })
    #expect(snapshots.contains { $0.correlationKeys.isEmpty }, "some incidents carry no key at all")
    // Each planted pattern recurs once a week.
    #expect(report.plantedPatterns.count == 9)
    for pattern in report.plantedPatterns {
      let matching = snapshots.filter {
        $0.orgId == pattern.orgId && $0.serviceName == pattern.serviceName && $0.correlationKeys.contains(pattern.correlationKey)
      }
      let weeks = Set(matching.map { ($0.lifecycle.createdAt.utcDate.daysSinceEpoch - start.daysSinceEpoch) / 7 })
      #expect(weeks == Set(0..<6), "\(pattern)")
    }
  }

  @Test func aDirtyStreamReplaysLikeItsCleanTwin() throws {
    let dir = try TemporaryDirectory()
    let clean = GeneratorConfiguration(seed: 11, incidents: 200, orgs: 2, start: start, weeks: 4)
    var dirty = clean
    dirty.dirty = true
    let (cleanLines, _) = try generate(clean)
    let (dirtyLines, report) = try generate(dirty)
    let cleanPath = try dir.write("clean.jsonl", lines: cleanLines)
    let dirtyPath = try dir.write("dirty.jsonl", lines: dirtyLines)

    let cleanLoad = try IncidentLoader.load(from: JSONLinesSource(paths: [cleanPath]), report: { _ in })
    var skippedLines: [String] = []
    let dirtyLoad = try IncidentLoader.load(
      from: JSONLinesSource(paths: [dirtyPath]), report: { if $0.kind.isSkip { skippedLines.append($0.location) } })

    // Every piece of dirt is found and counted as the generator planted it.
    let summary = dirtyLoad.summary
    #expect(summary.brokenRecords == report.brokenLines)
    #expect(summary.conflictingDuplicates == report.dirt["conflicting-duplicate"])
    #expect(summary.exactDuplicates == report.dirt["exact-duplicate"])
    #expect(summary.unknownTypeEvents == report.dirt["unknown-type"])
    #expect(summary.incidentsWithoutCreation == report.incidentsWithoutCreation.count)
    #expect(skippedLines.count == summary.skipped)

    // Lines Foundation's JSON parser rejects are among those named as broken (an independent check).
    for (index, line) in dirtyLines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
      if (try? JSONSerialization.jsonObject(with: Data(line.utf8))) == nil {
        #expect(skippedLines.contains("\(dirtyPath):\(index + 1)"), "line \(index + 1) is not JSON but was not reported")
      }
    }

    // Apart from incidents whose creation was left out, replay is the same.
    let missing = Set(report.incidentsWithoutCreation)
    let cleanById = Dictionary(uniqueKeysWithValues: cleanLoad.snapshots.map { ($0.incidentId, $0) })
    #expect(dirtyLoad.snapshots.count == cleanLoad.snapshots.count)
    for snapshot in dirtyLoad.snapshots where !missing.contains(snapshot.incidentId) {
      let twin = try #require(cleanById[snapshot.incidentId])
      #expect(snapshot.statusHistory == twin.statusHistory, "\(snapshot.incidentId)")
      #expect(snapshot.severityHistory == twin.severityHistory, "\(snapshot.incidentId)")
      #expect(snapshot.lifecycle == twin.lifecycle, "\(snapshot.incidentId)")
      #expect(snapshot.requestSamples == twin.requestSamples, "\(snapshot.incidentId)")
      #expect(snapshot.correlationKeys == twin.correlationKeys, "\(snapshot.incidentId)")
      #expect(snapshot.eventCount == twin.eventCount + snapshot.unknownEventCount, "\(snapshot.incidentId)")
    }
    for id in missing {
      let snapshot = try #require(dirtyLoad.snapshots.first { $0.incidentId == id })
      #expect(!snapshot.hasCreationEvent)
      #expect(snapshot.notices.contains { if case .missingCreation = $0 { true } else { false } })
    }
  }
}

import Foundation
import IncidentModel
import ReplayEngine
import SampleGenerator
import TestSupport
import Testing

@testable import EventSources

/// Everything a load hands back or reports, to compare two loads whole.
private struct LoadRecord: Equatable {
  var snapshots: [IncidentSnapshot]
  var summary: LoadSummary
  var diagnostics: [String]
}

private func load(_ paths: [String], threads: Int, batchSize: Int, detail: EventDetail = .analytics) throws -> LoadRecord {
  var source = JSONLinesSource(paths: paths)
  source.batchSize = batchSize
  var diagnostics: [String] = []
  let loaded = try IncidentLoader.load(
    from: source, options: LoadOptions(detail: detail, threads: threads), report: { diagnostics.append($0.description) })
  return LoadRecord(snapshots: loaded.snapshots, summary: loaded.summary, diagnostics: diagnostics)
}

/// The 1-based numbers of the lines of `path` that are not blank, split on `\n` bytes as the reader does.
private func nonBlankLineNumbers(_ path: String) throws -> [Int64] {
  let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
  let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
  let last = bytes.last == 0x0A ? lines.count - 1 : lines.count
  return (0..<last).filter { !lines[$0].allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }.map { Int64($0 + 1) }
}

private func dirtyStream(in dir: TemporaryDirectory) throws -> String {
  var lines: [String] = []
  let configuration = GeneratorConfiguration(
    seed: 5, incidents: 150, orgs: 2, start: CivilDate(year: 2026, month: 9, day: 28), weeks: 4, dirty: true)
  _ = try SampleGenerator(configuration: configuration).generate { lines.append($0) }
  return try dir.write("dirty.jsonl", lines: lines)
}

@Suite("Decoding and replaying on several threads gives the single-threaded result")
struct ParallelLoadTests {
  @Test(arguments: [2, 3, 8])
  func aDirtyStreamCutIntoManyBatchesLoadsAsOnOneThread(threads: Int) throws {
    let dir = try TemporaryDirectory()
    let path = try dirtyStream(in: dir)
    // Batches of a few lines each: every kind of dirt lands near some batch boundary.
    let single = try load([path], threads: 1, batchSize: 4 << 20)
    let parallel = try load([path], threads: threads, batchSize: 1500)
    #expect(single.summary.brokenRecords > 0 && single.summary.conflictingDuplicates > 0)
    #expect(parallel.summary == single.summary)
    #expect(parallel.diagnostics == single.diagnostics)
    #expect(parallel.snapshots == single.snapshots)
  }

  @Test func fullDetailAndSeveralInputsToo() throws {
    let dir = try TemporaryDirectory()
    let path = try dirtyStream(in: dir)
    let samples = Repository.path("samples/events.jsonl")
    let single = try load([samples, path], threads: 1, batchSize: 4 << 20, detail: .full)
    let parallel = try load([samples, path], threads: 4, batchSize: 100_000, detail: .full)
    #expect(parallel == single)
    #expect(single.snapshots.allSatisfy { $0.details?.timeline.count == $0.eventCount })
  }

  @Test func recordsArriveInLineOrderWhateverTheThreads() throws {
    let dir = try TemporaryDirectory()
    let path = try dirtyStream(in: dir)
    var source = JSONLinesSource(paths: [path])
    source.batchSize = 700
    var order: [Int64] = []
    try source.read(
      threads: 4, transform: { _, origin in origin.record }, value: { order.append($0) },
      broken: { origin, _ in order.append(origin.record) })
    #expect(order == (try nonBlankLineNumbers(path)))
  }

  @Test func strictStopsAtTheFirstBrokenRecordInLineOrder() throws {
    let dir = try TemporaryDirectory()
    let path = try dirtyStream(in: dir)
    var source = JSONLinesSource(paths: [path])
    source.batchSize = 900
    var stops: [String] = []
    for threads in [1, 4] {
      #expect {
        _ = try IncidentLoader.load(from: source, options: LoadOptions(strict: true, threads: threads), report: { _ in })
      } throws: { error in
        stops.append("\(error)")
        return true
      }
    }
    #expect(stops.count == 2 && stops[0] == stops[1] && stops[0].contains("stopped by --strict"))
  }

  @Test func aMissingSecondFileFailsAfterTheFirstIsDelivered() throws {
    let dir = try TemporaryDirectory()
    let path = try dirtyStream(in: dir)
    var source = JSONLinesSource(paths: [path, dir.path("missing.jsonl")])
    source.batchSize = 2000
    var delivered = 0
    #expect {
      try source.read(threads: 3, transform: { _, _ in 1 }, value: { delivered += $0 }, broken: { _, _ in delivered += 1 })
    } throws: { error in
      "\(error)" == "cannot open \(dir.path("missing.jsonl")): no such file or directory"
    }
    #expect(delivered == (try nonBlankLineNumbers(path)).count)
  }
}

@Suite("A load can leave out request counts outside a window")
struct RequestCountWindowTests {
  private func load(threads: Int, within window: Interval?) throws -> LoadedIncidents {
    var options = LoadOptions(detail: .analytics, threads: threads)
    options.requestCountsWithin = window
    return try IncidentLoader.load(
      from: JSONLinesSource(paths: [Repository.path("samples/events.jsonl")]), options: options, report: { _ in })
  }

  @Test(arguments: [1, 2])
  func keepsTheCountsInsideBothEndsIncludedAndChangesNothingElse(threads: Int) throws {
    let whole = try load(threads: 1, within: nil)
    let instants = whole.snapshots.flatMap { $0.requestSamples.map(\.instant) }.sorted()
    try #require(instants.count > 100)
    // Ends on instants that occur, so a bound left out by mistake shows.
    let window = Interval(start: instants[instants.count / 4], end: instants[instants.count / 2])
    let narrowed = try load(threads: threads, within: window)
    var expected = whole.snapshots
    for index in expected.indices {
      expected[index].requestSamples.removeAll { $0.instant < window.start || $0.instant > window.end }
    }
    #expect(expected.map(\.requestSamples.count).reduce(0, +) < instants.count / 2)
    #expect(expected.contains { $0.requestSamples.contains { $0.instant == window.start } })
    #expect(expected.contains { $0.requestSamples.contains { $0.instant == window.end } })
    #expect(narrowed.snapshots == expected)
    #expect(narrowed.summary == whole.summary)
  }

  @Test func anIntervalEndingBeforeItStartsKeepsNone() throws {
    let at = ts("2026-10-01T00:00:00Z")
    let narrowed = try load(threads: 2, within: Interval(start: at, end: at.adding(milliseconds: -1)))
    #expect(narrowed.snapshots.allSatisfy { $0.requestSamples.isEmpty })
    #expect(narrowed.snapshots.map(\.signalCount) == (try load(threads: 1, within: nil)).snapshots.map(\.signalCount))
  }
}

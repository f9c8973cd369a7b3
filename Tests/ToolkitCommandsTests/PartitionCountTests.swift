import EventSources
import Foundation
import IncidentModel
import Patterns
import Rendering
import ReplayEngine
import SLOBudget
import SampleGenerator
import TestSupport
import Testing

@testable import ToolkitCommands

/// Partitions and the memory limit change how the work is split and where it waits, never what comes out.
@Suite("Outputs do not depend on --partitions or --memory-limit", .serialized)
struct PartitionCountTests {
  @Test func validateSLOCheckSLOReportAndPatternsWithAndWithoutSpilling() throws {
    let dir = try TemporaryDirectory()
    let dirty = dir.path("dirty.jsonl")
    let generated = try runTool(
      "incidents", ["generate", "--dirty", "--seed", "33", "--incidents", "600", "--weeks", "6", "--out", dirty])
    #expect(generated.status == 0, "\(generated.stderr)")
    let splits = [
      ["--partitions", "1", "--threads", "1"], ["--partitions", "2", "--memory-limit", "64K"],
      ["--partitions", "7", "--memory-limit", "1K", "--threads", "3"], ["--partitions", "64", "--memory-limit", "1"],
    ]
    for events in ["samples/events.jsonl", dirty] {
      let slo = ["--events", events, "--slos", "samples/slos.yaml", "--at", "2026-11-23T06:00:00Z"]
      let commands: [(String, [String])] = [
        ("incidents", ["validate", "--events", events, "--format", "json"]),
        ("slo", ["check"] + slo + ["--format", "json"]),
        ("slo", ["report"] + slo + ["--format", "json", "--explain"]),
        ("reliability", ["patterns", "--events", events, "--at", "2026-11-23T06:00:00Z", "--format", "json", "--min-count", "1"]),
      ]
      for (tool, arguments) in commands {
        let reference = try runTool(tool, arguments)
        #expect(!reference.stdout.isEmpty, "\(tool) \(arguments): \(reference.stderr)")
        for split in splits {
          let other = try runTool(tool, arguments + split)
          #expect(other.status == reference.status, "\(tool) \(arguments) \(split)")
          #expect(other.stdout == reference.stdout, "\(tool) \(arguments) \(split)")
          #expect(other.stderr == reference.stderr, "\(tool) \(arguments) \(split)")
        }
      }
    }
  }

  @Test func weeklyWorkbooksAreByteIdenticalWhenTheirTimelineIsWrittenFromRunsOnDisk() throws {
    let dir = try TemporaryDirectory()
    var outputs: [[String: Data]] = []
    for split in [[], ["--partitions", "7", "--memory-limit", "1K", "--threads", "3"], ["--partitions", "1", "--memory-limit", "64K"]] {
      let out = dir.path("out-\(outputs.count)")
      let result = try runTool(
        "reliability",
        [
          "weekly", "--events", "samples/events.jsonl", "--slos", "samples/slos.yaml", "--week", "2026-W46", "--at",
          "2026-11-23T06:00:00Z", "--out-dir", out,
        ] + split)
      #expect(result.status == 0, "\(result.stderr)")
      let names = try FileManager.default.contentsOfDirectory(atPath: out)
      outputs.append(
        Dictionary(uniqueKeysWithValues: try names.map { ($0, try Data(contentsOf: URL(fileURLWithPath: "\(out)/\($0)"))) }))
    }
    #expect(outputs[0].keys.filter { $0.hasSuffix(".xlsx") }.count == 2)
    #expect(outputs[1] == outputs[0])
    #expect(outputs[2] == outputs[0])
  }

  @Test func anInterruptedRunLeavesNoTemporaryFiles() throws {
    let dir = try TemporaryDirectory()
    let events = dir.path("large.jsonl")
    let generated = try runTool("incidents", ["generate", "--seed", "3", "--incidents", "5000", "--weeks", "20", "--out", events])
    #expect(generated.status == 0, "\(generated.stderr)")
    let spill = dir.path("tmp")
    try FileManager.default.createDirectory(atPath: spill, withIntermediateDirectories: true)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: TestTools.incidents)
    process.arguments = ["validate", "--events", events, "--memory-limit", "1K", "--threads", "1"]
    process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": spill]) { _, new in new }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Interrupt it once its partitions are on disk.
    var sawSpill = false
    for _ in 0..<2000 where process.isRunning {
      if let entries = try? FileManager.default.contentsOfDirectory(atPath: spill), !entries.isEmpty {
        sawSpill = true
        break
      }
      usleep(5000)
    }
    try #require(sawSpill && process.isRunning, "the run spilled and was still running")
    process.interrupt()
    process.waitUntilExit()
    #expect(
      process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGINT,
      "ended by \(process.terminationReason == .exit ? "exit" : "signal") \(process.terminationStatus)")
    let left = try FileManager.default.subpathsOfDirectory(atPath: spill)
    #expect(left.isEmpty, "left behind: \(left.prefix(10))")
  }
}

/// The three laws of a fold, on the samples: split at random, merged in a random order, rendered the same.
@Suite("Folds merge associatively and commutatively")
struct FoldMergeTests {
  private static let snapshots: [IncidentSnapshot] = {
    (try? IncidentLoader.load(from: JSONLinesSource(paths: [Repository.path("samples/events.jsonl")]), report: { _ in }).snapshots)
      ?? []
  }()

  /// `fold` over `snapshots` split into `parts` random pieces, folded alone and merged in a random order and grouping.
  private func foldInPieces<Fold: IncidentFold>(
    _ fold: Fold, parts: Int, generator: inout some RandomNumberGenerator
  ) -> Fold.Partial {
    var pieces = (0..<parts).map { _ in fold.makePartial() }
    for snapshot in Self.snapshots.shuffled(using: &generator) {
      fold.add(snapshot, to: &pieces[Int.random(in: 0..<parts, using: &generator)])
    }
    pieces.shuffle(using: &generator)
    // Merge neighbours pairwise until one is left: a different grouping from a left fold.
    while pieces.count > 1 {
      let index = Int.random(in: 0..<(pieces.count - 1), using: &generator)
      let right = pieces.remove(at: index + 1)
      fold.merge(right, into: &pieces[index])
    }
    return pieces[0]
  }

  @Test(arguments: [1, 2, 5, 17])
  func sloFiguresAndExplanationsAreTheSameHoweverTheIncidentsAreSplit(parts: Int) throws {
    #expect(Self.snapshots.count > 100)
    let definitions = try SLOOptions.definitions(at: Repository.path("samples/slos.yaml"), org: nil)
    let at = ts("2026-11-23T06:00:00Z")
    let fold = try SLOFold(definitions, at: at, explain: true)
    func render(_ partial: SLOFold.Partial) -> String {
      JSONText.pretty(SLORendering.json(fold.finish(partial), at: at, minimumRemaining: 0, report: true, explain: true))
    }
    var whole = fold.makePartial()
    for snapshot in Self.snapshots { fold.add(snapshot, to: &whole) }
    var generator = SplitMix64(seed: UInt64(parts))
    for _ in 0..<3 {
      #expect(render(foldInPieces(fold, parts: parts, generator: &generator)) == render(whole))
    }
  }

  @Test(arguments: [1, 2, 5, 17])
  func patternGroupsAreTheSameHoweverTheIncidentsAreSplit(parts: Int) {
    let fold = PatternFold(
      period: Interval(start: ts("2026-10-26T00:00:00Z"), end: ts("2026-11-23T00:00:00Z")), at: ts("2026-11-23T06:00:00Z"), minimumCount: 1)
    func render(_ partial: PatternFold.Partial) -> String { JSONText.pretty(PatternRendering.json(fold.finish(partial))) }
    var whole = fold.makePartial()
    for snapshot in Self.snapshots { fold.add(snapshot, to: &whole) }
    #expect(fold.finish(whole).groups.count > 10)
    var generator = SplitMix64(seed: UInt64(parts) + 100)
    for _ in 0..<3 {
      #expect(render(foldInPieces(fold, parts: parts, generator: &generator)) == render(whole))
    }
  }
}

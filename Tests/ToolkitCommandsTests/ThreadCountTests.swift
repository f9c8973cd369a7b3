import Foundation
import TestSupport
import Testing

/// The thread count changes how fast, never what: every analytic command gives the
/// same bytes (stdout, stderr, exit status, files) on one thread and on several.
@Suite("Outputs do not depend on --threads", .serialized)
struct ThreadCountTests {
  /// The committed samples (about 3 MB, so several batches) and a dirty stream.
  private func streams(in dir: TemporaryDirectory) throws -> [String] {
    let dirty = dir.path("dirty.jsonl")
    let generated = try runTool(
      "incidents", ["generate", "--dirty", "--seed", "21", "--incidents", "900", "--weeks", "6", "--out", dirty])
    #expect(generated.status == 0, "\(generated.stderr)")
    return ["samples/events.jsonl", dirty]
  }

  private func expectSameOutput(_ tool: String, _ arguments: [String]) throws {
    let single = try runTool(tool, arguments + ["--threads", "1"])
    let parallel = try runTool(tool, arguments + ["--threads", "3"])
    #expect(single.status == parallel.status, "\(tool) \(arguments)")
    #expect(single.stdout == parallel.stdout, "\(tool) \(arguments)")
    #expect(single.stderr == parallel.stderr, "\(tool) \(arguments)")
    #expect(!single.stdout.isEmpty, "\(tool) \(arguments)")
  }

  @Test func validateSLOCheckSLOReportAndPatterns() throws {
    let dir = try TemporaryDirectory()
    for events in try streams(in: dir) {
      try expectSameOutput("incidents", ["validate", "--events", events, "--format", "json"])
      let slo = ["--events", events, "--slos", "samples/slos.yaml", "--at", "2026-11-23T06:00:00Z"]
      try expectSameOutput("slo", ["check"] + slo + ["--format", "json"])
      try expectSameOutput("slo", ["report"] + slo + ["--format", "json", "--explain"])
      try expectSameOutput(
        "reliability", ["patterns", "--events", events, "--at", "2026-11-23T06:00:00Z", "--format", "json", "--min-count", "1"])
    }
  }

  @Test func weeklyWorkbooksAndSummariesAreByteIdentical() throws {
    let dir = try TemporaryDirectory()
    let events = try streams(in: dir)[1]
    var outputs: [[String: Data]] = []
    for threads in ["1", "3"] {
      let out = dir.path("out-\(threads)")
      let result = try runTool(
        "reliability",
        [
          "weekly", "--events", events, "--slos", "samples/slos.yaml", "--at", "2026-11-10T06:00:00Z", "--out-dir", out,
          "--threads", threads,
        ])
      #expect(result.status == 0, "\(result.stderr)")
      let names = try FileManager.default.contentsOfDirectory(atPath: out)
      outputs.append(
        Dictionary(uniqueKeysWithValues: try names.map { ($0, try Data(contentsOf: URL(fileURLWithPath: "\(out)/\($0)"))) }))
    }
    #expect(outputs[0].keys.contains { $0.hasSuffix(".xlsx") })
    #expect(outputs[0] == outputs[1])
  }

  @Test func aThreadCountBelowOneIsAUsageError() throws {
    let result = try runTool("incidents", ["validate", "--events", "samples/events.jsonl", "--threads", "0"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("'--threads' must be at least 1 (got 0)."))
  }
}

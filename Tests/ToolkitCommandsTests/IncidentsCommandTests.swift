import Foundation
import TestSupport
import Testing

/// The `incidents` executable, run as a user runs it: stdout, stderr and exit code.
@Suite("incidents command line")
struct IncidentsCommandTests {
  static let samples = "samples/events.jsonl"

  @Test func validateReportsACleanSampleAndExitsZero() throws {
    let result = try runTool("incidents", ["validate", "--events", Self.samples])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.isEmpty)
    #expect(result.stdout.contains("\n  incidents                     240\n"))
    #expect(result.stdout.contains("\n  organisations                   2  org_acme, org_globex\n"))
    #expect(result.stdout.hasSuffix("OK: every record was replayed.\n"))
  }

  @Test func validateWritesJSONForMachines() throws {
    let result = try runTool("incidents", ["validate", "--events", Self.samples, "--format", "json"])
    #expect(result.status == 0)
    let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(document["clean"] as? Bool == true)
    #expect(document["incidents"] as? Int == 240)
    let figures = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Repository.path("Tests/Fixtures/sample-figures.json"))))
        as? [String: Any])
    #expect(document["eventsByType"] as? [String: Int] == figures["eventsByType"] as? [String: Int])
  }

  @Test func validateNamesEveryBrokenLineOfADirtyStreamAndExitsOne() throws {
    let dir = try TemporaryDirectory()
    let dirty = dir.path("dirty.jsonl")
    let generated = try runTool("incidents", ["generate", "--dirty", "--seed", "4", "--incidents", "120", "--weeks", "4", "--out", dirty])
    #expect(generated.status == 0, "\(generated.stderr)")

    let log = dir.path("diagnostics.txt")
    let result = try runTool("incidents", ["validate", "--events", dirty, "--format", "json", "--diagnostics", log])
    #expect(result.status == 1)
    let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let broken = try #require(summary["brokenRecords"] as? Int)
    let conflicts = try #require(summary["conflictingDuplicates"] as? Int)
    #expect(broken > 0 && conflicts > 0)
    // One line per skipped record, FILE:LINE first, all of them in the file; the rest of the stream is still replayed.
    let logged = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
    let skipped = logged.filter { $0.range(of: #"^\#(dirty):[0-9]+: (?!warning:)"#, options: .regularExpression) != nil }
    #expect(skipped.count == broken + conflicts)
    // Standard error shows the first 20 of them and says where the rest are.
    #expect(logged.count > 20)
    #expect(Array(result.stderrLines.prefix(20)) == Array(logged.prefix(20)))
    #expect(
      Array(result.stderrLines.dropFirst(20)) == [
        "\(logged.count - 20) more diagnostic(s) not shown; all \(logged.count) are in \(log)",
        "skipped \(broken + conflicts) of \(summary["recordsRead"] as? Int ?? -1) record(s); the rest were replayed",
      ])
    // Without the file, the count says how to get them.
    let capped = try runTool("incidents", ["validate", "--events", dirty])
    #expect(capped.stderrLines.count == 22)
    #expect(capped.stderrLines[20] == "\(logged.count - 20) more diagnostic(s) not shown; '--diagnostics FILE' writes them all")
    #expect(summary["incidents"] as? Int == 120)
    let lines = try String(contentsOfFile: dirty, encoding: .utf8).components(separatedBy: "\n")
    for message in skipped {
      let number = Int(message.dropFirst(dirty.count + 1).prefix { $0.isNumber }) ?? 0
      #expect(lines.indices.contains(number - 1), "\(message)")
    }
  }

  @Test func strictStopsAtTheFirstBrokenLineWithExitTwo() throws {
    let path = "Tests/Fixtures/broken-lines.jsonl"
    let result = try runTool("incidents", ["validate", "--strict", "--events", path])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(
      result.stderr
        == "Error: \(path):3: event evt_3: invalid JSON at column 79: expected ',' or '}', found the end of the line (stopped by --strict)\n"
    )
  }

  @Test func readsStandardInput() throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: Repository.path(Self.samples)))
    let fromStdin = try runTool("incidents", ["validate", "--events", "-"], stdin: data)
    let fromFile = try runTool("incidents", ["validate", "--events", Self.samples])
    #expect(fromStdin.status == 0)
    #expect(fromStdin.stdout.replacingOccurrences(of: "Inputs: -", with: "Inputs: \(Self.samples)") == fromFile.stdout)
  }

  @Test func showPrintsTheSnapshotAndTimeline() throws {
    let id = try firstIncident(withType: "INCIDENT_SEVERITY_CHANGED")
    let text = try runTool("incidents", ["show", id, "--events", Self.samples])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.hasPrefix("Incident \(id) — "))
    #expect(text.stdout.contains("\nSeverity history\n"))
    #expect(text.stdout.contains("INCIDENT_SEVERITY_CHANGED"))

    let json = try runTool("incidents", ["show", id, "--events", Self.samples, "--format", "json"])
    let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect(document["incidentId"] as? String == id)
    let timeline = try #require(document["timeline"] as? [[String: Any]])
    #expect(timeline.count == document["eventCount"] as? Int)
    #expect((document["severityHistory"] as? [Any])?.count ?? 0 >= 2)
    let times = timeline.compactMap { $0["ts"] as? String }
    #expect(times == times.sorted(), "the timeline is in time order")
    // Same input, same output.
    #expect(try runTool("incidents", ["show", id, "--events", Self.samples, "--format", "json"]).stdout == json.stdout)
  }

  @Test func showRefusesAnUnknownIdAndSuggestsNearMatches() throws {
    let id = try firstIncident(withType: "INCIDENT_CREATED")
    let typo = String(id.dropLast()) + (id.last == "x" ? "y" : "x")
    let result = try runTool("incidents", ["show", typo, "--events", Self.samples])
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix("Error: no incident '\(typo)' in the input (it holds 240 incident(s)); did you mean "))
    #expect(result.stderr.contains(id))
    // Standard input can be read only once: the same answer comes from that one read.
    let piped = try runTool(
      "incidents", ["show", typo, "--events", "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: Self.samples)))
    #expect(piped.status == 2)
    #expect(piped.stderr == result.stderr)
    // The incident itself from standard input is the one the file gives.
    let found = try runTool(
      "incidents", ["show", id, "--events", "-", "--format", "json"], stdin: try Data(contentsOf: URL(fileURLWithPath: Self.samples)))
    #expect(found.status == 0, "\(found.stderr)")
    let fromFile = try runTool("incidents", ["show", id, "--events", Self.samples, "--format", "json"])
    #expect(found.stdout.replacingOccurrences(of: "<stdin>", with: Self.samples) == fromFile.stdout)
  }

  @Test func generateIsDeterministicAndWritesAtomically() throws {
    let dir = try TemporaryDirectory()
    let arguments = ["generate", "--seed", "9", "--incidents", "40", "--orgs", "3", "--weeks", "2", "--start", "2026-11-02"]
    #expect(try runTool("incidents", arguments + ["--out", dir.path("a.jsonl")]).status == 0)
    #expect(try runTool("incidents", arguments + ["--out", dir.path("b.jsonl")]).status == 0)
    let a = try Data(contentsOf: URL(fileURLWithPath: dir.path("a.jsonl")))
    #expect(a == (try Data(contentsOf: URL(fileURLWithPath: dir.path("b.jsonl")))))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == ["a.jsonl", "b.jsonl"])
    let stdout = try runTool("incidents", arguments)
    #expect(Data(stdout.stdout.utf8) == a)
  }

  @Test func usageAndInputErrorsExitTwo() throws {
    let missing = try runTool("incidents", ["validate"])
    #expect(missing.status == 2)
    #expect(
      missing.stderr.hasPrefix(
        "Error: Name the input: '--events <file> ...', '--postgres <connection>' or '--from-partials <file> ...'."))

    let unreadable = try runTool("incidents", ["validate", "--events", "/nonexistent.jsonl"])
    #expect(unreadable.status == 2)
    #expect(unreadable.stderr == "Error: cannot open /nonexistent.jsonl: no such file or directory\n")

    let badDate = try runTool("incidents", ["generate", "--start", "2026-02-30"])
    #expect(badDate.status == 2)
    #expect(badDate.stderr.contains("'--start' must be a date as YYYY-MM-DD (got '2026-02-30')"))

    let dir = try TemporaryDirectory()
    let noDirectory = try runTool("incidents", ["generate", "--out", dir.path("missing/out.jsonl")])
    #expect(noDirectory.status == 2)
    #expect(noDirectory.stderr.hasPrefix("Error: cannot create \(dir.path("missing/out.jsonl"))"))

    #expect(try runTool("incidents", ["--help"]).status == 0)
    // The release, then the commit built from (marked when the sources differ from it).
    let commit = try runTool("/usr/bin/git", ["-C", Repository.root.path, "rev-parse", "--short=12", "HEAD"]).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let version = try runTool("incidents", ["--version"]).stdout
    #expect(version == "0.1.0 (commit \(commit))\n" || version == "0.1.0 (commit \(commit)-modified)\n", "\(version)")
  }

  private func firstIncident(withType type: String) throws -> String {
    let text = try String(contentsOfFile: Repository.path(Self.samples), encoding: .utf8)
    let line = try #require(text.split(separator: "\n").first { $0.contains("\"type\":\"\(type)\"") })
    let range = try #require(line.range(of: #""incidentId":"[^"]+""#, options: .regularExpression))
    return String(line[range].dropFirst(14).dropLast())
  }
}

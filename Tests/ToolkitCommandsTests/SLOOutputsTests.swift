import Foundation
import TestSupport
import Testing

/// `slo check` writing every output of one evaluation, and the JSON schema of its documents.
@Suite("One run, every output; JSON that keeps its schema")
struct SLOOutputsTests {
  static let common = ["--slos", "samples/slos.yaml", "--events", "samples/events.jsonl", "--at", "2026-11-23T00:00:00Z"]

  private func golden(_ name: String) throws -> String {
    try String(contentsOfFile: Repository.path("Tests/Fixtures/golden/\(name)"), encoding: .utf8)
  }

  @Test func oneRunWritesTheTableAndEveryFileAsSeparateRunsWould() throws {
    let dir = try TemporaryDirectory()
    let result = try runTool(
      "slo",
      ["check"] + Self.common + ["--junit", dir.path("slo.xml"), "--markdown", dir.path("summary.md"), "--json", dir.path("slo.json")])
    #expect(result.status == 1, "the samples breach four SLOs")
    #expect(result.stdout == (try golden("slo-check.txt")))
    #expect(try String(contentsOfFile: dir.path("slo.xml"), encoding: .utf8) == (try golden("slo-check.xml")))
    #expect(try String(contentsOfFile: dir.path("summary.md"), encoding: .utf8) == (try golden("slo-check.md")))
    #expect(try String(contentsOfFile: dir.path("slo.json"), encoding: .utf8) == (try golden("slo-check.json")))
  }

  @Test func twoOutputsCannotShareAFileAndExtrasTakeFiles() throws {
    let shared = try runTool("slo", ["check"] + Self.common + ["--junit", "/tmp/x.xml", "--json", "/tmp/x.xml"])
    #expect(shared.status == 2)
    #expect(shared.stderr.hasPrefix("Error: Each output needs a file of its own."))
    let dash = try runTool("slo", ["check"] + Self.common + ["--junit", "-"])
    #expect(dash.status == 2)
    #expect(dash.stderr.hasPrefix("Error: '--junit' takes a file"))
  }

  @Test func theMarkdownSummaryListsBreachesFirst() throws {
    let text = try golden("slo-check.md")
    let breaches = try #require(text.range(of: "### Breaches"))
    let table = try #require(text.range(of: "| SLO | org |"))
    #expect(breaches.lowerBound < table.lowerBound)
    let rows = text[table.lowerBound...].split(separator: "\n").filter { $0.hasPrefix("| `") }
    let firstMet = try #require(rows.firstIndex { !$0.contains("**BREACHED**") })
    #expect(rows[..<firstMet].count == 5, "the five breached rows on top")
    #expect(!rows[firstMet...].contains { $0.contains("**BREACHED**") })
  }

  /// Validates `documents` against docs/schemas/slo.schema.json with Debian's python3-jsonschema; returns its report.
  private func validate(_ documents: [String]) throws -> CommandResult {
    let dir = try TemporaryDirectory()
    var paths: [String] = []
    for (index, document) in documents.enumerated() {
      paths.append(dir.path("\(index).json"))
      try document.write(toFile: paths[index], atomically: true, encoding: .utf8)
    }
    let script = """
      import json, sys
      from jsonschema import Draft202012Validator
      schema = json.load(open(sys.argv[1]))
      Draft202012Validator.check_schema(schema)
      failed = False
      for path in sys.argv[2:]:
          for error in Draft202012Validator(schema).iter_errors(json.load(open(path))):
              print(path, "/".join(map(str, error.absolute_path)), error.message)
              failed = True
      sys.exit(1 if failed else 0)
      """
    return try runTool("/usr/bin/python3", ["-c", script, Repository.path("docs/schemas/slo.schema.json")] + paths)
  }

  @Test func everyJSONOutputFollowsTheSchema() throws {
    var documents: [String] = []
    for arguments in [["check", "--format", "json"], ["report", "--format", "json"], ["report", "--format", "json", "--explain"]] {
      let result = try runTool("slo", Array(arguments.prefix(1)) + Self.common + Array(arguments.dropFirst()))
      documents.append(result.stdout)
    }
    // An SLO without traffic (NO_DATA, null figures) and one with a zero budget.
    let dir = try TemporaryDirectory()
    let slos = try String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8)
      .replacingOccurrences(of: "target: 0.99\n", with: "target: 1\n")
    try slos.write(toFile: dir.path("strict.yaml"), atomically: true, encoding: .utf8)
    let strict = try runTool(
      "slo", ["report", "--slos", dir.path("strict.yaml"), "--events", "samples/events.jsonl", "--at", "2025-01-01", "--format", "json"])
    documents.append(strict.stdout)
    // OpenSLO alert conditions, a Timeslices target and a calendar counted from its startTime.
    let openSLO = try runTool(
      "slo",
      [
        "report", "--slos", "Tests/Fixtures/openslo/list-form.yaml", "--events", "samples/events.jsonl", "--at", "2026-11-23", "--format",
        "json",
      ])
    #expect(openSLO.stdout.contains("\"condition\": {"), "\(openSLO.stderr)")
    documents.append(openSLO.stdout)
    let validation = try validate(documents)
    #expect(validation.status == 0, "\(validation.stdout)\(validation.stderr)")
    #expect(documents.allSatisfy { $0.contains("\"schemaVersion\": 1") })
  }

  @Test func theSchemaRefusesADocumentThatDriftedFromIt() throws {
    let check = try golden("slo-check.json")
    let drifted = [
      check.replacingOccurrences(of: "\"schemaVersion\": 1,", with: ""),
      check.replacingOccurrences(of: "\"status\": \"MET\"", with: "\"status\": \"OK\""),
      check.replacingOccurrences(of: "\"unit\": \"ms\"", with: "\"unit\": \"ms\", \"extra\": 1"),
    ]
    let validation = try validate(drifted)
    #expect(validation.status == 1)
    #expect(validation.stdout.contains("'schemaVersion' is a required property"))
    #expect(validation.stdout.contains("'OK' is not one of"))
    #expect(validation.stdout.contains("Additional properties are not allowed ('extra' was unexpected)"))
  }
}

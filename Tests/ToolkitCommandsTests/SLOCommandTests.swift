import Foundation
import TestSupport
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@Suite("slo check and slo report on the samples")
struct SLOCommandTests {
  static let common = ["--slos", "samples/slos.yaml", "--events", "samples/events.jsonl", "--at", "2026-11-23T00:00:00Z"]

  private func checkJSON() throws -> [[String: Any]] {
    let result = try runTool("slo", ["check"] + Self.common + ["--format", "json"])
    #expect(result.status == 1)
    let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    return try #require(document["slos"] as? [[String: Any]])
  }

  @Test func matchesAnIndependentComputation() throws {
    let fixture = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Repository.path("Tests/Fixtures/sample-figures.json"))))
        as? [String: Any])
    let expected = try #require(fixture["slos"] as? [String: [String: Int]])
    let slos = try checkJSON()
    #expect(expected.count == 10)
    for (name, figures) in expected {
      let slo = try #require(slos.first { $0["name"] as? String == name }, "\(name)")
      if let bad = figures["badMs"] {
        #expect(slo["bad"] as? Int == bad, "\(name)")
      } else {
        #expect(slo["valid"] as? Int == figures["total"], "\(name)")
        #expect(slo["bad"] as? Int == (figures["total"] ?? 0) - (figures["good"] ?? 0), "\(name)")
      }
    }
  }

  @Test func exitsOneExactlyWhenAnSLOIsOutOfBudget() throws {
    let slos = try checkJSON()
    let breached = slos.filter { $0["status"] as? String == "BREACHED" }.map { $0["name"] as? String ?? "" }
    // As sample-figures.json has it: 40.8M, 43.5M, 44.1M and 29.4M ms of bad time against 28-day budgets of 24.2M ms
    // (1% of 28 days), and 674 892 bad requests of 12 667 589 (5.3%) against a 5% budget.
    #expect(
      Set(breached) == [
        "acme-recommendations-availability", "globex-ledger-availability", "globex-media-cdn-availability",
        "globex-notifications-availability", "globex-ledger-request-success",
      ])
    for slo in slos {
      let remaining = slo["errorBudgetRemaining"] as? Double ?? 1
      #expect((slo["status"] as? String == "BREACHED") == (remaining < 0), "\(slo["name"] ?? "")")
    }
    // Only the SLOs that are within budget: exit 0.
    let dir = try TemporaryDirectory()
    let text = try String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8)
    let kept = text.components(separatedBy: "---\n").filter { document in !breached.contains { document.contains("name: \($0)\n") } }
    let file = dir.path("met.yaml")
    try kept.joined(separator: "---\n").write(toFile: file, atomically: true, encoding: .utf8)
    let met = try runTool("slo", ["check", "--slos", file, "--events", "samples/events.jsonl", "--at", "2026-11-23T00:00:00Z"])
    #expect(met.status == 0, "\(met.stdout)")
    // A stricter policy breaches more.
    let strict = try runTool(
      "slo", ["check", "--slos", file, "--events", "samples/events.jsonl", "--at", "2026-11-23T00:00:00Z", "--min-remaining", "0.1"])
    #expect(strict.status == 1)
    // globex-api-gateway: 11 309 859 ms bad of a 12 096 000 ms budget (0.5% of 28 days) leaves 6.50%.
    #expect(
      strict.stdout.contains("globex-api-gateway-availability (org_globex, api-gateway): remaining 6.50% is 3.50% below the minimum 10.00%")
    )
  }

  @Test func writesValidJUnitWithOneTestCasePerSLO() throws {
    let dir = try TemporaryDirectory()
    let path = dir.path("slo.xml")
    let result = try runTool("slo", ["check"] + Self.common + ["--format", "junit", "--out", path])
    #expect(result.status == 1)
    #expect(result.stdout.isEmpty)
    let collector = JUnitCollector()
    let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
    parser.delegate = collector
    #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    #expect(collector.testcases.count == 14)
    #expect(collector.failures.count == 5)
    #expect(collector.suiteAttributes["tests"] == "14")
    #expect(collector.suiteAttributes["failures"] == "5")
    // 40 835 672 ms bad of a 24 192 000 ms budget: -68.80% left.
    #expect(
      collector.failures.contains { $0.hasPrefix("acme-recommendations-availability (org_acme, recommendations): remaining -68.80%") })
    // A failure's details are its body: not said again in system-out.
    #expect(collector.children["acme-recommendations-availability"] == ["failure"])
    #expect(collector.children["acme-api-gateway-availability"] == ["system-out"])
  }

  @Test(arguments: [
    (["check", "--format", "table"], "slo-check.txt"), (["check", "--format", "json"], "slo-check.json"),
    (["check", "--format", "junit"], "slo-check.xml"), (["check", "--format", "markdown"], "slo-check.md"),
    (["report"], "slo-report.txt"), (["report", "--format", "json", "--explain"], "slo-report-explain.json"),
    (["report", "--format", "csv"], "slo-report.csv"),
  ])
  func everyFormatMatchesItsGoldenFileByteForByte(arguments: [String], golden: String) throws {
    let first = try runTool("slo", Array(arguments.prefix(1)) + Self.common + Array(arguments.dropFirst()))
    let second = try runTool("slo", Array(arguments.prefix(1)) + Self.common + Array(arguments.dropFirst()))
    #expect(first.stdout == second.stdout, "two runs differ")
    let expected = try String(contentsOfFile: Repository.path("Tests/Fixtures/golden/\(golden)"), encoding: .utf8)
    #expect(first.stdout == expected, "\(golden) changed: if intended, run scripts/update-goldens and review the diff")
  }

  @Test func explainsEveryFigure() throws {
    let result = try runTool("slo", ["report"] + Self.common + ["--format", "json", "--explain"])
    let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let slos = try #require(document["slos"] as? [[String: Any]])
    for slo in slos where slo["indicator"] as? String == "incident-time" && slo["timeSlices"] == nil {
      // Without slices, the explained intervals add up to the bad time.
      let intervals = try #require(slo["badIntervals"] as? [[String: Any]])
      let format = ISO8601DateFormatter()
      format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
      let total = intervals.reduce(0.0) { sum, piece in
        sum
          + (format.date(from: piece["end"] as? String ?? "")?.timeIntervalSince(
            format.date(from: piece["start"] as? String ?? "") ?? Date()) ?? 0)
      }
      #expect(Int((total * 1000).rounded()) == slo["bad"] as? Int, "\(slo["name"] ?? "")")
      // Daily consumption adds up to the whole.
      let daily = try #require(slo["daily"] as? [[String: Any]])
      #expect(daily.reduce(0) { $0 + ($1["bad"] as? Int ?? 0) } == slo["bad"] as? Int)
    }
    for slo in slos where slo["indicator"] as? String == "request-ratio" {
      let samples = try #require(slo["requestSamples"] as? [[String: Any]])
      #expect(samples.reduce(0) { $0 + ($1["total"] as? Int ?? 0) } == slo["valid"] as? Int)
    }
  }

  @Test func rejectsABrokenDefinitionWithExitTwo() throws {
    let dir = try TemporaryDirectory()
    let text = try String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8)
    let broken = dir.path("broken.yaml")
    try text.replacingOccurrences(of: "target: 0.995", with: "target: 1.5").write(toFile: broken, atomically: true, encoding: .utf8)
    let result = try runTool("slo", ["check", "--slos", broken, "--events", "samples/events.jsonl", "--at", "2026-11-23"])
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix("Error: \(broken): document 4, line "))
    #expect(result.stderr.contains("field \"spec.objectives[0].target\": must be a fraction from 0 to 1, such as 0.999"))

    let missing = try runTool("slo", ["check", "--slos", dir.path("none.yaml"), "--events", "samples/events.jsonl"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("'--slos' names nothing: no file or directory at \(dir.path("none.yaml"))."))
  }

  @Test func readsADirectoryOfDefinitions() throws {
    let dir = try TemporaryDirectory()
    let documents = try String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8).components(separatedBy: "---\n")
    for (index, document) in documents.enumerated() {
      try document.write(toFile: dir.path(String(format: "%02d.yaml", index)), atomically: true, encoding: .utf8)
    }
    let fromDirectory = try runTool(
      "slo", ["check", "--slos", dir.url.path, "--events", "samples/events.jsonl", "--at", "2026-11-23T00:00:00Z"])
    let fromFile = try runTool("slo", ["check"] + Self.common)
    #expect(fromDirectory.stdout == fromFile.stdout)
  }
}

/// Collects what a JUnit reader sees.
final class JUnitCollector: NSObject, XMLParserDelegate {
  var testcases: [String] = []
  var failures: [String] = []
  var suiteAttributes: [String: String] = [:]
  /// The elements inside each test case, by its name.
  var children: [String: [String]] = [:]

  func parser(
    _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]
  ) {
    switch element {
    case "testsuite": suiteAttributes = attributes
    case "testcase": testcases.append(attributes["name"] ?? "")
    case "failure": failures.append(attributes["message"] ?? "")
    default: break
    }
    if element != "testcase", let current = testcases.last { children[current, default: []].append(element) }
  }
}

import Foundation
import TestSupport
import Testing

/// A typo in an SLO's org or service must not pass the gate as a perfect score (issue: "no silent pass").
@Suite("SLOs naming what the input lacks")
struct UnmatchedSLOTests {
  static let at = "2026-11-23T00:00:00Z"

  /// The sample SLOs with the first org annotation and the payments request SLO's service misspelt.
  private func typos(in dir: TemporaryDirectory, extra: String = "") throws -> String {
    var text = try String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8)
    text = text.replacingOccurrences(of: "runbook-revenant.io/org: org_acme\n", with: "runbook-revenant.io/org: org_acmee\n", range: nil)
    // Only the first: the first document gets the org typo, every other keeps org_acme.
    let documents = text.components(separatedBy: "\n---\n")
    var fixed = documents.map { $0.replacingOccurrences(of: "org_acmee", with: "org_acme") }
    fixed[0] = documents[0]
    fixed[4] = fixed[4].replacingOccurrences(of: "service: payments\n", with: "service: paymentz\n")
    let file = dir.path("slos.yaml")
    try (fixed.joined(separator: "\n---\n") + extra).write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }

  @Test func theGateRefusesThemNamingFileLineAndTheClosestNames() throws {
    let dir = try TemporaryDirectory()
    let file = try typos(in: dir)
    let result = try runTool("slo", ["check", "--events", "samples/events.jsonl", "--slos", file, "--at", Self.at])
    #expect(result.status == 2)
    #expect(
      result.stderrLines == [
        "Error: \(file): document 1, line 7: SLO acme-payments-availability: org \"org_acmee\" appears nowhere in the input; did you mean org_acme?",
        "Error: \(file): document 5, line 126: SLO acme-payments-request-success: service \"paymentz\" of org org_acme appears nowhere in the input (no incident or signal names it) and no kind: Service document declares it; did you mean payments?",
      ])
    #expect(result.stdout.isEmpty, "no verdict on definitions that name nothing")
  }

  @Test func reportsWarnAndStillReport() throws {
    let dir = try TemporaryDirectory()
    let file = try typos(in: dir)
    let report = try runTool("slo", ["report", "--events", "samples/events.jsonl", "--slos", file, "--at", Self.at])
    #expect(report.status == 0)
    #expect(report.stderrLines.filter { $0.hasPrefix("warning: \(file): document ") }.count == 2, "\(report.stderr)")
    let weekly = try runTool(
      "reliability",
      ["weekly", "--events", "samples/events.jsonl", "--slos", file, "--week", "2026-W47", "--out-dir", dir.path("out")])
    #expect(weekly.status == 0)
    #expect(
      weekly.stderr.contains("warning: \(file): document 5, line 126: SLO acme-payments-request-success: service \"paymentz\""))
    #expect(weekly.stderr.contains("warning: \(file): document 1, line 7: SLO acme-payments-availability: org \"org_acmee\""))
  }

  @Test func aDeclaredServiceWithoutIncidentsIsScoredNotRefused() throws {
    let dir = try TemporaryDirectory()
    let declared = """

      ---
      apiVersion: openslo/v1
      kind: Service
      metadata:
        name: paymentz
        annotations:
          runbook-revenant.io/org: org_acme
      spec:
        description: A new service, no incident yet.
      """
    var text = try String(contentsOfFile: try typos(in: dir), encoding: .utf8)
    text = text.replacingOccurrences(of: "org_acmee", with: "org_acme")
    let file = dir.path("declared.yaml")
    try (text + declared + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    let result = try runTool("slo", ["check", "--events", "samples/events.jsonl", "--slos", file, "--at", Self.at, "--format", "json"])
    #expect(result.status == 1, "the samples breach another SLO; this one is scored: \(result.stderr)")
    #expect(!result.stderr.contains("appears nowhere"))
    let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    let slo = (document?["slos"] as? [[String: Any]])?.first { $0["name"] as? String == "acme-payments-request-success" }
    #expect(slo?["status"] as? String == "NO_DATA", "no traffic: no data, not a pass")
  }

  @Test func theSamplesNameNothingMissing() throws {
    let result = try runTool("slo", ["report", "--events", "samples/events.jsonl", "--slos", "samples/slos.yaml", "--at", Self.at])
    #expect(!result.stderr.contains("appears nowhere"), "\(result.stderr)")
  }
}

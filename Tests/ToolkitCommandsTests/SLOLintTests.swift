import Foundation
import TestSupport
import Testing

@Suite("slo lint: definitions checked without events")
struct SLOLintTests {
  @Test func theSamplesLoadCleanly() throws {
    let result = try runTool("slo", ["lint", "--slos", "samples/slos.yaml"])
    #expect(result.status == 0)
    #expect(result.stdout == "samples/slos.yaml: 14 SLO(s), 2 declared service(s), no warnings\n")
    #expect(result.stderr.isEmpty)
  }

  @Test func aDirectoryIsOneSetAndWarningsNameTheirField() throws {
    let directory = try runTool("slo", ["lint", "--slos", "Tests/Fixtures/openslo/with-sli-ref"])
    #expect(directory.status == 0, "the indicatorRef resolves across the directory's files: \(directory.stderr)")
    #expect(directory.stdout == "Tests/Fixtures/openslo/with-sli-ref: 1 SLO(s), no warnings\n")
    let list = try runTool("slo", ["lint", "--slos", "Tests/Fixtures/openslo/list-form.yaml"])
    #expect(list.status == 0)
    #expect(list.stdout.hasSuffix("1 SLO(s), 1 declared service(s), 3 warning(s)\n"), "\(list.stdout)")
    #expect(list.stderrLines.count == 3)
    #expect(list.stderrLines.allSatisfy { $0.hasPrefix("warning: Tests/Fixtures/openslo/list-form.yaml: document ") })
  }

  @Test func aDefinitionThatCannotBeComputedIsOneErrorLine() throws {
    let result = try runTool("slo", ["lint", "--slos", "Tests/Fixtures/openslo/foreign-source.yaml"])
    #expect(result.status == 2)
    #expect(result.stderrLines.count == 1)
    #expect(result.stderr.hasPrefix("Error: Tests/Fixtures/openslo/foreign-source.yaml: document 1, line 14: "))
  }

  @Test func theStandardOpenSLOSampleLoadsAndCountsFromItsStartTime() throws {
    let lint = try runTool("slo", ["lint", "--slos", "samples/openslo"])
    #expect(lint.status == 0 && lint.stdout == "samples/openslo: 1 SLO(s), no warnings\n", "\(lint.stderr)")
    let report = try runTool(
      "slo", ["report", "--slos", "samples/openslo", "--events", "samples/events.jsonl", "--at", "2026-11-23T00:00:00Z"])
    // Months from the 15th at 09:00 Paris time (08:00Z in winter); 0.5% of 30 days is 3h 36m.
    #expect(report.stdout.contains("window 2026-11-15T08:00:00.000Z → 2026-12-15T08:00:00.000Z"), "\(report.stdout)")
    #expect(report.stdout.contains("budget 3h 36m"))
    #expect(report.stdout.contains("page burn rate ≥ 2.00 over 1h 00m for 5m 00s (search-fast-burn)"))
  }
}

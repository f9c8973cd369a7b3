import EventSources
import Foundation
import IncidentModel
import Patterns
import SampleGenerator
import TestSupport
import Testing

@Suite("reliability patterns on the samples")
struct ReliabilityPatternsTests {
  static let arguments = [
    "patterns", "--events", "samples/events.jsonl", "--since", "2026-09-28", "--until", "2026-11-23", "--at", "2026-11-23",
  ]

  private func json(_ extra: [String] = []) throws -> [String: Any] {
    let result = try runTool("reliability", Self.arguments + ["--format", "json"] + extra)
    #expect(result.status == 0, "\(result.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  }

  @Test func matchesAnIndependentComputation() throws {
    let fixture = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Repository.path("Tests/Fixtures/sample-figures.json"))))
        as? [String: Any])
    let expected = try #require(fixture["patterns"] as? [String: [String: Int]])
    let groups = try #require(try json()["groups"] as? [[String: Any]])
    var keyed: [String: [String: Int]] = [:]
    for group in groups {
      let key = try #require(group["key"] as? [String: Any])
      guard key["kind"] as? String == "correlationKey" else { continue }
      let name = "\(group["orgId"] as? String ?? "")/\(group["serviceName"] as? String ?? "")/\(key["label"] as? String ?? "")"
      keyed[name] = [
        "count": group["incidentCount"] as? Int ?? -1, "impactMs": group["impactMs"] as? Int ?? -1,
        "medianGapMs": group["medianGapMs"] as? Int ?? -1, "shortestGapMs": group["shortestGapMs"] as? Int ?? -1,
      ]
    }
    #expect(keyed == expected)
  }

  @Test func listsTheWeeklyKeysTheGeneratorPlanted() throws {
    let planted = SampleGenerator(configuration: GeneratorConfiguration(start: CivilDate(year: 2026, month: 9, day: 28))).plannedPatterns()
    let groups = try #require(try json()["groups"] as? [[String: Any]])
    #expect(planted.count == 6)
    for pattern in planted {
      let group = groups.first {
        $0["orgId"] as? String == pattern.orgId && $0["serviceName"] as? String == pattern.serviceName
          && ($0["key"] as? [String: Any])?["label"] as? String == pattern.correlationKey
      }
      let found = try #require(group, "planted pattern \(pattern) is not listed")
      // Every planted incident (one a week for 8 weeks, more in the last two; random incidents may share the key),
      // from the first week to the last.
      #expect((found["incidentCount"] as? Int ?? 0) >= pattern.incidents)
      #expect((found["firstSeen"] as? String ?? "~") < "2026-10-05" && (found["lastSeen"] as? String ?? "") >= "2026-11-16", "\(pattern)")
    }
    // The planted patterns are the ones with the most impact.
    let top = groups.prefix(3).map { ($0["key"] as? [String: Any])?["label"] as? String ?? "" }
    #expect(Set(top).isSubset(of: Set(planted.map(\.correlationKey))))
  }

  @Test func isDeterministicAndAgreesAcrossFormats() throws {
    let first = try runTool("reliability", Self.arguments)
    #expect(first.status == 0)
    #expect(try runTool("reliability", Self.arguments).stdout == first.stdout)
    let table = first.stdout
    let csv = try runTool("reliability", Self.arguments + ["--format", "csv"]).stdout
    let rows = csv.split(separator: "\r\n")
    let groups = try #require(try json()["groups"] as? [[String: Any]])
    #expect(rows.count == groups.count + 1)
    #expect(rows[0].hasPrefix("org_id,service_name,key_kind,key,incident_count,previous_count,trend,impact_ms,"))
    let firstGroup = groups[0]
    #expect(rows[1].hasPrefix("\(firstGroup["orgId"] as? String ?? ""),\(firstGroup["serviceName"] as? String ?? ""),correlation_key,"))
    #expect(rows[1].contains(",\(firstGroup["impactMs"] as? Int ?? -1),"))
    #expect(table.contains("   1  \(firstGroup["orgId"] as? String ?? "")"))
    #expect(table.hasSuffix("0 of them in more than one.\n"))
  }

  @Test func defaultsToTheLastCompleteISOWeekBeforeAt() throws {
    let result = try runTool(
      "reliability", ["patterns", "--events", "samples/events.jsonl", "--at", "2026-11-23T09:00:00Z", "--format", "json"])
    let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect((document["period"] as? [String: String]) == ["start": "2026-11-16T00:00:00.000Z", "end": "2026-11-23T00:00:00.000Z"])
    // Counted from the raw lines: the incidents created in W47.
    let created = try String(contentsOfFile: Repository.path("samples/events.jsonl"), encoding: .utf8).split(separator: "\n").filter {
      line in
      guard line.contains("\"type\":\"INCIDENT_CREATED\""), let ts = line.range(of: #""ts":"[^"]+""#, options: .regularExpression)
      else { return false }
      let time = String(line[ts].dropFirst(6).dropLast())
      return time >= "2026-11-16T00:00:00.000Z" && time < "2026-11-23T00:00:00.000Z"
    }
    #expect(document["incidentsInPeriod"] as? Int == created.count)
    let week = try runTool(
      "reliability",
      ["patterns", "--events", "samples/events.jsonl", "--at", "2026-11-23T09:00:00Z", "--week", "2026-W47", "--format", "json"])
    #expect(week.stdout == result.stdout)
  }

  @Test func rejectsConflictingOrMalformedPeriods() throws {
    let both = try runTool(
      "reliability",
      ["patterns", "--events", "samples/events.jsonl", "--week", "2026-W47", "--since", "2026-11-01", "--until", "2026-11-08"])
    #expect(both.status == 2)
    #expect(both.stderr.hasPrefix("Error: '--week' and '--since'/'--until' both name the period: give one."))
    let badWeek = try runTool("reliability", ["patterns", "--events", "samples/events.jsonl", "--week", "2025-W53"])
    #expect(badWeek.status == 2)
    #expect(badWeek.stderr.hasPrefix("Error: '--week' must be an ISO week as 2026-W47 (got '2025-W53')."))
    let halfOpen = try runTool("reliability", ["patterns", "--events", "samples/events.jsonl", "--since", "2026-11-01"])
    #expect(halfOpen.status == 2)
  }
}

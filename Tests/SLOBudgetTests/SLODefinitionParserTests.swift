import Foundation
import IncidentModel
import SLOBudget
import TestSupport
import Testing

private let valid = """
  apiVersion: openslo/v1
  kind: SLO
  metadata:
    name: checkout-availability
    annotations:
      runbook-revenant.io/org: org_acme
      runbook-revenant.io/slo-id: checkout-api-availability, checkout-legacy
      runbook-revenant.io/burn-rate-policy: "page:2%:1h:5m, ticket:10%:3d:6h"
  spec:
    service: checkout-api
    indicator:
      metadata:
        name: checkout-incident-time
      spec:
        thresholdMetric:
          metricSource:
            type: RunbookRevenant
            spec:
              indicator: incident-time
              countedSeverities: [SEV1, SEV2, SEV3]
    timeWindow:
      - duration: 28d
        isRolling: true
    budgetingMethod: Timeslices
    objectives:
      - targetPercent: 99.5
        timeSliceWindow: 5m
  """

@Suite("OpenSLO definitions")
struct SLODefinitionParserTests {
  @Test func readsEveryFieldTheEngineUses() throws {
    let definitions = try SLODefinitionParser.parse(yaml: "kind: Service\nmetadata: {name: x}\n---\n" + valid, file: "slos.yaml")
    #expect(definitions.count == 1, "the Service document is passed over")
    let slo = try #require(definitions.first)
    #expect(slo.name == "checkout-availability")
    #expect(slo.orgId == "org_acme")
    #expect(slo.service == "checkout-api")
    #expect(slo.indicator == .incidentTime(countedSeverities: [.sev1, .sev2, .sev3]))
    #expect(slo.window == .rolling(milliseconds: 28 * 86_400_000, text: "28d"))
    #expect(slo.budgeting == .timeslices)
    #expect(abs(slo.target - 0.995) < 1e-12)
    #expect(slo.timeSliceWindowMs == 300_000)
    #expect(slo.recordedIds == ["checkout-availability", "checkout-api-availability", "checkout-legacy"])
    #expect(slo.alertPolicies.map(\.severity) == ["page", "ticket"])
    #expect(slo.alertPolicies[1].longWindowMs == 3 * 86_400_000)
    #expect(slo.origin == "slos.yaml#2")
  }

  @Test func readsTheBundledSamples() throws {
    let text = try String(contentsOfFile: Repository.path("samples/slos.yaml"), encoding: .utf8)
    let definitions = try SLODefinitionParser.parse(yaml: text, file: "samples/slos.yaml")
    #expect(definitions.count == 14)
    #expect(Set(definitions.compactMap(\.orgId)) == ["org_acme", "org_globex"])
    #expect(definitions.contains { $0.indicator == .requestRatio && $0.budgeting == .occurrences })
    #expect(
      definitions.contains {
        $0.window == .calendar(unit: .month, timeZone: "UTC", text: "1M", start: LocalDateTime("2026-01-01 00:00:00"))
          && $0.timeSliceWindowMs == 300_000
      })
    // Weeks counted from a Monday: ISO weeks.
    #expect(
      definitions.contains { $0.window == .calendar(unit: .week, timeZone: "UTC", text: "1w", start: LocalDateTime("2025-12-29 00:00:00")) }
    )
  }

  @Test(arguments: [
    ("apiVersion: openslo/v1", "apiVersion: openslo/v2", "field \"apiVersion\": must be openslo/v1"),
    ("  service: checkout-api\n", "", "field \"spec.service\": is missing"),
    (
      "  indicator: incident-time", "  indicator: latency",
      "line 19: field \"spec.indicator.spec.thresholdMetric.metricSource.spec.indicator\": must be incident-time or request-ratio (got \"latency\")"
    ),
    (
      "[SEV1, SEV2, SEV3]", "[SEV1, SEV9]",
      "field \"spec.indicator.spec.thresholdMetric.metricSource.spec.countedSeverities\": \"SEV9\" is not SEV1, SEV2, SEV3 or SEV4"
    ),
    (
      "type: RunbookRevenant", "type: Prometheus",
      "field \"spec.indicator.spec.thresholdMetric.metricSource.type\": Prometheus is a metric store the toolkit does not read: the toolkit computes its indicators from incident events; for the time the service spends in counted incidents, write metricSource: {type: RunbookRevenant, spec: {indicator: incident-time}}"
    ),
    ("duration: 28d", "duration: 28x", "field \"spec.timeWindow[0].duration\": must be a duration such as 28d, 1w or 1M"),
    ("duration: 28d", "duration: 1M", "field \"spec.timeWindow[0].duration\": a rolling window needs a fixed length in h, d or w (got 1M)"),
    ("budgetingMethod: Timeslices", "budgetingMethod: Ratio", "field \"spec.budgetingMethod\": \"Ratio\" is not Occurrences or Timeslices"),
    (
      "targetPercent: 99.5", "targetPercent: 150",
      "field \"spec.objectives[0].targetPercent\": must be a percentage from 0 to 100, such as 99.9"
    ),
    (
      "\"page:2%:1h:5m, ticket:10%:3d:6h\"", "\"page:2%:5m:1h\"",
      "field \"metadata.annotations.runbook-revenant.io/burn-rate-policy\": \"page:2%:5m:1h\" is not SEVERITY:SHARE%:LONG:SHORT, such as page:2%:1h:5m"
    ),
  ])
  func namesFileDocumentFieldAndReason(original: String, replacement: String, expected: String) {
    let broken = valid.replacingOccurrences(of: original, with: replacement)
    #expect(broken != valid)
    #expect {
      try SLODefinitionParser.parse(yaml: broken, file: "slos.yaml")
    } throws: { error in
      let text = "\(error)"
      return text.hasPrefix("slos.yaml: document 1") && text.hasSuffix(expected)
    }
  }

  @Test func namesTheLineOfInvalidYAML() {
    #expect {
      try SLODefinitionParser.parse(yaml: "apiVersion: openslo/v1\nkind: SLO\nmetadata: [unclosed\n", file: "bad.yaml")
    } throws: { error in
      "\(error)".hasPrefix("bad.yaml: document 1, line ") && "\(error)".contains("field \"(YAML)\": not valid YAML")
    }
  }
}

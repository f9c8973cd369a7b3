import SLOBudget
import TestSupport
import Testing

/// The shapes of the OpenSLO v1 specification's documents (our own fixtures, written after them).
@Suite("Standard OpenSLO v1 documents")
struct OpenSLOShapesTests {
  private func read(_ paths: [String]) throws -> SLODocuments {
    let sources = try paths.map { path in
      (text: try String(contentsOfFile: Repository.path(path), encoding: .utf8), file: path)
    }
    return try SLODefinitionParser.parse(sources: sources)
  }

  @Test func theListFormWithAReferencedSLILoadsAndSaysWhatItIgnores() throws {
    let documents = try read(["Tests/Fixtures/openslo/list-form.yaml"])
    #expect(documents.services == [DeclaredService(name: "storefront", orgId: "org_acme")])
    let slo = try #require(documents.definitions.first)
    #expect(documents.definitions.count == 1)
    #expect(slo.indicator == .incidentTime(countedSeverities: [.sev1, .sev2]), "from the kind: SLI it references")
    #expect(slo.timeSliceTarget == 0.99)
    #expect(slo.timeSliceWindowMs == 60_000)
    #expect(slo.window == .calendar(unit: .month, timeZone: "America/New_York", text: "1M", start: LocalDateTime("2022-01-01 12:00:00")))
    #expect(
      slo.alertPolicies == [
        BurnRatePolicy(
          severity: "page",
          condition: BurnRateCondition(
            name: "storefront-fast-burn", op: .gte, threshold: 2, lookbackWindowMs: 3_600_000, alertAfterMs: 300_000)),
        BurnRatePolicy(
          severity: "ticket",
          condition: BurnRateCondition(
            name: "storefront-slow-burn-condition", op: .gte, threshold: 1, lookbackWindowMs: 259_200_000, alertAfterMs: 0)),
      ], "one by reference (policy, then condition), one inline")
    #expect(
      documents.warnings.map(\.description) == [
        "Tests/Fixtures/openslo/list-form.yaml: document 3, line 44: field \"spec.objectives[0].op\": has no effect: the toolkit's indicators are not compared with a threshold value",
        "Tests/Fixtures/openslo/list-form.yaml: document 3, line 45: field \"spec.objectives[0].value\": has no effect: the toolkit's indicators are not compared with a threshold value",
        "Tests/Fixtures/openslo/list-form.yaml: document 4, line 74: field \"spec.alertWhenNoData\": has no effect: alerts are evaluated at one instant, firing or not",
      ])
  }

  @Test func alertPoliciesAndTheAnnotationTogetherAreRefused() throws {
    let text = try String(contentsOfFile: Repository.path("Tests/Fixtures/openslo/list-form.yaml"), encoding: .utf8)
      .replacingOccurrences(
        of: "      runbook-revenant.io/org: org_acme\n  spec:\n    description: Most",
        with:
          "      runbook-revenant.io/org: org_acme\n      runbook-revenant.io/burn-rate-policy: page:2%:1h:5m\n  spec:\n    description: Most"
      )
    let error = #expect(throws: SLODefinitionError.self) { try SLODefinitionParser.parse(sources: [(text, "x.yaml")]) }
    #expect(error?.field == "metadata.annotations.runbook-revenant.io/burn-rate-policy")
    #expect(error?.reason == "give spec.alertPolicies or this annotation, not both")
    let dangling = try String(contentsOfFile: Repository.path("Tests/Fixtures/openslo/list-form.yaml"), encoding: .utf8)
      .replacingOccurrences(of: "conditionRef: storefront-fast-burn", with: "conditionRef: storefront-fast-brun")
    let missing = #expect(throws: SLODefinitionError.self) { try SLODefinitionParser.parse(sources: [(dangling, "x.yaml")]) }
    #expect(missing?.field == "spec.conditions[0].conditionRef")
    #expect(missing?.reason == "names no kind: AlertCondition document; did you mean storefront-fast-burn?")
  }

  @Test func anIndicatorRefFindsItsSLIInAnotherFileOfTheDirectory() throws {
    let documents = try read(["Tests/Fixtures/openslo/with-sli-ref/indicators.yaml", "Tests/Fixtures/openslo/with-sli-ref/slos.yaml"])
    #expect(documents.definitions.map(\.indicator) == [.requestRatio])
    #expect(documents.definitions.map(\.target) == [0.95])
    let alone = #expect(throws: SLODefinitionError.self) { try read(["Tests/Fixtures/openslo/with-sli-ref/slos.yaml"]) }
    #expect(alone?.field == "spec.indicatorRef")
    #expect(alone?.reason == "names no kind: SLI document; these files define none")
  }

  @Test func aMetricStoreSourceSaysWhichIndicatorMeasuresTheSameThing() throws {
    let error = #expect(throws: SLODefinitionError.self) { try read(["Tests/Fixtures/openslo/foreign-source.yaml"]) }
    #expect(
      error?.description
        == "Tests/Fixtures/openslo/foreign-source.yaml: document 1, line 14: field \"spec.indicator.spec.thresholdMetric.metricSource.type\": Prometheus is a metric store the toolkit does not read: the toolkit computes its indicators from incident events; for the time the service spends in counted incidents, write metricSource: {type: RunbookRevenant, spec: {indicator: incident-time}}"
    )
  }

  @Test(arguments: [
    (
      "timeSliceTarget: 0.99", "timeSliceTarget: 1.5", "spec.objectives[0].timeSliceTarget",
      "must be a fraction above 0 and at most 1, such as 0.95 (a slice's good share)"
    ),
    (
      "timeSliceTarget: 0.99", "timeSliceTarget: 0", "spec.objectives[0].timeSliceTarget",
      "must be a fraction above 0 and at most 1, such as 0.95 (a slice's good share)"
    ),
    (
      "budgetingMethod: Timeslices", "budgetingMethod: RatioTimeslices", "spec.budgetingMethod",
      "RatioTimeslices averages the ratios of a metric store's slices, which incident events do not have: use Timeslices or Occurrences"
    ),
    (
      "startTime: 2022-01-01 12:00:00", "startTime: next monday", "spec.timeWindow[0].calendar.startTime",
      "must be a local date and time such as 2026-01-01 00:00:00 (no zone: see timeZone)"
    ),
  ])
  func invalidValuesAreRefusedNamingTheField(original: String, broken: String, field: String, reason: String) throws {
    let text = try String(contentsOfFile: Repository.path("Tests/Fixtures/openslo/list-form.yaml"), encoding: .utf8)
    let changed = text.replacingOccurrences(of: original, with: broken)
    #expect(changed != text)
    let error = #expect(throws: SLODefinitionError.self) { try SLODefinitionParser.parse(sources: [(changed, "x.yaml")]) }
    #expect(error?.field == field)
    #expect(error?.reason == reason)
  }
}

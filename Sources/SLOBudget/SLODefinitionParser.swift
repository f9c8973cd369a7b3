import Foundation
import IncidentModel
import Yams

/// A broken SLO definition: the file, the document, the field and what is wrong.
public struct SLODefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
  public var file: String
  /// 1-based position of the YAML document in the file.
  public var document: Int
  public var line: Int?
  public var field: String
  public var reason: String

  public var description: String {
    "\(file): document \(document)\(line.map { ", line \($0)" } ?? ""): field \"\(field)\": \(reason)"
  }
}

/// Reads OpenSLO v1 `kind: SLO` documents; other kinds in the same file are passed over.
///
/// OpenSLO has no field for the toolkit's indicators or for the owning org, so
/// they come from documented extensions: the indicator is a metric source of
/// `type: RunbookRevenant` (`indicator: incident-time` with `countedSeverities`,
/// or `indicator: request-ratio`), and `metadata.annotations` carry
/// `runbook-revenant.io/org`, `runbook-revenant.io/slo-id` and
/// `runbook-revenant.io/burn-rate-policy`.
public enum SLODefinitionParser {
  public static let orgAnnotation = "runbook-revenant.io/org"
  public static let sloIdAnnotation = "runbook-revenant.io/slo-id"
  public static let burnRateAnnotation = "runbook-revenant.io/burn-rate-policy"

  public static func parse(yaml: String, file: String) throws(SLODefinitionError) -> [SLODefinition] {
    try parse(sources: [(yaml, file)]).definitions
  }

  /// Reads the documents of several files as one set, in order: an `indicatorRef` finds its
  /// `kind: SLI` document in any of them.
  ///
  /// A file holds YAML documents separated by `---`, or (as `oslo` writes them) a YAML list of
  /// documents; both may be mixed. Kinds other than SLO, SLI and Service are passed over.
  public static func parse(sources: [(text: String, file: String)]) throws(SLODefinitionError) -> SLODocuments {
    var documents: [Document] = []
    for (text, file) in sources {
      var roots: [Node] = []
      do {
        // The parser, not `compose_all`: iterating that lazy sequence drops a syntax error silently.
        let parser = try Parser(yaml: text)
        while let node = try parser.nextRoot() { roots.append(node) }
      } catch {
        let message = "\(error)"
        let line = (error as? YamlError).flatMap(Self.line(of:))
        throw SLODefinitionError(
          file: file, document: 1, line: line, field: "(YAML)",
          reason: "not valid YAML: \(message.split(separator: "\n").first.map(String.init) ?? message)")
      }
      var number = 0
      for root in roots {
        for item in root.sequence ?? [root] {
          number += 1
          documents.append(Document(node: item, file: file, number: number))
        }
      }
    }
    var library = ReferencedDocuments()
    for document in documents {
      guard let kind = document.node["kind"]?.string, ["SLI", "AlertPolicy", "AlertCondition"].contains(kind),
        let name = try document.string(["metadata", "name"])
      else { continue }
      if let first = library.byKind[kind]?[name] {
        throw document.fail("metadata.name", "\(kind) \(name) is defined twice (first in \(first.file), document \(first.number))")
      }
      library.byKind[kind, default: [:]][name] = document
    }
    var parsed = SLODocuments()
    var adjustments: [(BudgetAdjustment, Document)] = []
    for document in documents {
      switch document.node["kind"]?.string {
      case "SLO": parsed.definitions.append(try document.definition(library: library, warnings: &parsed.warnings))
      case "Service": parsed.services.append(try document.service())
      case "BudgetAdjustment": adjustments.append((try document.budgetAdjustment(), document))
      default: continue
      }
    }
    // Each adjustment goes to the SLOs it names; a name that matches none is a typo to report.
    let names = Set(parsed.definitions.map(\.name))
    for (adjustment, document) in adjustments {
      for (index, name) in adjustment.sloNames.enumerated() where !names.contains(name) {
        let hint = NearMatches.find(name, among: names)
        throw document.fail(
          "spec.filters.slos[\(index)].name",
          "names no SLO of these files" + (hint.isEmpty ? "" : "; did you mean \(hint.joined(separator: ", "))?"),
          at: document.child(["spec", "filters", "slos"])?.sequence?[index])
      }
      for index in parsed.definitions.indices where adjustment.sloNames.contains(parsed.definitions[index].name) {
        parsed.definitions[index].adjustments.append(adjustment)
      }
    }
    return parsed
  }

  private static func line(of error: YamlError) -> Int? {
    switch error {
    case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
    default: nil
    }
  }

  /// The longest duration a definition may give (a window, a time slice, a burn-rate window): 3 660 days, ten years.
  ///
  /// Anything longer is a typo rather than an objective, and the engine's work grows with a window's length.
  public static let longestDurationDays = 3_660

  /// Parses `5m`, `1h`, `28d`, `1w` (and, for calendar windows, `1M`, `1Q`, `1Y`).
  ///
  /// nil for anything else, and for a count past ``longestDurationDays`` in its unit (so that no
  /// duration's milliseconds can overflow).
  static func duration(_ text: String) -> (count: Int, unit: Character)? {
    guard let unit = text.last, "mhdwMQY".contains(unit), text.dropLast().allSatisfy(isDigit),
      let count = Int(text.dropLast()), count > 0
    else { return nil }
    let limit: Int
    switch unit {
    case "m": limit = longestDurationDays * 1440
    case "h": limit = longestDurationDays * 24
    case "d": limit = longestDurationDays
    case "w": limit = longestDurationDays / 7
    case "M": limit = longestDurationDays / 28
    case "Q": limit = longestDurationDays / 90
    default: limit = longestDurationDays / 365
    }
    return count <= limit ? (count, unit) : nil
  }

  /// Whether `text` has a duration's form but a count past ``longestDurationDays``.
  static func isTooLong(_ text: String) -> Bool {
    guard let unit = text.last, "mhdwMQY".contains(unit), !text.dropLast().isEmpty, text.dropLast().allSatisfy(isDigit)
    else { return false }
    return duration(text) == nil && text.dropLast().contains { $0 != "0" }
  }

  private static func isDigit(_ c: Character) -> Bool { c >= "0" && c <= "9" }

  static func milliseconds(count: Int, unit: Character) -> Int64? {
    let minute: Int64 = 60_000
    switch unit {
    case "m": return Int64(count) * minute
    case "h": return Int64(count) * 60 * minute
    case "d": return Int64(count) * 1440 * minute
    case "w": return Int64(count) * 7 * 1440 * minute
    default: return nil
    }
  }

  /// The reason given for a duration field that does not parse: its form, or its length.
  static func durationProblem(_ text: String, example: String) -> String {
    isTooLong(text)
      ? "\(text) is longer than the \(longestDurationDays) days (ten years) a definition may give"
      : "must be a duration such as \(example)"
  }
}

/// The documents SLOs refer to by name, by kind (`SLI`, `AlertPolicy`, `AlertCondition`).
private struct ReferencedDocuments {
  var byKind: [String: [String: Document]] = [:]
}

/// One YAML document, with helpers that turn a missing or wrong field into a precise error.
private struct Document {
  let node: Node
  let file: String
  let number: Int

  func fail(_ field: String, _ reason: String, at node: Node? = nil) -> SLODefinitionError {
    SLODefinitionError(file: file, document: number, line: (node ?? self.node).mark?.line, field: field, reason: reason)
  }

  func child(_ path: [String]) -> Node? {
    var current: Node? = node
    for key in path { current = current?[key] }
    return current
  }

  func string(_ path: [String], required: Bool = true) throws(SLODefinitionError) -> String? {
    let field = path.joined(separator: ".")
    guard let value = child(path) else {
      if required { throw fail(field, "is missing") }
      return nil
    }
    guard let text = value.scalar?.string, !text.isEmpty else { throw fail(field, "must be a non-empty string", at: value) }
    return text
  }

  func warn(_ field: String, _ reason: String, at node: Node?, into warnings: inout [SLODefinitionWarning]) {
    warnings.append(SLODefinitionWarning(file: file, document: number, line: (node ?? self.node).mark?.line, field: field, reason: reason))
  }

  func definition(library: ReferencedDocuments, warnings: inout [SLODefinitionWarning]) throws(SLODefinitionError) -> SLODefinition {
    guard let apiVersion = try string(["apiVersion"]), apiVersion == "openslo/v1" else {
      throw fail("apiVersion", "must be openslo/v1")
    }
    guard let name = try string(["metadata", "name"]) else { throw fail("metadata.name", "is missing") }
    guard let service = try string(["spec", "service"]) else { throw fail("spec.service", "is missing") }
    let annotations = child(["metadata", "annotations"])
    func annotation(_ key: String) -> String? { annotations?[key]?.scalar?.string }

    let indicator = try self.indicator(among: library.byKind["SLI"] ?? [:])
    let window = try self.window()
    guard let budgetingText = try string(["spec", "budgetingMethod"]) else { throw fail("spec.budgetingMethod", "is missing") }
    guard let budgeting = BudgetingMethod(rawValue: budgetingText) else {
      let reason =
        budgetingText == "RatioTimeslices"
        ? "RatioTimeslices averages the ratios of a metric store's slices, which incident events do not have: use Timeslices or Occurrences"
        : "\"\(budgetingText)\" is not Occurrences or Timeslices"
      throw fail("spec.budgetingMethod", reason, at: child(["spec", "budgetingMethod"]))
    }
    if indicator == .requestRatio && budgeting != .occurrences {
      throw fail("spec.budgetingMethod", "a request-ratio SLO counts requests: use Occurrences")
    }
    let (target, slice, sliceTarget) = try objective(budgeting: budgeting, warnings: &warnings)
    var openSLOPolicies: [BurnRatePolicy]?
    if let policies = child(["spec", "alertPolicies"]), policies.null == nil, policies.sequence?.isEmpty != true {
      if let annotation = annotations?[SLODefinitionParser.burnRateAnnotation] {
        throw fail(
          "metadata.annotations.\(SLODefinitionParser.burnRateAnnotation)", "give spec.alertPolicies or this annotation, not both",
          at: annotation)
      }
      openSLOPolicies = try alertPolicies(policies, library: library, warnings: &warnings)
    }
    let recordedIds =
      [name]
      + (annotation(SLODefinitionParser.sloIdAnnotation) ?? "").split(separator: ",").map {
        $0.trimmingCharacters(in: .whitespaces)
      }.filter { !$0.isEmpty }
    let policies = try annotation(SLODefinitionParser.burnRateAnnotation).map { text throws(SLODefinitionError) in
      try burnRatePolicies(text)
    }
    var definition = SLODefinition(
      name: name, displayName: child(["metadata", "displayName"])?.scalar?.string,
      orgId: annotation(SLODefinitionParser.orgAnnotation), service: service, indicator: indicator, window: window,
      budgeting: budgeting, target: target, timeSliceWindowMs: slice, recordedIds: recordedIds,
      alertPolicies: openSLOPolicies ?? policies ?? BurnRatePolicy.workbookDefaults, origin: "\(file)#\(number)",
      serviceLocation: location(of: child(["spec", "service"])),
      orgLocation: location(of: annotations?[SLODefinitionParser.orgAnnotation]))
    definition.timeSliceTarget = sliceTarget ?? 1
    return definition
  }

  /// `FILE: document N, line L` of a node (the document's alone without one).
  private func location(of node: Node?) -> String {
    "\(file): document \(number)" + (node?.mark.map { ", line \($0.line)" } ?? "")
  }

  /// A `kind: BudgetAdjustment` (OpenSLO v2alpha's shape; `openslo/v1` accepted too).
  func budgetAdjustment() throws(SLODefinitionError) -> BudgetAdjustment {
    guard let name = try string(["metadata", "name"]) else { throw fail("metadata.name", "is missing") }
    guard let startNode = child(["spec", "firstEventStart"]) else { throw fail("spec.firstEventStart", "is missing") }
    let start: Timestamp
    do {
      start = try Timestamp(rfc3339: startNode.string ?? "")
    } catch {
      throw fail("spec.firstEventStart", "must be an RFC 3339 instant such as 2026-11-17T02:00:00Z", at: startNode)
    }
    guard let durationNode = child(["spec", "duration"]) else { throw fail("spec.duration", "is missing") }
    guard let text = durationNode.string, let (count, unit) = SLODefinitionParser.duration(text),
      let length = SLODefinitionParser.milliseconds(count: count, unit: unit)
    else {
      throw fail("spec.duration", SLODefinitionParser.durationProblem(durationNode.string ?? "", example: "2h or 30m"), at: durationNode)
    }
    var recurrence: Recurrence?
    if let rule = child(["spec", "rrule"]) {
      switch Recurrence.parse(rule.string ?? "") {
      case .success(let parsed):
        if let step = parsed.stepMilliseconds, step < length {
          throw fail("spec.rrule", "occurrences every \(step / 60_000) minutes overlap a duration of \(text)", at: rule)
        }
        recurrence = parsed
      case .failure(let error): throw fail("spec.rrule", "\(error)", at: rule)
      }
    }
    guard let slos = child(["spec", "filters", "slos"])?.sequence, !slos.isEmpty else {
      throw fail("spec.filters.slos", "must list the SLOs it applies to (- name: ...)")
    }
    var names: [String] = []
    for (index, item) in slos.enumerated() {
      guard let slo = item["name"]?.string, !slo.isEmpty else {
        throw fail("spec.filters.slos[\(index)].name", "is missing", at: item)
      }
      names.append(slo)
    }
    let reason = child(["spec", "description"])?.string ?? ""
    return BudgetAdjustment(
      name: name, reason: reason.isEmpty ? "(no description)" : reason, firstStart: start, durationMs: length,
      recurrence: recurrence, sloNames: names)
  }

  func service() throws(SLODefinitionError) -> DeclaredService {
    guard let name = try string(["metadata", "name"]) else { throw fail("metadata.name", "is missing") }
    return DeclaredService(name: name, orgId: child(["metadata", "annotations", SLODefinitionParser.orgAnnotation])?.scalar?.string)
  }

  /// The indicator: inline (`spec.indicator.spec`), or the `kind: SLI` document `spec.indicatorRef` names.
  private func indicator(among indicators: [String: Document]) throws(SLODefinitionError) -> SLOIndicator {
    if let reference = child(["spec", "indicatorRef"]) {
      guard child(["spec", "indicator"]) == nil else {
        throw fail("spec.indicatorRef", "give indicator or indicatorRef, not both", at: reference)
      }
      guard let name = reference.string, !name.isEmpty else { throw fail("spec.indicatorRef", "must name an SLI", at: reference) }
      guard let document = indicators[name], let spec = document.child(["spec"]) else {
        let known = indicators.keys.sorted()
        let hint = NearMatches.find(name, among: Set(known))
        let tail =
          !hint.isEmpty
          ? "; did you mean \(hint.joined(separator: ", "))?"
          : (known.isEmpty ? "; these files define none" : "; these files define \(known.joined(separator: ", "))")
        throw fail("spec.indicatorRef", "names no kind: SLI document\(tail)", at: reference)
      }
      return try document.indicator(spec: spec, base: "spec")
    }
    guard let spec = child(["spec", "indicator", "spec"]) else {
      throw fail("spec.indicator.spec", "is missing (or give spec.indicatorRef)")
    }
    return try indicator(spec: spec, base: "spec.indicator.spec")
  }

  /// An SLI's `spec` (`thresholdMetric` or `ratioMetric`), with errors placed in this document.
  private func indicator(spec: Node, base specBase: String) throws(SLODefinitionError) -> SLOIndicator {
    let source: Node?
    let base: String
    let threshold = spec["thresholdMetric"] != nil
    if let metric = spec["thresholdMetric"] {
      source = metric["metricSource"]
      base = "\(specBase).thresholdMetric.metricSource"
    } else if let ratio = spec["ratioMetric"] {
      source = ratio["good"]?["metricSource"] ?? ratio["bad"]?["metricSource"]
      base = "\(specBase).ratioMetric.\(ratio["good"] != nil ? "good" : "bad").metricSource"
    } else {
      throw fail(specBase, "needs a thresholdMetric or a ratioMetric", at: spec)
    }
    guard let source else { throw fail(base, "is missing", at: spec) }
    guard let type = source["type"]?.string, type == "RunbookRevenant" else {
      let named = source["type"]?.string.map { "\($0) is a metric store the toolkit does not read" } ?? "is missing"
      let instead =
        threshold
        ? "for the time the service spends in counted incidents, write metricSource: {type: RunbookRevenant, spec: {indicator: incident-time}}"
        : "for the share of good requests in METRIC signals' counts, write {type: RunbookRevenant, spec: {indicator: request-ratio}} as the good and total metric sources"
      throw fail(
        "\(base).type", "\(named): the toolkit computes its indicators from incident events; \(instead)", at: source["type"] ?? source)
    }
    let kind = source["spec"]?["indicator"]?.string
    switch kind {
    case "incident-time":
      var severities: Set<Severity> = [.sev1, .sev2]
      if let list = source["spec"]?["countedSeverities"] {
        guard let items = list.sequence else {
          throw fail("\(base).spec.countedSeverities", "must be a list such as [SEV1, SEV2]", at: list)
        }
        severities = []
        for item in items {
          guard let text = item.string, let severity = Severity(rawValue: text) else {
            throw fail("\(base).spec.countedSeverities", "\"\(item.string ?? "?")\" is not SEV1, SEV2, SEV3 or SEV4", at: item)
          }
          severities.insert(severity)
        }
        if severities.isEmpty { throw fail("\(base).spec.countedSeverities", "must name at least one severity", at: list) }
      }
      return .incidentTime(countedSeverities: severities)
    case "request-ratio":
      return .requestRatio
    default:
      throw fail(
        "\(base).spec.indicator", "must be incident-time or request-ratio (got \(kind.map { "\"\($0)\"" } ?? "nothing"))",
        at: source["spec"]?["indicator"] ?? source)
    }
  }

  private func window() throws(SLODefinitionError) -> SLOWindow {
    guard let windows = child(["spec", "timeWindow"]) else { throw fail("spec.timeWindow", "is missing") }
    guard let items = windows.sequence, items.count == 1, let window = items.first else {
      throw fail("spec.timeWindow", "must be a list of exactly one window", at: windows)
    }
    guard let text = window["duration"]?.string, let (count, unit) = SLODefinitionParser.duration(text) else {
      throw fail(
        "spec.timeWindow[0].duration",
        SLODefinitionParser.durationProblem(window["duration"]?.string ?? "", example: "28d, 1w or 1M"), at: window)
    }
    let rolling = window["isRolling"]?.bool ?? false
    if rolling {
      guard let length = SLODefinitionParser.milliseconds(count: count, unit: unit), unit != "m" || count >= 60 else {
        throw fail("spec.timeWindow[0].duration", "a rolling window needs a fixed length in h, d or w (got \(text))", at: window)
      }
      return .rolling(milliseconds: length, text: text)
    }
    let calendarUnits: [Character: CalendarUnit] = ["d": .day, "w": .week, "M": .month, "Q": .quarter, "Y": .year]
    guard let calendarUnit = calendarUnits[unit] else {
      throw fail("spec.timeWindow[0].duration", "a calendar window is a day, week, month, quarter or year (got \(text))", at: window)
    }
    guard count == 1 else {
      throw fail(
        "spec.timeWindow[0].duration", "calendar windows of more than one \(calendarUnit.rawValue) are not supported (got \(text))",
        at: window)
    }
    var start: LocalDateTime?
    if let node = window["calendar"]?["startTime"] {
      guard let text = node.string, let parsed = LocalDateTime(text) else {
        throw fail(
          "spec.timeWindow[0].calendar.startTime", "must be a local date and time such as 2026-01-01 00:00:00 (no zone: see timeZone)",
          at: node)
      }
      start = parsed
    }
    let zone = window["calendar"]?["timeZone"]?.string ?? "UTC"
    guard TimeZone(identifier: zone) != nil else {
      throw fail("spec.timeWindow[0].calendar.timeZone", "\"\(zone)\" is not a time zone name such as UTC or Europe/Paris", at: window)
    }
    return .calendar(unit: calendarUnit, timeZone: zone, text: text, start: start)
  }

  private func objective(budgeting: BudgetingMethod, warnings: inout [SLODefinitionWarning]) throws(SLODefinitionError) -> (
    Double, Int64?, Double?
  ) {
    guard let objectives = child(["spec", "objectives"]), let items = objectives.sequence, !items.isEmpty else {
      throw fail("spec.objectives", "needs one objective")
    }
    guard items.count == 1, let objective = items.first else {
      throw fail("spec.objectives", "has \(items.count) objectives; write one SLO per objective", at: objectives)
    }
    let target: Double
    if objective["target"] != nil, let value = objective["targetPercent"] {
      throw fail("spec.objectives[0].targetPercent", "give target or targetPercent, not both", at: value)
    }
    if let value = objective["target"] {
      guard let number = value.float, number >= 0, number <= 1 else {
        throw fail("spec.objectives[0].target", "must be a fraction from 0 to 1, such as 0.999", at: value)
      }
      target = number
    } else if let value = objective["targetPercent"] {
      guard let number = value.float, number >= 0, number <= 100 else {
        throw fail("spec.objectives[0].targetPercent", "must be a percentage from 0 to 100, such as 99.9", at: value)
      }
      target = number / 100
    } else {
      throw fail("spec.objectives[0].target", "is missing (or give targetPercent)", at: objective)
    }
    var slice: Int64?
    if let value = objective["timeSliceWindow"] {
      guard budgeting == .timeslices else {
        throw fail("spec.objectives[0].timeSliceWindow", "applies only with budgetingMethod Timeslices", at: value)
      }
      guard let text = value.string, let (count, unit) = SLODefinitionParser.duration(text),
        let length = SLODefinitionParser.milliseconds(count: count, unit: unit)
      else {
        throw fail(
          "spec.objectives[0].timeSliceWindow", SLODefinitionParser.durationProblem(value.string ?? "", example: "1m or 5m"),
          at: value)
      }
      slice = length
    }
    var sliceTarget: Double?
    if let value = objective["timeSliceTarget"] {
      guard budgeting == .timeslices else {
        throw fail("spec.objectives[0].timeSliceTarget", "applies only with budgetingMethod Timeslices", at: value)
      }
      guard let number = value.float, number > 0, number <= 1 else {
        throw fail(
          "spec.objectives[0].timeSliceTarget", "must be a fraction above 0 and at most 1, such as 0.95 (a slice's good share)",
          at: value)
      }
      sliceTarget = number
    }
    for field in ["op", "value"] {
      if let node = objective[field] {
        warn(
          "spec.objectives[0].\(field)", "has no effect: the toolkit's indicators are not compared with a threshold value", at: node,
          into: &warnings)
      }
    }
    if let node = objective["compositeWeight"] {
      warn("spec.objectives[0].compositeWeight", "has no effect on an SLO of one objective", at: node, into: &warnings)
    }
    return (target, slice, sliceTarget)
  }

  /// `spec.alertPolicies`: each an inline `kind: AlertPolicy` or an `alertPolicyRef`, each policy's one
  /// condition an inline `kind: AlertCondition` or a `conditionRef`.
  private func alertPolicies(_ list: Node, library: ReferencedDocuments, warnings: inout [SLODefinitionWarning])
    throws(SLODefinitionError) -> [BurnRatePolicy]
  {
    let field = "spec.alertPolicies"
    guard let items = list.sequence else { throw fail(field, "must be a list of alert policies", at: list) }
    var policies: [BurnRatePolicy] = []
    for (index, item) in items.enumerated() {
      let (policy, owner, path) = try resolve(
        item, reference: "alertPolicyRef", kind: "AlertPolicy", library: library, field: "\(field)[\(index)]")
      policies.append(try owner.alertPolicy(policy, path: path, library: library, warnings: &warnings))
    }
    return policies
  }

  /// An inline document of `kind`, or the one `reference` names; with the document that holds it and its field path.
  private func resolve(_ item: Node, reference: String, kind: String, library: ReferencedDocuments, field: String)
    throws(SLODefinitionError) -> (Node, Document, String)
  {
    if let name = item[reference] {
      guard let text = name.string, let document = library.byKind[kind]?[text] else {
        let known = (library.byKind[kind] ?? [:]).keys.sorted()
        let hint = NearMatches.find(name.string ?? "", among: Set(known))
        let tail = !hint.isEmpty ? "; did you mean \(hint.joined(separator: ", "))?" : (known.isEmpty ? "; these files define none" : "")
        throw fail("\(field).\(reference)", "names no kind: \(kind) document\(tail)", at: name)
      }
      return (document.node, document, "")
    }
    guard item["kind"]?.string == kind else {
      throw fail(field, "must be an inline kind: \(kind) or a \(reference)", at: item)
    }
    return (item, self, "\(field).")
  }

  /// One `kind: AlertPolicy` (at `path` in this document) as a burn-rate policy.
  fileprivate func alertPolicy(_ node: Node, path: String, library: ReferencedDocuments, warnings: inout [SLODefinitionWarning])
    throws(SLODefinitionError) -> BurnRatePolicy
  {
    guard let conditions = node["spec"]?["conditions"]?.sequence, conditions.count == 1, let item = conditions.first else {
      throw fail("\(path)spec.conditions", "must be a list of exactly one condition", at: node["spec"]?["conditions"] ?? node)
    }
    for flag in ["alertWhenNoData", "alertWhenResolved"] where node["spec"]?[flag]?.bool == true {
      warn(
        "\(path)spec.\(flag)", "has no effect: alerts are evaluated at one instant, firing or not", at: node["spec"]?[flag],
        into: &warnings)
    }
    let (condition, owner, conditionPath) = try resolve(
      item, reference: "conditionRef", kind: "AlertCondition", library: library, field: "\(path)spec.conditions[0]")
    return try owner.burnRateCondition(condition, path: conditionPath)
  }

  /// One `kind: AlertCondition` of kind `burnrate`.
  fileprivate func burnRateCondition(_ node: Node, path: String) throws(SLODefinitionError) -> BurnRatePolicy {
    let name = node["metadata"]?["name"]?.string ?? "condition"
    guard let spec = node["spec"] else { throw fail("\(path)spec", "is missing", at: node) }
    guard let severity = spec["severity"]?.string, !severity.isEmpty else {
      throw fail("\(path)spec.severity", "is missing (a name such as page or ticket)", at: spec)
    }
    guard let condition = spec["condition"] else { throw fail("\(path)spec.condition", "is missing", at: spec) }
    let base = "\(path)spec.condition"
    guard (condition["kind"]?.string ?? "burnrate") == "burnrate" else {
      throw fail("\(base).kind", "must be burnrate, the one kind OpenSLO v1 defines", at: condition["kind"])
    }
    guard let opText = condition["op"]?.string, let op = BurnRateCondition.Comparison(rawValue: opText) else {
      throw fail("\(base).op", "must be lt, lte, gt or gte", at: condition["op"] ?? condition)
    }
    guard let threshold = condition["threshold"]?.float, threshold.isFinite, threshold >= 0 else {
      throw fail("\(base).threshold", "must be a burn rate (a number, 1 = spending the budget exactly over the window)", at: condition)
    }
    func duration(_ key: String, required: Bool) throws(SLODefinitionError) -> Int64 {
      guard let value = condition[key] else {
        if required { throw fail("\(base).\(key)", "is missing (a duration such as 1h)", at: condition) }
        return 0
      }
      guard let text = value.string, let (count, unit) = SLODefinitionParser.duration(text),
        let milliseconds = SLODefinitionParser.milliseconds(count: count, unit: unit)
      else {
        throw fail("\(base).\(key)", SLODefinitionParser.durationProblem(value.string ?? "", example: "5m or 1h"), at: value)
      }
      return milliseconds
    }
    let parsed = BurnRateCondition(
      name: name, op: op, threshold: threshold, lookbackWindowMs: try duration("lookbackWindow", required: true),
      alertAfterMs: try duration("alertAfter", required: false))
    return BurnRatePolicy(severity: severity, condition: parsed)
  }

  /// `page:2%:1h:5m, page:5%:6h:30m, ticket:10%:3d:6h`.
  private func burnRatePolicies(_ text: String) throws(SLODefinitionError) -> [BurnRatePolicy] {
    let field = "metadata.annotations.\(SLODefinitionParser.burnRateAnnotation)"
    var policies: [BurnRatePolicy] = []
    for item in text.split(separator: ",") {
      let parts = item.trimmingCharacters(in: .whitespaces).split(separator: ":").map(String.init)
      guard parts.count == 4, parts[1].hasSuffix("%"), let share = Double(parts[1].dropLast()), share > 0,
        let long = SLODefinitionParser.duration(parts[2]).flatMap({ SLODefinitionParser.milliseconds(count: $0.count, unit: $0.unit) }),
        let short = SLODefinitionParser.duration(parts[3]).flatMap({ SLODefinitionParser.milliseconds(count: $0.count, unit: $0.unit) }),
        short < long
      else {
        throw fail(field, "\"\(item)\" is not SEVERITY:SHARE%:LONG:SHORT, such as page:2%:1h:5m")
      }
      policies.append(BurnRatePolicy(severity: parts[0], budgetShare: share / 100, longWindowMs: long, shortWindowMs: short))
    }
    return policies
  }
}

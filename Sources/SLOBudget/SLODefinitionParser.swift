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
    try parseDocuments(yaml: yaml, file: file).definitions
  }

  /// The `kind: SLO` definitions and the `kind: Service` declarations of a file.
  public static func parseDocuments(yaml: String, file: String) throws(SLODefinitionError) -> SLODocuments {
    var parsed = SLODocuments()
    var documents: [Node] = []
    do {
      // The parser, not `compose_all`: iterating that lazy sequence drops a syntax error silently.
      let parser = try Parser(yaml: yaml)
      while let node = try parser.nextRoot() { documents.append(node) }
    } catch {
      let text = "\(error)"
      let line = (error as? YamlError).flatMap(Self.line(of:))
      throw SLODefinitionError(
        file: file, document: 1, line: line, field: "(YAML)",
        reason: "not valid YAML: \(text.split(separator: "\n").first.map(String.init) ?? text)")
    }
    for (index, node) in documents.enumerated() {
      let document = Document(node: node, file: file, number: index + 1)
      switch node["kind"]?.string {
      case "SLO": parsed.definitions.append(try document.definition())
      case "Service": parsed.services.append(try document.service())
      default: continue
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

  func definition() throws(SLODefinitionError) -> SLODefinition {
    guard let apiVersion = try string(["apiVersion"]), apiVersion == "openslo/v1" else {
      throw fail("apiVersion", "must be openslo/v1")
    }
    guard let name = try string(["metadata", "name"]) else { throw fail("metadata.name", "is missing") }
    guard let service = try string(["spec", "service"]) else { throw fail("spec.service", "is missing") }
    let annotations = child(["metadata", "annotations"])
    func annotation(_ key: String) -> String? { annotations?[key]?.scalar?.string }

    let indicator = try self.indicator()
    let window = try self.window()
    guard let budgetingText = try string(["spec", "budgetingMethod"]) else { throw fail("spec.budgetingMethod", "is missing") }
    guard let budgeting = BudgetingMethod(rawValue: budgetingText) else {
      throw fail("spec.budgetingMethod", "\"\(budgetingText)\" is not Occurrences or Timeslices", at: child(["spec", "budgetingMethod"]))
    }
    if indicator == .requestRatio && budgeting != .occurrences {
      throw fail("spec.budgetingMethod", "a request-ratio SLO counts requests: use Occurrences")
    }
    let (target, slice) = try objective(budgeting: budgeting)
    let recordedIds =
      [name]
      + (annotation(SLODefinitionParser.sloIdAnnotation) ?? "").split(separator: ",").map {
        $0.trimmingCharacters(in: .whitespaces)
      }.filter { !$0.isEmpty }
    let policies = try annotation(SLODefinitionParser.burnRateAnnotation).map { text throws(SLODefinitionError) in
      try burnRatePolicies(text)
    }
    return SLODefinition(
      name: name, displayName: child(["metadata", "displayName"])?.scalar?.string,
      orgId: annotation(SLODefinitionParser.orgAnnotation), service: service, indicator: indicator, window: window,
      budgeting: budgeting, target: target, timeSliceWindowMs: slice, recordedIds: recordedIds,
      alertPolicies: policies ?? BurnRatePolicy.workbookDefaults, origin: "\(file)#\(number)",
      serviceLocation: location(of: child(["spec", "service"])),
      orgLocation: location(of: annotations?[SLODefinitionParser.orgAnnotation]))
  }

  /// `FILE: document N, line L` of a node (the document's alone without one).
  private func location(of node: Node?) -> String {
    "\(file): document \(number)" + (node?.mark.map { ", line \($0.line)" } ?? "")
  }

  func service() throws(SLODefinitionError) -> DeclaredService {
    guard let name = try string(["metadata", "name"]) else { throw fail("metadata.name", "is missing") }
    return DeclaredService(name: name, orgId: child(["metadata", "annotations", SLODefinitionParser.orgAnnotation])?.scalar?.string)
  }

  private func indicator() throws(SLODefinitionError) -> SLOIndicator {
    if child(["spec", "indicatorRef"]) != nil {
      throw fail("spec.indicatorRef", "indicators must be inline (spec.indicator) in this toolkit")
    }
    guard let spec = child(["spec", "indicator", "spec"]) else { throw fail("spec.indicator.spec", "is missing") }
    let source: Node?
    let base: String
    if let threshold = spec["thresholdMetric"] {
      source = threshold["metricSource"]
      base = "spec.indicator.spec.thresholdMetric.metricSource"
    } else if let ratio = spec["ratioMetric"] {
      source = ratio["good"]?["metricSource"] ?? ratio["bad"]?["metricSource"]
      base = "spec.indicator.spec.ratioMetric.good.metricSource"
    } else {
      throw fail("spec.indicator.spec", "needs a thresholdMetric or a ratioMetric", at: spec)
    }
    guard let source else { throw fail(base, "is missing", at: spec) }
    guard source["type"]?.string == "RunbookRevenant" else {
      throw fail("\(base).type", "must be RunbookRevenant: the toolkit computes its indicators from incident events", at: source)
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
    let zone = window["calendar"]?["timeZone"]?.string ?? "UTC"
    guard TimeZone(identifier: zone) != nil else {
      throw fail("spec.timeWindow[0].calendar.timeZone", "\"\(zone)\" is not a time zone name such as UTC or Europe/Paris", at: window)
    }
    return .calendar(unit: calendarUnit, timeZone: zone, text: text)
  }

  private func objective(budgeting: BudgetingMethod) throws(SLODefinitionError) -> (Double, Int64?) {
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
    return (target, slice)
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

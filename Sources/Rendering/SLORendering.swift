public import IncidentModel
public import SLOBudget

/// `slo check` and `slo report` in every format, from the engine's figures only.
public enum SLORendering {
  // MARK: - Shared wording

  public static func percent(_ value: Double?, decimals: Int = 2) -> String {
    value.map { Format.percent($0, decimals: decimals) } ?? "–"
  }

  public static func target(_ definition: SLODefinition) -> String { Format.percent(definition.target, decimals: 3).trimmingZeros }

  public static func amount(_ value: Double, _ result: SLOResult) -> String {
    result.measure == .time ? Format.duration(milliseconds: value.clampedMilliseconds()) : "\(value.wholeNumberText()) req"
  }

  public static func burn(_ value: Double?) -> String { value.map { Format.decimal($0, places: 2) } ?? "–" }

  public static func indicatorLabel(_ result: SLOResult) -> String {
    switch result.definition.indicator {
    case .incidentTime(let counted):
      "incident time, \(counted.sorted().map(\.rawValue).joined(separator: "+"))"
        + (result.timeSlices.map { " in \(Format.duration(milliseconds: $0.lengthMs)) slices" } ?? "")
    case .requestRatio: "request ratio"
    }
  }

  /// One line saying why an SLO breached, by how much, and who spent its budget.
  public static func breachLine(_ result: SLOResult, minimumRemaining: Double) -> String {
    var text = "\(result.definition.name) (\(result.orgId), \(result.definition.service)): "
    if let remaining = result.remaining, let margin = result.breachMargin {
      text += "remaining \(percent(remaining)) is \(percent(margin)) below the minimum \(percent(minimumRemaining))"
    } else {
      text += result.notes.first ?? "breached"
    }
    text += "; bad \(amount(result.bad, result)) against a budget of \(amount(result.errorBudget, result))"
    let top = result.consumers.prefix(3).map { consumer in
      "\(consumer.incidentId) (\(percent(consumer.share, decimals: 1)))"
    }
    if !top.isEmpty { text += "; most consumed by \(top.joined(separator: ", "))" }
    return text
  }

  public static func firing(_ result: SLOResult) -> [String] {
    result.alerts.filter(\.firing).map { alert in
      if let condition = alert.policy.condition {
        return "\(alert.policy.severity): \(conditionText(condition)) (\(condition.name); burn \(burn(alert.longBurnRate)))"
      }
      return "\(alert.policy.severity): \(Format.percent(alert.policy.budgetShare, decimals: 0)) of budget in "
        + "\(Format.duration(milliseconds: alert.policy.longWindowMs))/\(Format.duration(milliseconds: alert.policy.shortWindowMs)) "
        + "(factor \(Format.decimal(alert.factor, places: 2)); burn \(burn(alert.longBurnRate)) and \(burn(alert.shortBurnRate)))"
    }
  }

  /// An OpenSLO condition in words: `burn rate ≥ 2 over 1h 00m for 5m 00s`.
  public static func conditionText(_ condition: BurnRateCondition) -> String {
    "burn rate \(condition.op.symbol) \(Format.decimal(condition.threshold, places: 2)) over "
      + Format.duration(milliseconds: condition.lookbackWindowMs)
      + (condition.alertAfterMs > 0 ? " for \(Format.duration(milliseconds: condition.alertAfterMs))" : "")
  }

  /// Raw figures beside the adjusted ones: `raw bad 10h 20m, consumed 153.72%, BREACHED → adjusted bad 9h 20m, …`.
  public static func adjustmentLine(_ result: SLOResult) -> String? {
    guard let raw = result.raw else { return nil }
    var line = "\(result.definition.name): raw bad \(amount(raw.bad, result)), consumed \(percent(raw.consumed)), "
    line += "\(raw.status.rawValue) → adjusted bad \(amount(result.bad, result)), consumed \(percent(result.consumed)), "
    line += "\(result.status.rawValue)"
    let parts = result.adjustments.summaries.map {
      "\($0.name), \($0.occurrences) occurrence(s), \(amount($0.removed, result)) removed: \($0.reason)"
    }
    return line + " (" + parts.joined(separator: "; ") + ")"
  }

  // MARK: - slo check

  public static func checkTable(_ results: [SLOResult], at: Timestamp, minimumRemaining: Double) -> String {
    let breached = results.filter { $0.status == .breached }
    var out = "SLO check at \(at): \(results.count) SLO(s), \(breached.count) breached (minimum remaining \(percent(minimumRemaining)))\n\n"
    out += headline(results).rendered()
    if !breached.isEmpty {
      out += "\nBreaches\n"
      for result in breached { out += "  \(breachLine(result, minimumRemaining: minimumRemaining))\n" }
    }
    let alerting = results.filter { !firing($0).isEmpty }
    if !alerting.isEmpty {
      out += "\nBurn-rate alerts firing\n"
      for result in alerting {
        for line in firing(result) { out += "  \(result.definition.name): \(line)\n" }
      }
    }
    let noData = results.filter { $0.status == .noData }
    if !noData.isEmpty {
      out += "\nNo data\n"
      for result in noData { out += "  \(result.definition.name): \(result.notes.joined(separator: "; "))\n" }
    }
    let adjusted = results.compactMap(adjustmentLine)
    if !adjusted.isEmpty {
      out += "\nBudget adjustments (planned work excluded)\n"
      for line in adjusted { out += "  \(line)\n" }
    }
    return out
  }

  private static func headline(_ results: [SLOResult]) -> TextTable {
    var table = TextTable([
      ("SLO", .left), ("org", .left), ("service", .left), ("window", .left), ("SLI", .right), ("target", .right), ("bad", .right),
      ("budget", .right), ("consumed", .right), ("remaining", .right), ("burn", .right), ("status", .left),
    ])
    for result in results {
      table.append([
        result.definition.name, result.orgId, result.definition.service, "\(result.definition.window)", percent(result.sli, decimals: 4),
        target(result.definition), amount(result.bad, result), amount(result.errorBudget, result), percent(result.consumed),
        percent(result.remaining), burn(result.burnRate), result.status.rawValue,
      ])
    }
    return table
  }

  public static func markdown(_ results: [SLOResult], at: Timestamp, minimumRemaining: Double) -> String {
    let breached = results.filter { $0.status == .breached }
    var out = "## SLO check: \(breached.isEmpty ? "all within budget" : "\(breached.count) breached")\n\n"
    out += "Evaluated at `\(at)`; an SLO breaches when less than \(percent(minimumRemaining)) of its budget remains.\n\n"
    // A reader of a job summary looks for what failed: breaches first, then the table with breached rows on top.
    if !breached.isEmpty {
      out += "### Breaches\n\n"
      for result in breached { out += "- \(breachLine(result, minimumRemaining: minimumRemaining))\n" }
      out += "\n"
    }
    out += "| SLO | org | service | window | SLI | target | consumed | remaining | burn rate | status |\n"
    out += "|---|---|---|---|---:|---:|---:|---:|---:|---|\n"
    for result in breached + results.filter({ $0.status != .breached }) {
      let status = result.status == .breached ? "**BREACHED**" : result.status.rawValue
      out += "| `\(result.definition.name)` | \(result.orgId) | \(result.definition.service) | \(result.definition.window) | "
      out += "\(percent(result.sli, decimals: 4)) | \(target(result.definition)) | \(percent(result.consumed)) | "
      out += "\(percent(result.remaining)) | \(burn(result.burnRate)) | \(status) |\n"
    }
    let alerting = results.filter { !firing($0).isEmpty }
    if !alerting.isEmpty {
      out += "\n### Burn-rate alerts firing\n\n"
      for result in alerting {
        for line in firing(result) { out += "- `\(result.definition.name)`: \(line)\n" }
      }
    }
    let adjusted = results.compactMap(adjustmentLine)
    if !adjusted.isEmpty {
      out += "\n### Budget adjustments (planned work excluded)\n\n"
      for line in adjusted { out += "- \(line)\n" }
    }
    return out
  }

  public static func junit(_ results: [SLOResult], at: Timestamp, minimumRemaining: Double) -> String {
    let failures = results.filter { $0.status == .breached }.count
    let skipped = results.filter { $0.status == .noData }.count
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out += "<testsuites name=\"slo check\" tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\">\n"
    out += "  <testsuite name=\"slo check\" tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\" "
    out += "timestamp=\"\(xml(String(at.description.dropLast(5))))\" time=\"0\">\n"
    out += "    <properties>\n"
    out += "      <property name=\"at\" value=\"\(xml(at.description))\"/>\n"
    out += "      <property name=\"min-remaining\" value=\"\(Format.decimal(minimumRemaining, places: 4))\"/>\n"
    out += "    </properties>\n"
    for result in results {
      let classname = "\(result.orgId).\(result.definition.service)"
      out += "    <testcase classname=\"\(xml(classname))\" name=\"\(xml(result.definition.name))\" time=\"0\">\n"
      switch result.status {
      case .breached:
        let message = breachLine(result, minimumRemaining: minimumRemaining)
        out += "      <failure message=\"\(xml(message))\" type=\"SLOBreach\">\(xml(details(result)))</failure>\n"
      case .noData:
        out += "      <skipped message=\"\(xml(result.notes.joined(separator: "; ")))\"/>\n"
      case .met:
        break
      }
      // A failure carries the details in its body already: CI viewers show both, so say it once.
      if result.status != .breached { out += "      <system-out>\(xml(details(result)))</system-out>\n" }
      out += "    </testcase>\n"
    }
    out += "  </testsuite>\n</testsuites>\n"
    return out
  }

  private static func details(_ result: SLOResult) -> String {
    var lines = [
      "window \(result.window.start) → \(result.window.end) (\(result.definition.window)), evaluated to \(result.evaluated.end)",
      "SLI \(percent(result.sli, decimals: 4)), target \(target(result.definition)), bad \(amount(result.bad, result)), budget \(amount(result.errorBudget, result))",
      "consumed \(percent(result.consumed)), remaining \(percent(result.remaining)), burn rate \(burn(result.burnRate))",
    ]
    lines += firing(result).map { "alert firing: \($0)" }
    if let adjustment = adjustmentLine(result) { lines.append("budget adjustment: \(adjustment)") }
    lines += result.notes
    return lines.joined(separator: "\n")
  }

  private static func xml(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "\n": out += "&#10;"
      default:
        // XML 1.0 allows no other control characters.
        if scalar.value >= 0x20 || scalar == "\t" { out.unicodeScalars.append(scalar) }
      }
    }
    return out
  }

  // MARK: - slo report

  public static func reportTable(_ results: [SLOResult], at: Timestamp, explain: Bool) -> String {
    var out = "SLO report at \(at): \(results.count) SLO(s)\n\n"
    out += headline(results).rendered()
    for result in results {
      out += "\n\(result.definition.name) — \(result.definition.displayName ?? result.definition.service)\n"
      out += "  org \(result.orgId), service \(result.definition.service), \(indicatorLabel(result)), target \(target(result.definition)), "
      out += "\(result.definition.budgeting.rawValue)\n"
      out += "  window \(result.window.start) → \(result.window.end) (\(result.definition.window)), evaluated to \(result.evaluated.end)\n"
      out += "  SLI \(percent(result.sli, decimals: 4)); bad \(amount(result.bad, result)) of \(amount(result.valid, result)); "
      out += "budget \(amount(result.errorBudget, result)); consumed \(percent(result.consumed)); remaining \(percent(result.remaining))"
      if let minutes = result.remainingMinutes { out += " (\(Format.decimal(minutes, places: 1)) min)" }
      out += "; burn rate \(burn(result.burnRate)); \(result.status.rawValue)\n"
      if let slices = result.timeSlices {
        out += "  time slices: \(slices.bad) of \(slices.total) slices of \(Format.duration(milliseconds: slices.lengthMs)) bad\n"
      }
      for note in result.notes { out += "  note: \(note)\n" }
      if let raw = result.raw {
        out += "  without budget adjustments: SLI \(percent(raw.sli, decimals: 4)); bad \(amount(raw.bad, result)); "
        out += "consumed \(percent(raw.consumed)), remaining \(percent(raw.remaining)); \(raw.status.rawValue)\n"
        out += "  budget adjustments:\n"
        for applied in result.adjustments {
          out += "    \(applied.occurrence.start) → \(applied.occurrence.end)  \(applied.name): \(amount(applied.removed, result)) removed"
          out += "  \"\(applied.reason)\"\n"
        }
      }
      out += "  alerts:\n"
      for alert in result.alerts {
        if let condition = alert.policy.condition {
          out += "    \(alert.firing ? "FIRING" : "ok    ") \(alert.policy.severity) \(conditionText(condition)) (\(condition.name)): "
          out += "burn \(burn(alert.longBurnRate))\n"
          continue
        }
        out +=
          "    \(alert.firing ? "FIRING" : "ok    ") \(alert.policy.severity) \(Format.percent(alert.policy.budgetShare, decimals: 0)) in "
        out += "\(Format.duration(milliseconds: alert.policy.longWindowMs))/\(Format.duration(milliseconds: alert.policy.shortWindowMs)): "
        out += "factor \(Format.decimal(alert.factor, places: 3)), burn \(burn(alert.longBurnRate)) / \(burn(alert.shortBurnRate))\n"
      }
      if !result.consumers.isEmpty {
        out += "  top consumers:\n"
        for consumer in result.consumers.prefix(5) {
          out += "    \(consumer.incidentId)  \(amount(consumer.bad, result))  \(percent(consumer.share)) of budget"
          out += consumer.title.map { "  \"\($0)\"" } ?? ""
          out += "\n"
        }
      }
      if !result.recorded.isEmpty {
        out += "  recorded live vs recomputed:\n"
        for record in result.recorded {
          out +=
            "    \(record.recordedAt) \(record.incidentId) [\(record.window.start) → \(record.window.end)]: recorded \(percent(record.recorded)), "
          if let recomputed = record.recomputed {
            out += "recomputed \(percent(recomputed)), difference \(record.difference.map { Format.signedPercent($0) } ?? "–")\n"
          } else {
            // The fold keeps what the SLO itself reads, so a window reaching further back has no figures behind it.
            out += "not recomputed (its window reaches back past the SLO's own window and alert windows)\n"
          }
        }
      }
      out += "  daily:\n"
      for day in result.daily where day.bad > 0 || day.interval.end == result.evaluated.end {
        out += "    \(day.date)  consumed \(percent(day.consumed))  remaining \(percent(day.remaining))\n"
      }
      if explain { out += explanation(result) }
    }
    return out
  }

  private static func explanation(_ result: SLOResult) -> String {
    var out = "  explain:\n"
    switch result.measure {
    case .time:
      out += "    bad time = |union of the counted bad intervals ∩ \(result.evaluated.start) → \(result.evaluated.end)|"
      out +=
        result.timeSlices.map {
          ", every \(Format.duration(milliseconds: $0.lengthMs)) slice they touch counted whole (clipped to the window)"
        } ?? ""
      out +=
        "\n    error budget = (1 − \(Format.decimal(result.definition.target, places: 4))) × \(Format.duration(milliseconds: result.window.milliseconds))"
      out += " = \(amount(result.errorBudget, result)); consumed = bad ÷ budget\n"
      for piece in result.explainedIntervals {
        out += "    \(piece.interval.start) → \(piece.interval.end) (\(Format.duration(milliseconds: piece.interval.milliseconds)))\n"
        for contribution in piece.contributions {
          out += "      \(contribution.incidentId): "
          out += contribution.statusSpans.map { "\($0.value.rawValue) from \($0.start)" }.joined(separator: ", ")
          out += "; "
          out += contribution.severitySpans.map { "\($0.value.rawValue) from \($0.start)" }.joined(separator: ", ")
          out += "\n"
        }
      }
    case .events:
      out += "    SLI = good ÷ total over the METRIC signals of \(result.definition.service) whose instant is in the window\n"
      for sample in result.explainedSamples {
        out +=
          "    \(sample.sample.instant) \(sample.incidentId) \(sample.sample.eventId): \(sample.sample.good) good of \(sample.sample.total)\n"
      }
    }
    return out
  }

  /// The daily series; `raw_bad` and `raw_remaining` are the figures without budget adjustments (the same where none applied).
  public static func dailyCSV(_ results: [SLOResult]) -> String {
    var out = CSV.line([
      "slo", "org_id", "service", "date", "day_start", "day_end", "bad", "unit", "consumed", "remaining", "raw_bad", "raw_remaining",
    ])
    for result in results {
      let raw = result.raw?.daily ?? result.daily
      for (index, day) in result.daily.enumerated() {
        let unadjusted = raw.indices.contains(index) ? raw[index] : day
        out += CSV.line([
          result.definition.name, result.orgId, result.definition.service, day.date.description, day.interval.start.description,
          day.interval.end.description, Format.decimal(day.bad, places: 0), result.measure == .time ? "ms" : "requests",
          day.consumed.map { Format.decimal($0, places: 6) } ?? "", day.remaining.map { Format.decimal($0, places: 6) } ?? "",
          Format.decimal(unadjusted.bad, places: 0), unadjusted.remaining.map { Format.decimal($0, places: 6) } ?? "",
        ])
      }
    }
    return out
  }

  // MARK: - JSON

  /// The version of the JSON documents of `slo check` and `slo report` (docs/schemas/slo.schema.json):
  /// raised when a field changes meaning or goes; new fields may appear within a version.
  public static let schemaVersion = 1

  public static func json(_ results: [SLOResult], at: Timestamp, minimumRemaining: Double, report: Bool, explain: Bool) -> JSONValue {
    func number(_ value: Double?, places: Int = 6) -> JSONValue { value.map { .number(Format.decimal($0, places: places)) } ?? .null }
    func ts(_ t: Timestamp) -> JSONValue { .string(t.description) }
    func interval(_ i: Interval) -> JSONValue { .object(["start": ts(i.start), "end": ts(i.end)]) }
    let documents = results.map { result -> JSONValue in
      var object: JSONObject = [
        "name": .string(result.definition.name), "orgId": .string(result.orgId), "service": .string(result.definition.service),
        "indicator": .string(result.definition.indicator.name), "budgetingMethod": .string(result.definition.budgeting.rawValue),
        "window": .string(result.definition.window.description), "windowStart": ts(result.window.start), "windowEnd": ts(result.window.end),
        "evaluatedEnd": ts(result.evaluated.end), "target": number(result.definition.target), "sli": number(result.sli),
        "unit": .string(result.measure == .time ? "ms" : "requests"), "valid": number(result.valid, places: 0),
        "bad": number(result.bad, places: 0), "errorBudget": number(result.errorBudget, places: 3),
        "errorBudgetConsumed": number(result.consumed), "errorBudgetRemaining": number(result.remaining),
        "errorBudgetMinutes": number(result.errorBudgetMinutes, places: 3), "badMinutes": number(result.badMinutes, places: 3),
        "remainingMinutes": number(result.remainingMinutes, places: 3), "errorBudgetBurnRate": number(result.burnRate),
        "status": .string(result.status.rawValue), "breachMargin": number(result.breachMargin),
        "notes": .array(result.notes.map(JSONValue.string)),
        "topConsumers": .array(
          result.consumers.prefix(report ? 10 : 3).map {
            .object(["incidentId": .string($0.incidentId), "bad": number($0.bad, places: 0), "share": number($0.share)])
          }),
        "alerts": .array(
          result.alerts.map { alert in
            var object: JSONObject = [
              "severity": .string(alert.policy.severity), "budgetShare": number(alert.budgetShare),
              "longWindowMs": .number(String(alert.policy.longWindowMs)), "shortWindowMs": .number(String(alert.policy.shortWindowMs)),
              "factor": number(alert.factor), "longBurnRate": number(alert.longBurnRate), "shortBurnRate": number(alert.shortBurnRate),
              "firing": .bool(alert.firing),
            ]
            if let condition = alert.policy.condition {
              object.append(
                "condition",
                .object([
                  "name": .string(condition.name), "op": .string(condition.op.rawValue), "threshold": number(condition.threshold),
                  "lookbackWindowMs": .number(String(condition.lookbackWindowMs)),
                  "alertAfterMs": .number(String(condition.alertAfterMs)),
                ]))
            }
            return .object(object)
          }),
        "recorded": .array(
          result.recorded.map { record in
            .object([
              "eventId": .string(record.eventId), "incidentId": .string(record.incidentId), "recordedAt": ts(record.recordedAt),
              "window": interval(record.window), "recorded": number(record.recorded), "recomputed": number(record.recomputed),
              "difference": number(record.difference),
            ])
          }),
      ]
      if let raw = result.raw {
        object.append(
          "raw",
          .object([
            "valid": number(raw.valid, places: 0), "bad": number(raw.bad, places: 0), "sli": number(raw.sli),
            "errorBudgetConsumed": number(raw.consumed), "errorBudgetRemaining": number(raw.remaining),
            "status": .string(raw.status.rawValue),
          ]))
        object.append(
          "adjustments",
          .array(
            result.adjustments.map { applied in
              .object([
                "name": .string(applied.name), "reason": .string(applied.reason), "start": ts(applied.occurrence.start),
                "end": ts(applied.occurrence.end), "removed": number(applied.removed, places: 0),
              ])
            }))
      }
      if let slices = result.timeSlices {
        object.append(
          "timeSlices",
          .object([
            "lengthMs": .number(String(slices.lengthMs)), "bad": .number(String(slices.bad)), "total": .number(String(slices.total)),
          ]))
      }
      if report {
        object.append(
          "daily",
          .array(
            result.daily.map { day in
              .object([
                "date": .string(day.date.description), "bad": number(day.bad, places: 0), "consumed": number(day.consumed),
                "remaining": number(day.remaining),
              ])
            }))
      }
      if explain {
        object.append(
          "badIntervals",
          .array(
            result.explainedIntervals.map { piece in
              .object([
                "start": ts(piece.interval.start), "end": ts(piece.interval.end),
                "incidents": .array(
                  piece.contributions.map { contribution in
                    .object([
                      "incidentId": .string(contribution.incidentId), "intervals": .array(contribution.intervals.map(interval)),
                      "statusSpans": .array(
                        contribution.statusSpans.map { .object(["status": .string($0.value.rawValue), "start": ts($0.start)]) }),
                      "severitySpans": .array(
                        contribution.severitySpans.map { .object(["severity": .string($0.value.rawValue), "start": ts($0.start)]) }),
                    ])
                  }),
              ])
            }))
        object.append(
          "requestSamples",
          .array(
            result.explainedSamples.map {
              .object([
                "eventId": .string($0.sample.eventId), "incidentId": .string($0.incidentId), "instant": ts($0.sample.instant),
                "good": .number(String($0.sample.good)), "total": .number(String($0.sample.total)),
              ])
            }))
      }
      return .object(object)
    }
    return .object([
      "schemaVersion": .number(String(schemaVersion)), "at": ts(at), "minimumRemaining": number(minimumRemaining),
      "breached": .number(String(results.filter { $0.status == .breached }.count)),
      "slos": .array(documents),
    ])
  }
}

extension Format {
  /// `value` with `places` decimals (see ``NumberText``).
  public static func decimal(_ value: Double, places: Int) -> String { NumberText.decimal(value, places: places) }

  /// A signed percentage, `+1.25%` or `-0.50%`.
  public static func signedPercent(_ value: Double) -> String {
    (value >= 0 ? "+" : "") + Format.percent(value, decimals: 2)
  }
}

extension String {
  /// `99.900%` → `99.9%`.
  fileprivate var trimmingZeros: String {
    guard hasSuffix("%"), contains(".") else { return self }
    var text = String(dropLast())
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text + "%"
  }
}

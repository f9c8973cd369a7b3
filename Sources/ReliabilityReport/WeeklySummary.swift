import IncidentModel
import Patterns
import SLOBudget

/// The Markdown summary written beside each workbook, for chat and e-mail.
public enum WeeklySummary {
  public static func markdown(_ f: WeeklyFigures, workbook: String) -> String {
    func duration(_ ms: Int64?) -> String { ms.map { DurationText.format(milliseconds: $0) } ?? "–" }
    func change(_ now: Int64?, _ before: Int64?) -> String {
      guard let now, let before else { return "–" }
      return (now >= before ? "+" : "") + DurationText.format(milliseconds: now - before)
    }
    func count(_ now: Int, _ before: Int) -> String { (now >= before ? "+" : "") + String(now - before) }
    func percent(_ value: Double?) -> String { value.map(EventDescription.percent) ?? "–" }
    var out = "# Reliability report — \(f.orgId), \(f.label)\n\n"
    out += "Period \(f.period.start) → \(f.period.end), evaluated at \(f.evaluatedAt). Workbook: `\(workbook)`.\n\n"
    out += "| Figure | This period | Previous period | Change |\n|---|---:|---:|---:|\n"
    out += "| Incidents | \(f.current.incidents) | \(f.previous.incidents) | \(count(f.current.incidents, f.previous.incidents)) |\n"
    for (index, severity) in Severity.allCases.enumerated() {
      out += "| … peaking at \(severity.rawValue) | \(f.current.bySeverity[index]) | \(f.previous.bySeverity[index]) | "
      out += "\(count(f.current.bySeverity[index], f.previous.bySeverity[index])) |\n"
    }
    out += "| MTTA | \(duration(f.current.meanTimeToAcknowledgeMs)) | \(duration(f.previous.meanTimeToAcknowledgeMs)) | "
    out += "\(change(f.current.meanTimeToAcknowledgeMs, f.previous.meanTimeToAcknowledgeMs)) |\n"
    out += "| MTTR | \(duration(f.current.meanTimeToResolveMs)) | \(duration(f.previous.meanTimeToResolveMs)) | "
    out += "\(change(f.current.meanTimeToResolveMs, f.previous.meanTimeToResolveMs)) |\n\n"

    out += "## SLOs: \(f.breached.count) breached, \(f.atRisk.count) at risk\n\n"
    out += "| SLO | service | SLI | consumed | remaining | burn rate | status |\n|---|---|---:|---:|---:|---:|---|\n"
    for r in f.slos {
      let status =
        r.status == .breached
        ? "**BREACHED**" : (f.atRisk.contains { $0.definition.name == r.definition.name } ? "at risk" : r.status.rawValue)
      out += "| `\(r.definition.name)` | \(r.definition.service) | \(r.sli.map { EventDescription.percent($0) } ?? "–") | "
      out +=
        "\(percent(r.consumed)) | \(percent(r.remaining)) | \(r.burnRate.map { NumberText.decimal($0, places: 2) } ?? "–") | \(status) |\n"
    }
    // Planned work excluded from a budget: the raw figures beside the adjusted ones, and why.
    let adjusted = f.slos.filter { $0.raw != nil }
    if !adjusted.isEmpty {
      out += "\nBudget adjustments (planned work excluded):\n\n"
      for r in adjusted {
        guard let raw = r.raw else { continue }
        let summaries = r.adjustments.summaries
        out += "- `\(r.definition.name)`: consumed \(percent(raw.consumed)) raw, \(percent(r.consumed)) adjusted "
        out += "(\(summaries.map(\.name).joined(separator: ", ")), \(r.adjustments.count) occurrence(s)): "
        out += summaries.map(\.reason).joined(separator: " ") + "\n"
      }
    }
    out += "\n## Recurring patterns\n\n"
    if f.patterns.groups.isEmpty {
      out += "No group had \(f.patterns.minimumCount) or more incidents in the period.\n"
    } else {
      out += "| key | service | incidents | impact | trend |\n|---|---|---:|---:|---|\n"
      for g in f.patterns.groups.prefix(5) {
        out +=
          "| `\(g.id.key.label)` | \(g.id.serviceName) | \(g.count) | \(DurationText.format(milliseconds: g.impactMs)) | \(g.trend.rawValue) |\n"
      }
    }
    return out
  }
}

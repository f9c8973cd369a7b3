public import IncidentModel
public import Patterns
public import SLOBudget

/// One event of the period, as the Timeline sheet lists it.
///
/// The sheet lists rows by time, and events at the same instant in the order of the input.
public struct TimelineRow: Sendable {
  public var ts: Timestamp
  /// Where the event was read: orders events at the same instant.
  public var origin: EventOrigin
  public var incidentId: String
  public var serviceName: String
  public var type: String
  public var description: String
  public var eventId: String

  public init(
    ts: Timestamp, origin: EventOrigin, incidentId: String, serviceName: String, type: String, description: String,
    eventId: String
  ) {
    self.ts = ts
    self.origin = origin
    self.incidentId = incidentId
    self.serviceName = serviceName
    self.type = type
    self.description = description
    self.eventId = eventId
  }
}

/// The headline figures of a period, and of the one before it for week-over-week change.
public struct Headline: Sendable, Hashable {
  public var incidents: Int
  /// Incidents by the most severe severity they reached, SEV1 first.
  public var bySeverity: [Int]
  /// Mean time to acknowledge and to resolve (ms), over the incidents that reached those steps.
  public var meanTimeToAcknowledgeMs: Int64?
  public var meanTimeToResolveMs: Int64?

  init(_ incidents: [IncidentSnapshot]) {
    self.incidents = incidents.count
    bySeverity = Severity.allCases.map { severity in incidents.filter { $0.peakSeverity == severity }.count }
    meanTimeToAcknowledgeMs = Headline.mean(incidents.compactMap(\.lifecycle.timeToAcknowledge))
    meanTimeToResolveMs = Headline.mean(incidents.compactMap(\.lifecycle.timeToResolve))
  }

  static func mean(_ values: [Int64]) -> Int64? {
    values.isEmpty ? nil : values.reduce(0, +) / Int64(values.count)
  }
}

/// Everything the weekly report shows for one org, computed once; the workbook and the
/// Markdown summary only lay it out.
public struct WeeklyFigures: Sendable {
  public var orgId: String
  /// `2026-W47`, or `2026-11-01_2026-11-08` for a custom period.
  public var label: String
  public var period: Interval
  /// SLOs and open incidents are evaluated here: the end of the period, or `--at` if earlier.
  public var evaluatedAt: Timestamp
  public var current: Headline
  public var previous: Headline
  /// Incidents created in the period, by creation time.
  public var incidents: [IncidentSnapshot]
  public var incidentsPerService: [(service: String, count: Int)]
  public var slos: [SLOResult]
  public var patterns: PatternReport
  public var timeline: [TimelineRow]

  /// SLOs with less than this share of their budget left are "at risk".
  public static let atRiskBelow = 0.25

  public var breached: [SLOResult] { slos.filter { $0.status == .breached } }
  public var atRisk: [SLOResult] {
    slos.filter { $0.status != .breached && ($0.remaining.map { $0 < Self.atRiskBelow } ?? false) }
  }

  /// Computes the figures of `period` for the org's incidents (pure: the evaluation time is given).
  public static func compute(
    orgId: String, label: String, period: Interval, at: Timestamp, incidents: [IncidentSnapshot], slos: [SLODefinition],
    timeline: [TimelineRow]
  ) throws(SLOEvaluationError) -> WeeklyFigures {
    let evaluatedAt = min(at, period.end)
    let previousPeriod = Interval(start: period.start.adding(milliseconds: -period.milliseconds), end: period.start)
    func created(in interval: Interval) -> [IncidentSnapshot] {
      incidents.filter { interval.start <= $0.lifecycle.createdAt && $0.lifecycle.createdAt < interval.end }
        .sorted { ($0.lifecycle.createdAt, $0.incidentId) < ($1.lifecycle.createdAt, $1.incidentId) }
    }
    let current = created(in: period)
    var perService: [String: Int] = [:]
    for incident in current { perService[incident.serviceName ?? "(unknown)", default: 0] += 1 }
    let results = try SLOEngine.evaluate(slos, incidents: incidents, at: evaluatedAt, defaultOrgId: orgId, explain: false)
    return WeeklyFigures(
      orgId: orgId, label: label, period: period, evaluatedAt: evaluatedAt, current: Headline(current),
      previous: Headline(created(in: previousPeriod)), incidents: current,
      incidentsPerService: perService.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) },
      slos: results, patterns: PatternAnalysis.analyse(incidents, period: period, at: evaluatedAt),
      timeline: timeline.sorted { ($0.ts, $0.origin) < ($1.ts, $1.origin) })
  }
}

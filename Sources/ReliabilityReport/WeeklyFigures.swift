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
    var tally = Tally()
    for incident in incidents { tally.add(incident) }
    self = tally.headline
  }

  /// The figures of a period as they are gathered: counts and sums, which merge by adding (a period's
  /// incidents need not be kept to be summed up).
  struct Tally: Sendable {
    var incidents = 0
    var bySeverity = [Int](repeating: 0, count: Severity.allCases.count)
    var acknowledged = Sum()
    var resolved = Sum()

    /// Whole milliseconds in 128 bits: the sum of any count of durations, exact.
    struct Sum: Sendable {
      var total: Int128 = 0
      var count = 0
      mutating func add(_ value: Int64?) {
        guard let value else { return }
        total += Int128(value)
        count += 1
      }
      mutating func add(_ other: Sum) {
        total += other.total
        count += other.count
      }
      var mean: Int64? { count == 0 ? nil : Int64(total / Int128(count)) }
    }

    mutating func add(_ incident: IncidentSnapshot) {
      incidents += 1
      if let severity = incident.peakSeverity, let index = Severity.allCases.firstIndex(of: severity) { bySeverity[index] += 1 }
      acknowledged.add(incident.lifecycle.timeToAcknowledge)
      resolved.add(incident.lifecycle.timeToResolve)
    }

    mutating func merge(_ other: Tally) {
      incidents += other.incidents
      for index in bySeverity.indices { bySeverity[index] += other.bySeverity[index] }
      acknowledged.add(other.acknowledged)
      resolved.add(other.resolved)
    }

    var headline: Headline {
      Headline(
        incidents: incidents, bySeverity: bySeverity, meanTimeToAcknowledgeMs: acknowledged.mean,
        meanTimeToResolveMs: resolved.mean)
    }
  }

  private init(incidents: Int, bySeverity: [Int], meanTimeToAcknowledgeMs: Int64?, meanTimeToResolveMs: Int64?) {
    self.incidents = incidents
    self.bySeverity = bySeverity
    self.meanTimeToAcknowledgeMs = meanTimeToAcknowledgeMs
    self.meanTimeToResolveMs = meanTimeToResolveMs
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
  ) -> WeeklyFigures {
    let fold = WeeklyFold(label: label, period: period, at: at, slos: slos)
    var partial = fold.makePartial()
    for incident in incidents where incident.orgId == orgId { fold.add(incident, to: &partial) }
    var figures = fold.finish(partial, orgs: [orgId])[0]
    figures.timeline = timeline.sorted { ($0.ts, $0.origin) < ($1.ts, $1.origin) }
    return figures
  }
}

/// The weekly report as a fold: per org, its SLOs' partial, its pattern groups' partial,
/// and the incidents created in the period and in the one before (for the headline).
///
/// The Timeline is not here: it lists every event of the period, so the command
/// gathers it apart, in sorted runs on disk.
public struct WeeklyFold: IncidentFold {
  public let label: String
  public let period: Interval
  public let previousPeriod: Interval
  /// SLOs and open incidents are evaluated here: the end of the period, or `at` if earlier.
  public let evaluatedAt: Timestamp
  /// The definitions; each org's report evaluates those naming it or no org.
  public let slos: [SLODefinition]

  public init(label: String, period: Interval, at: Timestamp, slos: [SLODefinition]) {
    self.label = label
    self.period = period
    previousPeriod = Interval(start: period.start.adding(milliseconds: -period.milliseconds), end: period.start)
    evaluatedAt = min(at, period.end)
    self.slos = slos
  }

  public struct Partial: Sendable {
    fileprivate var orgs: [String: OrgPartial] = [:]
  }

  fileprivate struct OrgPartial: Sendable {
    var sloFold: SLOFold
    var slo: SLOFold.Partial
    var patterns: PatternFold.Partial
    /// Created in the period, and in the one before.
    var current: [IncidentSnapshot] = []
    /// The period before: its headline figures only.
    var previous = Headline.Tally()
  }

  private var patternFold: PatternFold { PatternFold(period: period, at: evaluatedAt) }

  /// The SLO fold of one org's report: its definitions, evaluated at ``evaluatedAt``.
  private func sloFold(for org: String) -> SLOFold {
    let definitions = slos.filter { $0.orgId == nil || $0.orgId == org }
    // Every definition has an org here (its own, or this one), so the fold cannot refuse it.
    // Evaluated at the period's end, a calendar SLO is scored on the unit holding its last instant (the week itself).
    let lastInstant = evaluatedAt == period.end ? period.end.adding(milliseconds: -1) : nil
    return (try? SLOFold(definitions, at: evaluatedAt, calendarUnitHolding: lastInstant, defaultOrgId: org))
      ?? SLOFold.empty(at: evaluatedAt)
  }

  private func orgPartial(for org: String) -> OrgPartial {
    let fold = sloFold(for: org)
    return OrgPartial(sloFold: fold, slo: fold.makePartial(), patterns: patternFold.makePartial())
  }

  public func makePartial() -> Partial { Partial() }

  public func add(_ incident: IncidentSnapshot, to partial: inout Partial) {
    let org = incident.orgId
    var entry = partial.orgs.removeValue(forKey: org) ?? orgPartial(for: org)
    entry.sloFold.add(incident, to: &entry.slo)
    patternFold.add(incident, to: &entry.patterns)
    let created = incident.lifecycle.createdAt
    if period.start <= created && created < period.end {
      entry.current.append(Self.listed(incident))
    } else if previousPeriod.start <= created && created < previousPeriod.end {
      entry.previous.add(incident)
    }
    partial.orgs[org] = entry
  }

  public func merge(_ other: Partial, into partial: inout Partial) {
    for (org, theirs) in other.orgs {
      guard var entry = partial.orgs.removeValue(forKey: org) else {
        partial.orgs[org] = theirs
        continue
      }
      entry.sloFold.merge(theirs.slo, into: &entry.slo)
      patternFold.merge(theirs.patterns, into: &entry.patterns)
      entry.current += theirs.current
      entry.previous.merge(theirs.previous)
      partial.orgs[org] = entry
    }
  }

  /// The figures of each of `orgs`, in that order (an org without incidents gets an empty report); no Timeline rows.
  public func finish(_ partial: Partial, orgs: [String]) -> [WeeklyFigures] {
    orgs.map { org in
      let entry = partial.orgs[org] ?? orgPartial(for: org)
      func byCreation(_ incidents: [IncidentSnapshot]) -> [IncidentSnapshot] {
        incidents.sorted { ($0.lifecycle.createdAt, $0.incidentId) < ($1.lifecycle.createdAt, $1.incidentId) }
      }
      let current = byCreation(entry.current)
      var perService: [String: Int] = [:]
      for incident in current { perService[incident.serviceName ?? "(unknown)", default: 0] += 1 }
      return WeeklyFigures(
        orgId: org, label: label, period: period, evaluatedAt: evaluatedAt, current: Headline(current),
        previous: entry.previous.headline, incidents: current,
        incidentsPerService: perService.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) },
        slos: entry.sloFold.finish(entry.slo), patterns: patternFold.finish(entry.patterns), timeline: [])
    }
  }

  /// The SLOs the report scores on nothing.
  ///
  /// Those of an org the input has no incident of (or not among `orgs`), or of a service the input never
  /// names in their org and no `kind: Service` declares. Each org's, then the others, in order.
  public func unmatchedSLOs(_ partial: Partial, orgs: [String], declared: [DeclaredService]) -> [UnmatchedSLO] {
    var unmatched: [UnmatchedSLO] = []
    for org in orgs {
      let entry = partial.orgs[org] ?? orgPartial(for: org)
      unmatched += entry.sloFold.unmatched(entry.slo, declared: declared)
    }
    let reported = Set(orgs)
    for definition in slos {
      guard let org = definition.orgId, !reported.contains(org) else { continue }
      unmatched.append(
        UnmatchedSLO(
          definition: definition, orgId: org, missing: .org, closest: NearMatches.find(org, among: reported), known: orgs.sorted()))
    }
    return unmatched
  }

  /// What the Incidents sheet and the headline read of an incident; its samples, records and details are dropped.
  private static func listed(_ incident: IncidentSnapshot) -> IncidentSnapshot {
    var listed = incident
    listed.requestSamples = []
    listed.sloViolations = []
    listed.details = nil
    return listed
  }
}

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

/// One incident created in the period, as the Incidents sheet lists it (by creation time, then id).
public struct IncidentRow: Sendable, Hashable {
  public var incidentId: String
  public var title: String
  public var serviceName: String
  public var environment: String
  public var status: IncidentStatus
  public var severity: Severity?
  public var peakSeverity: Severity?
  public var createdAt: Timestamp
  public var impactStartedAt: Timestamp?
  public var acknowledgedAt: Timestamp?
  public var mitigatedAt: Timestamp?
  public var resolvedAt: Timestamp?
  /// Durations in milliseconds.
  public var timeToDetect: Int64?
  public var timeToAcknowledge: Int64?
  public var timeToMitigate: Int64?
  public var timeToResolve: Int64?
  public var reopenCount: Int
  public var correlationKeys: [String]

  /// The row of `incident`.
  public init(_ incident: IncidentSnapshot) {
    let l = incident.lifecycle
    self.init(
      incidentId: incident.incidentId, title: incident.title ?? "", serviceName: incident.serviceName ?? "",
      environment: incident.environment ?? "", status: incident.status, severity: incident.severity,
      peakSeverity: incident.peakSeverity, createdAt: l.createdAt, impactStartedAt: l.impactStartedAt,
      acknowledgedAt: l.acknowledgedAt, mitigatedAt: l.mitigatedAt, resolvedAt: l.resolvedAt, timeToDetect: l.timeToDetect,
      timeToAcknowledge: l.timeToAcknowledge, timeToMitigate: l.timeToMitigate, timeToResolve: l.timeToResolve,
      reopenCount: incident.reopenCount, correlationKeys: incident.correlationKeys)
  }

  public init(
    incidentId: String, title: String, serviceName: String, environment: String, status: IncidentStatus, severity: Severity?,
    peakSeverity: Severity?, createdAt: Timestamp, impactStartedAt: Timestamp?, acknowledgedAt: Timestamp?, mitigatedAt: Timestamp?,
    resolvedAt: Timestamp?, timeToDetect: Int64?, timeToAcknowledge: Int64?, timeToMitigate: Int64?, timeToResolve: Int64?,
    reopenCount: Int, correlationKeys: [String]
  ) {
    self.incidentId = incidentId
    self.title = title
    self.serviceName = serviceName
    self.environment = environment
    self.status = status
    self.severity = severity
    self.peakSeverity = peakSeverity
    self.createdAt = createdAt
    self.impactStartedAt = impactStartedAt
    self.acknowledgedAt = acknowledgedAt
    self.mitigatedAt = mitigatedAt
    self.resolvedAt = resolvedAt
    self.timeToDetect = timeToDetect
    self.timeToAcknowledge = timeToAcknowledge
    self.timeToMitigate = timeToMitigate
    self.timeToResolve = timeToResolve
    self.reopenCount = reopenCount
    self.correlationKeys = correlationKeys
  }

  /// The sheet's order: by creation time, then id (a total order within an org).
  public static func listedBefore(_ a: IncidentRow, _ b: IncidentRow) -> Bool {
    (a.createdAt, a.incidentId) < (b.createdAt, b.incidentId)
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

  /// The figures of a period as they are gathered: counts and sums, which merge by adding (a period's
  /// incidents need not be kept to be summed up).
  struct Tally: Sendable, Codable {
    var incidents = 0
    var bySeverity = [Int](repeating: 0, count: Severity.allCases.count)
    var acknowledged = Sum()
    var resolved = Sum()

    /// Whole milliseconds in 128 bits: the sum of any count of durations, exact.
    struct Sum: Sendable, Codable {
      var total: Int128 = 0
      var count = 0

      init() {}

      // The total as decimal text: JSON numbers stop being exact past 2⁵³ in many readers.
      private enum CodingKeys: String, CodingKey { case total, count }

      init(from decoder: any Decoder) throws {
        let keyed = try decoder.container(keyedBy: CodingKeys.self)
        guard let total = Int128(try keyed.decode(String.self, forKey: .total)) else {
          throw DecodingError.dataCorruptedError(forKey: .total, in: keyed, debugDescription: "not an integer")
        }
        self.total = total
        count = try keyed.decode(Int.self, forKey: .count)
      }

      func encode(to encoder: any Encoder) throws {
        var keyed = encoder.container(keyedBy: CodingKeys.self)
        try keyed.encode(String(total), forKey: .total)
        try keyed.encode(count, forKey: .count)
      }

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
  public var incidentsPerService: [(service: String, count: Int)]
  public var slos: [SLOResult]
  public var patterns: PatternReport

  /// SLOs with less than this share of their budget left are "at risk".
  public static let atRiskBelow = 0.25

  public var breached: [SLOResult] { slos.filter { $0.status == .breached } }
  public var atRisk: [SLOResult] {
    slos.filter { $0.status != .breached && ($0.remaining.map { $0 < Self.atRiskBelow } ?? false) }
  }
}

/// The weekly report as a fold: per org, its SLOs' partial, its pattern groups' partial,
/// and the headline figures of the incidents created in the period and in the one before.
///
/// The rows of the Incidents and Timeline sheets are not here: they grow with the
/// period, so the command gathers them apart, in sorted runs on disk (see ``row(of:)``).
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

  /// Coded (a partial-result file's payload) with its orgs in order, each as its SLO and pattern partials code themselves.
  public struct Partial: Sendable {
    fileprivate var orgs: [String: OrgPartial] = [:]
  }

  fileprivate struct OrgPartial: Sendable, Codable {
    /// The org's SLO fold, made when its first incident is added; nil in a partial read from a file
    /// (it is the fold's, not the data's: ``WeeklyFold/sloFold(of:_:)`` makes it again).
    var sloFold: SLOFold?
    var slo: SLOFold.Partial
    var patterns: PatternFold.Partial
    /// Created in the period, and in the one before: their headline figures.
    var current = Headline.Tally()
    var previous = Headline.Tally()
    /// Incidents created in the period, per service.
    var perService: [String: Int] = [:]

    init(sloFold: SLOFold, slo: SLOFold.Partial, patterns: PatternFold.Partial) {
      self.sloFold = sloFold
      self.slo = slo
      self.patterns = patterns
    }

    private enum CodingKeys: String, CodingKey { case slo, patterns, current, previous, perService }
  }

  /// The SLO fold of `org`'s entry, made again when the entry came from a file.
  private func sloFold(of org: String, _ entry: OrgPartial) -> SLOFold { entry.sloFold ?? sloFold(for: org) }

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
    let fold = sloFold(of: org, entry)
    entry.sloFold = fold
    fold.add(incident, to: &entry.slo)
    patternFold.add(incident, to: &entry.patterns)
    let created = incident.lifecycle.createdAt
    if period.start <= created && created < period.end {
      entry.current.add(incident)
      entry.perService[incident.serviceName ?? "(unknown)", default: 0] += 1
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
      sloFold(of: org, entry).merge(theirs.slo, into: &entry.slo)
      patternFold.merge(theirs.patterns, into: &entry.patterns)
      entry.current.merge(theirs.current)
      entry.previous.merge(theirs.previous)
      entry.perService.merge(theirs.perService, uniquingKeysWith: +)
      partial.orgs[org] = entry
    }
  }

  /// The figures of each of `orgs`, in that order (an org without incidents gets an empty report).
  public func finish(_ partial: Partial, orgs: [String]) -> [WeeklyFigures] {
    orgs.map { org in
      let entry = partial.orgs[org] ?? orgPartial(for: org)
      return WeeklyFigures(
        orgId: org, label: label, period: period, evaluatedAt: evaluatedAt, current: entry.current.headline,
        previous: entry.previous.headline,
        incidentsPerService: entry.perService.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) },
        slos: sloFold(of: org, entry).finish(entry.slo), patterns: patternFold.finish(entry.patterns))
    }
  }

  /// The Incidents sheet's row of `incident`, when it was created in the period; else nil.
  public func row(of incident: IncidentSnapshot) -> IncidentRow? {
    let created = incident.lifecycle.createdAt
    return period.start <= created && created < period.end ? IncidentRow(incident) : nil
  }

  /// The SLOs the report scores on nothing.
  ///
  /// Those of an org the input has no incident of (or not among `orgs`), or of a service the input never
  /// names in their org and no `kind: Service` declares. Each org's, then the others, in order.
  public func unmatchedSLOs(_ partial: Partial, orgs: [String], declared: [DeclaredService]) -> [UnmatchedSLO] {
    var unmatched: [UnmatchedSLO] = []
    for org in orgs {
      let entry = partial.orgs[org] ?? orgPartial(for: org)
      unmatched += sloFold(of: org, entry).unmatched(entry.slo, declared: declared)
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
}

extension WeeklyFold.Partial: Codable {
  private struct Org: Codable {
    var org: String
    var partial: WeeklyFold.OrgPartial
  }

  public func encode(to encoder: any Encoder) throws {
    var list = encoder.singleValueContainer()
    try list.encode(orgs.map { Org(org: $0.key, partial: $0.value) }.sorted { $0.org < $1.org })
  }

  public init(from decoder: any Decoder) throws {
    self.init()
    for entry in try decoder.singleValueContainer().decode([Org].self) { orgs[entry.org] = entry.partial }
  }
}

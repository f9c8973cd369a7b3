public import IncidentModel

/// What an incident-time SLO keeps of one incident of its service: its own bad intervals, and the spans that explain them.
struct CountedIncident: Sendable, Codable {
  var incidentId: String
  var title: String?
  /// Bad intervals at the SLO's counted severities, up to the evaluation time (never empty).
  var intervals: [Interval]
  /// Kept only for `--explain`.
  var statusSpans: [Span<IncidentStatus>] = []
  var severitySpans: [Span<Severity>] = []
}

/// What one SLO reads, gathered from every incident of its org: the fold's partial seen from one definition.
struct ServiceIncidents {
  /// Incidents of the service with counted bad time, by id.
  var counted: [CountedIncident] = []
  /// Request counts of the service (request-ratio SLOs), in a total order.
  var samples = RequestSamples(samples: [])
  /// Where the fold kept what the SLO reads, bad time or request counts (nil: everywhere); a recorded window
  /// outside them is not recomputed.
  var kept: [Interval]?
  /// Live-recorded violations naming the SLO, by time.
  var violations: [(incidentId: String, violation: SLOViolation)] = []
}

/// SLO error budgets as a fold: each replayed incident leaves what the definitions will read of it, and no more.
///
/// Everything a definition needs is known before the first event (its org, service,
/// counted severities, windows, `at`), so an incident contributes its own bad
/// intervals inside the time the SLOs read (a few per incident), the request counts
/// inside the windows they read, and the violations recorded under their ids inside
/// their windows; an incident of last year leaves nothing. Partials merge by
/// concatenation; ``finish(_:minimumRemaining:)`` sorts each list by a total order
/// and evaluates, so the figures are the same however the incidents were split.
public struct SLOFold: IncidentFold {
  /// What the definitions read, worked out once; shared, since the engine passes the fold around by value.
  private final class Plan: Sendable {
    let definitions: [SLODefinition]
    let at: Timestamp
    /// The instant whose calendar unit a calendar SLO is scored on (nil: `at`).
    let calendarUnitHolding: Timestamp?
    let explain: Bool
    /// Each definition's org, resolved.
    let orgs: [String]
    /// Per org and service: the counted-severity sets its incident-time SLOs use, each with the time they read.
    let countedSets: [String: [String: [CountedTime]]]
    /// Per org and service: the intervals its request-ratio SLOs read counts in (windows and alert windows).
    let countWindows: [String: [String: [Interval]]]
    /// Per org and recorded SLO id: the evaluated windows of the definitions that compare its violations.
    let recordedWindows: [String: [String: [Interval]]]
    /// Per definition: from when an incident-time SLO reads bad time (nil for request ratios).
    let badTimeSince: [Timestamp?]

    init(
      definitions: [SLODefinition], at: Timestamp, calendarUnitHolding: Timestamp?, explain: Bool, orgs: [String],
      countedSets: [String: [String: [CountedTime]]], countWindows: [String: [String: [Interval]]],
      recordedWindows: [String: [String: [Interval]]], badTimeSince: [Timestamp?]
    ) {
      self.definitions = definitions
      self.at = at
      self.calendarUnitHolding = calendarUnitHolding
      self.explain = explain
      self.orgs = orgs
      self.countedSets = countedSets
      self.countWindows = countWindows
      self.recordedWindows = recordedWindows
      self.badTimeSince = badTimeSince
    }
  }

  /// One counted-severity set of a service, and the time its SLOs read bad time in.
  private struct CountedTime: Sendable {
    let severities: Set<Severity>
    /// The earliest instant any of those SLOs reads (up to `at`).
    var since: Timestamp
  }

  private let plan: Plan
  public var definitions: [SLODefinition] { plan.definitions }
  public var at: Timestamp { plan.at }
  public var explain: Bool { plan.explain }
  private var orgs: [String] { plan.orgs }
  private var countedSets: [String: [String: [CountedTime]]] { plan.countedSets }
  private var countWindows: [String: [String: [Interval]]] { plan.countWindows }
  private var recordedWindows: [String: [String: [Interval]]] { plan.recordedWindows }

  /// Resolves each definition's org (`defaultOrgId` for those naming none) and the windows it reads.
  ///
  /// A calendar SLO is scored on the unit that holds `calendarUnitHolding` (by default `at`
  /// itself): a report of a period passes the period's last instant, `end − 1 ms`, so that a
  /// week evaluated at its end is scored on that week and not on the next, empty one.
  /// Throws for the first definition, in order, that has no org.
  public init(
    _ definitions: [SLODefinition], at: Timestamp, calendarUnitHolding: Timestamp? = nil, defaultOrgId: String? = nil,
    explain: Bool = false
  ) throws(SLOEvaluationError) {
    var orgs: [String] = []
    var countedSets: [String: [String: [CountedTime]]] = [:]
    var countWindows: [String: [String: [Interval]]] = [:]
    var recordedWindows: [String: [String: [Interval]]] = [:]
    var badTimeSince: [Timestamp?] = []
    for definition in definitions {
      guard let org = definition.orgId ?? defaultOrgId else { throw .noOrg(slo: definition.name, origin: definition.origin) }
      orgs.append(org)
      let window = SLOWindows.window(definition.window, at: at, unitHolding: calendarUnitHolding)
      for id in definition.recordedIds {
        recordedWindows[org, default: [:]][id, default: []].append(Interval(start: window.start, end: min(window.end, at)))
      }
      switch definition.indicator {
      case .incidentTime(let counted):
        let since = Self.badTimeRead(by: definition, window: window, at: at)
        badTimeSince.append(since)
        var sets = countedSets[org]?[definition.service] ?? []
        if let index = sets.firstIndex(where: { $0.severities == counted }) {
          sets[index].since = min(sets[index].since, since)
        } else {
          sets.append(CountedTime(severities: counted, since: since))
        }
        countedSets[org, default: [:]][definition.service] = sets
      case .requestRatio:
        badTimeSince.append(nil)
        var read = [Interval(start: window.start, end: min(window.end, at))]
        for policy in definition.alertPolicies {
          read.append(Interval(start: at.adding(milliseconds: -policy.readsBackMs), end: at))
        }
        countWindows[org, default: [:]][definition.service, default: []] += read
      }
    }
    plan = Plan(
      definitions: definitions, at: at, calendarUnitHolding: calendarUnitHolding, explain: explain, orgs: orgs, countedSets: countedSets,
      countWindows: countWindows.mapValues { $0.mapValues { $0.unioned() } },
      recordedWindows: recordedWindows.mapValues { $0.mapValues { $0.unioned() } }, badTimeSince: badTimeSince)
  }

  /// The earliest instant an incident-time SLO reads bad time at: its window, its alert windows, and one window length
  /// before its window, so that a violation recorded early in the window is recomputed over a window of its own.
  ///
  /// With time slices the instant falls on a slice boundary, so clipping there leaves every slice it reads whole.
  /// A recorded window that starts earlier still is not recomputed (its comparison says so).
  private static func badTimeRead(by definition: SLODefinition, window: Interval, at: Timestamp) -> Timestamp {
    var lookBack = window.milliseconds
    if definition.budgeting == .timeslices, let slice = definition.timeSliceWindowMs, slice > 0 {
      lookBack = (lookBack + slice - 1) / slice * slice
    }
    var since = window.start.adding(milliseconds: -lookBack)
    for policy in definition.alertPolicies { since = min(since, at.adding(milliseconds: -policy.readsBackMs)) }
    return since
  }

  /// A fold of no definitions.
  public static func empty(at: Timestamp) -> SLOFold {
    SLOFold(
      plan: Plan(
        definitions: [], at: at, calendarUnitHolding: nil, explain: false, orgs: [], countedSets: [:], countWindows: [:],
        recordedWindows: [:], badTimeSince: []))
  }

  private init(plan: Plan) { self.plan = plan }

  /// What the fold has kept, by org and service.
  ///
  /// Its coded form (a partial-result file's payload) lists every map by key and every list by
  /// the total order ``SLOFold/finish(_:minimumRemaining:)`` sorts it in, so the same incidents
  /// give the same bytes however they were split.
  public struct Partial: Sendable {
    fileprivate var counted: [ServiceKey: [CountedIncident]] = [:]
    fileprivate var samples: [ServiceKey: [(incidentId: String, sample: RequestSample)]] = [:]
    fileprivate var violations: [ServiceKey: [(incidentId: String, violation: SLOViolation)]] = [:]
    /// Every org, and every (org, service) an incident or a signal names.
    ///
    /// An SLO naming neither is caught by ``SLOFold/unmatched(_:declared:)``. As many entries as the input has services.
    fileprivate var seenOrgs: Set<String> = []
    fileprivate var seenServices: Set<ServiceKey> = []
  }

  /// An org and a service, or (for violations) an org and an SLO id; for counted time, also the severities.
  fileprivate struct ServiceKey: Hashable, Sendable {
    var orgId: String
    var name: String
    var severities: Set<Severity> = []
  }

  public func makePartial() -> Partial { Partial() }

  public func add(_ incident: IncidentSnapshot, to partial: inout Partial) {
    let org = incident.orgId
    partial.seenOrgs.insert(org)
    if let service = incident.serviceName { partial.seenServices.insert(ServiceKey(orgId: org, name: service)) }
    for sample in incident.requestSamples {
      if let service = sample.serviceName { partial.seenServices.insert(ServiceKey(orgId: org, name: service)) }
    }
    if let service = incident.serviceName, let sets = countedSets[org]?[service] {
      for set in sets {
        let severities = set.severities
        let intervals = incident.badIntervals(countedSeverities: severities, until: at).clipped(
          to: Interval(start: set.since, end: at))
        guard !intervals.isEmpty else { continue }
        var counted = CountedIncident(incidentId: incident.incidentId, title: incident.title, intervals: intervals)
        if explain {
          counted.statusSpans = incident.statusHistory
          counted.severitySpans = incident.severityHistory
        }
        partial.counted[ServiceKey(orgId: org, name: service, severities: severities), default: []].append(counted)
      }
    }
    if let services = countWindows[org] {
      for sample in incident.requestSamples {
        guard let service = sample.serviceName, let windows = services[service],
          windows.contains(where: { $0.start <= sample.instant && sample.instant < $0.end })
        else { continue }
        var kept = sample
        // Only the explanation shows a signal's id.
        if !explain { kept.eventId = "" }
        partial.samples[ServiceKey(orgId: org, name: service), default: []].append((incident.incidentId, kept))
      }
    }
    if let ids = recordedWindows[org] {
      for violation in incident.sloViolations {
        guard let windows = ids[violation.payload.sloId], windows.contains(where: { $0.start <= violation.ts && violation.ts < $0.end })
        else { continue }
        partial.violations[ServiceKey(orgId: org, name: violation.payload.sloId), default: []].append((incident.incidentId, violation))
      }
    }
  }

  public func merge(_ other: Partial, into partial: inout Partial) {
    partial.counted.merge(other.counted, uniquingKeysWith: +)
    partial.samples.merge(other.samples, uniquingKeysWith: +)
    partial.violations.merge(other.violations, uniquingKeysWith: +)
    partial.seenOrgs.formUnion(other.seenOrgs)
    partial.seenServices.formUnion(other.seenServices)
  }

  /// The definitions whose org, or whose service in their org, the input never names and no
  /// `kind: Service` document declares: a typo there would otherwise pass as a perfect score.
  public func unmatched(_ partial: Partial, declared: [DeclaredService]) -> [UnmatchedSLO] {
    definitions.indices.compactMap { index -> UnmatchedSLO? in
      let definition = definitions[index]
      let org = orgs[index]
      guard partial.seenOrgs.contains(org) else {
        return UnmatchedSLO(
          definition: definition, orgId: org, missing: .org, closest: NearMatches.find(org, among: partial.seenOrgs),
          known: partial.seenOrgs.sorted())
      }
      let key = ServiceKey(orgId: org, name: definition.service)
      guard !partial.seenServices.contains(key),
        !declared.contains(where: { $0.name == definition.service && ($0.orgId == nil || $0.orgId == org) })
      else { return nil }
      let services = Set(partial.seenServices.filter { $0.orgId == org }.map(\.name))
        .union(declared.filter { $0.orgId == nil || $0.orgId == org }.map(\.name))
      return UnmatchedSLO(
        definition: definition, orgId: org, missing: .service, closest: NearMatches.find(definition.service, among: services),
        known: services.sorted())
    }
  }

  /// Every definition's result, in the order of ``definitions``.
  ///
  /// An SLO breaches when its remaining budget is below `minimumRemaining`.
  public func finish(_ partial: Partial, minimumRemaining: Double = 0) -> [SLOResult] {
    definitions.indices.map { index in
      let definition = definitions[index]
      let org = orgs[index]
      var incidents = ServiceIncidents()
      switch definition.indicator {
      case .incidentTime(let counted):
        incidents.counted = (partial.counted[ServiceKey(orgId: org, name: definition.service, severities: counted)] ?? [])
          .sorted { $0.incidentId < $1.incidentId }
        incidents.kept = plan.badTimeSince[index].map { [Interval(start: $0, end: at)] }
      case .requestRatio:
        incidents.samples = RequestSamples(samples: partial.samples[ServiceKey(orgId: org, name: definition.service)] ?? [])
        incidents.kept = countWindows[org]?[definition.service]
      }
      incidents.violations = Set(definition.recordedIds).flatMap { partial.violations[ServiceKey(orgId: org, name: $0)] ?? [] }
      return SLOEngine.evaluate(
        definition, orgId: org, incidents: incidents, at: at, calendarUnitHolding: plan.calendarUnitHolding,
        minimumRemaining: minimumRemaining, explain: explain)
    }
  }
}

extension SLOFold.Partial: Codable {
  private enum CodingKeys: String, CodingKey { case counted, samples, violations, orgs, services }

  /// The entries of one map key: an org, a service (or SLO id), for counted time its severities.
  private struct Entry<Item: Codable>: Codable {
    var org: String
    var name: String
    var severities: [Severity]?
    var items: [Item]

    var key: SLOFold.ServiceKey { SLOFold.ServiceKey(orgId: org, name: name, severities: Set(severities ?? [])) }
  }

  /// A value and the incident it came from.
  private struct Owned<Value: Codable>: Codable {
    var incidentId: String
    var value: Value
  }

  private static func entries<Value, Item: Codable>(
    _ map: [SLOFold.ServiceKey: [Value]], severities: Bool = false, item: (Value) -> Item, by order: (Value, Value) -> Bool
  ) -> [Entry<Item>] {
    map.map { key, values in
      Entry(
        org: key.orgId, name: key.name, severities: severities ? key.severities.sorted() : nil,
        items: values.sorted(by: order).map(item))
    }
    .sorted {
      ($0.org, $0.name) != ($1.org, $1.name)
        ? ($0.org, $0.name) < ($1.org, $1.name) : ($0.severities ?? []).lexicographicallyPrecedes($1.severities ?? [])
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var keyed = encoder.container(keyedBy: CodingKeys.self)
    try keyed.encode(
      Self.entries(counted, severities: true, item: { $0 }, by: { $0.incidentId < $1.incidentId }), forKey: .counted)
    try keyed.encode(
      Self.entries(
        samples, item: { Owned(incidentId: $0.incidentId, value: $0.sample) },
        by: { ($0.sample.instant, $0.sample.eventId, $0.incidentId) < ($1.sample.instant, $1.sample.eventId, $1.incidentId) }),
      forKey: .samples)
    try keyed.encode(
      Self.entries(
        violations, item: { Owned(incidentId: $0.incidentId, value: $0.violation) },
        by: { ($0.incidentId, $0.violation.ts, $0.violation.eventId) < ($1.incidentId, $1.violation.ts, $1.violation.eventId) }),
      forKey: .violations)
    try keyed.encode(seenOrgs.sorted(), forKey: .orgs)
    try keyed.encode(seenServices.map { [$0.orgId, $0.name] }.sorted { $0.lexicographicallyPrecedes($1) }, forKey: .services)
  }

  public init(from decoder: any Decoder) throws {
    let keyed = try decoder.container(keyedBy: CodingKeys.self)
    self.init()
    for entry in try keyed.decode([Entry<CountedIncident>].self, forKey: .counted) { counted[entry.key, default: []] += entry.items }
    for entry in try keyed.decode([Entry<Owned<RequestSample>>].self, forKey: .samples) {
      samples[entry.key, default: []] += entry.items.map { ($0.incidentId, $0.value) }
    }
    for entry in try keyed.decode([Entry<Owned<SLOViolation>>].self, forKey: .violations) {
      violations[entry.key, default: []] += entry.items.map { ($0.incidentId, $0.value) }
    }
    seenOrgs = Set(try keyed.decode([String].self, forKey: .orgs))
    for pair in try keyed.decode([[String]].self, forKey: .services) {
      guard pair.count == 2 else {
        throw DecodingError.dataCorruptedError(forKey: .services, in: keyed, debugDescription: "a service is an [org, name] pair")
      }
      seenServices.insert(SLOFold.ServiceKey(orgId: pair[0], name: pair[1]))
    }
  }
}

/// An SLO whose org or service the input never names: most likely a typo, which would score 100%.
public struct UnmatchedSLO: Sendable, CustomStringConvertible {
  public enum Missing: Sendable { case org, service }

  public var definition: SLODefinition
  public var orgId: String
  public var missing: Missing
  /// Names that do exist and are spelled close to the missing one, closest first.
  public var closest: [String]
  /// Every name of that kind the input has (the org's services, or the orgs).
  public var known: [String]

  public init(definition: SLODefinition, orgId: String, missing: Missing, closest: [String], known: [String]) {
    self.definition = definition
    self.orgId = orgId
    self.missing = missing
    self.closest = closest
    self.known = known
  }

  public var description: String {
    let what =
      switch missing {
      case .org: "org \"\(orgId)\" appears nowhere in the input"
      case .service:
        "service \"\(definition.service)\" of org \(orgId) appears nowhere in the input (no incident or signal names it) "
          + "and no kind: Service document declares it"
      }
    let hint: String
    if !closest.isEmpty {
      hint = "; did you mean \(closest.joined(separator: ", "))?"
    } else if !known.isEmpty {
      let shown = known.prefix(5).joined(separator: ", ") + (known.count > 5 ? ", …" : "")
      hint = "; the input has \(missing == .org ? "orgs" : "services") \(shown)"
    } else {
      hint = ""
    }
    return "\(missing == .org ? definition.orgLocation : definition.serviceLocation): SLO \(definition.name): \(what)\(hint)"
  }
}

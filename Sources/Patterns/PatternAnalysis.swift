public import IncidentModel

/// A group: incidents of one org and service sharing a correlation key (or a title fingerprint).
public struct PatternGroupID: Sendable, Hashable, Comparable, Codable {
  public var orgId: String
  public var serviceName: String
  public var key: GroupKey

  public init(orgId: String, serviceName: String, key: GroupKey) {
    self.orgId = orgId
    self.serviceName = serviceName
    self.key = key
  }

  public static func < (lhs: PatternGroupID, rhs: PatternGroupID) -> Bool {
    (lhs.orgId, lhs.serviceName) != (rhs.orgId, rhs.serviceName)
      ? (lhs.orgId, lhs.serviceName) < (rhs.orgId, rhs.serviceName) : lhs.key < rhs.key
  }
}

/// Median and 90th percentile of durations, over the incidents that have the duration.
public struct DurationSummary: Sendable, Hashable {
  /// How many incidents the figures are over.
  public var count: Int
  /// The middle value; the mean of the two middle values for an even count (whole milliseconds, rounded down).
  public var medianMs: Int64?
  /// The nearest-rank 90th percentile: the smallest value with at least 90% of values at or below it.
  public var p90Ms: Int64?

  public init(_ values: [Int64]) {
    let sorted = values.sorted()
    count = sorted.count
    guard !sorted.isEmpty else { return }
    let middle = sorted.count / 2
    medianMs = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    let rank = (sorted.count * 9 + 9) / 10  // ceil(0.9 × n)
    p90Ms = sorted[rank - 1]
  }
}

/// How a group's count compares with the preceding period of equal length.
public enum Trend: String, Sendable, Hashable {
  /// No incident of the group in the preceding period.
  case new
  /// At least a quarter more incidents than before.
  case rising
  /// Within a quarter of the count before.
  case steady
  /// At least a quarter fewer incidents than before.
  case falling

  public init(current: Int, previous: Int) {
    let change = current - previous
    if previous == 0 {
      self = .new
    } else if 4 * abs(change) < previous || change == 0 {
      self = .steady
    } else {
      self = change > 0 ? .rising : .falling
    }
  }
}

/// One recurring group with its figures over the period.
public struct PatternGroup: Sendable, Hashable {
  public var id: PatternGroupID
  /// The incidents of the period, by creation time.
  public var incidentIds: [String]
  public var firstSeen: Timestamp
  public var lastSeen: Timestamp
  /// Gaps between consecutive creations: the median and the shortest (nil with one incident).
  public var medianGapMs: Int64?
  public var shortestGapMs: Int64?
  public var timeToAcknowledge: DurationSummary
  public var timeToMitigate: DurationSummary
  public var timeToResolve: DurationSummary
  /// Bad time of the group's incidents (every severity), unioned and clipped to the period and to `at`.
  public var impactMs: Int64
  /// The unioned bad intervals behind ``impactMs``.
  public var impactIntervals: [Interval]
  /// Incidents by the most severe severity they reached, most severe first.
  public var severityMix: [(severity: Severity, count: Int)]
  /// Not RESOLVED or CANCELLED at their last event.
  public var open: Int
  public var closed: Int
  public var previousCount: Int
  public var trend: Trend

  public var count: Int { incidentIds.count }

  public static func == (lhs: PatternGroup, rhs: PatternGroup) -> Bool {
    lhs.id == rhs.id && lhs.incidentIds == rhs.incidentIds && lhs.impactMs == rhs.impactMs && lhs.previousCount == rhs.previousCount
      && lhs.severityMix.map(\.severity) == rhs.severityMix.map(\.severity) && lhs.severityMix.map(\.count) == rhs.severityMix.map(\.count)
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(id)
    hasher.combine(incidentIds)
  }
}

/// The recurring patterns of a period.
public struct PatternReport: Sendable {
  public var period: Interval
  /// The period of equal length just before, for the trend.
  public var previousPeriod: Interval
  public var at: Timestamp
  public var minimumCount: Int
  /// Groups with at least `minimumCount` incidents in the period, by impact, then count, then name.
  public var groups: [PatternGroup]
  /// Incidents created in the period.
  public var incidentsInPeriod: Int
  /// Groups with at least one incident in the period.
  public var groupsWithIncidents: Int
  /// Incidents in at least one listed group.
  public var incidentsInRecurringGroups: Int
  /// Incidents in more than one listed group (each is listed in all of them).
  public var sharedIncidents: Int
}

/// Groups replayed incidents into recurring patterns: pure, no I/O, no clock.
public enum PatternAnalysis {
  /// Analyses the incidents created in `period` (by creation time), against the
  /// preceding period of the same length; bad time counts until `at`.
  public static func analyse(_ incidents: [IncidentSnapshot], period: Interval, at: Timestamp, minimumCount: Int = 2) -> PatternReport {
    let fold = PatternFold(period: period, at: at, minimumCount: minimumCount)
    var partial = fold.makePartial()
    for incident in incidents { fold.add(incident, to: &partial) }
    return fold.finish(partial)
  }
}

/// What a group keeps of one incident of the period: the few figures it contributes.
struct PatternMember: Sendable, Codable {
  var incidentId: String
  var createdAt: Timestamp
  var timeToAcknowledge: Int64?
  var timeToMitigate: Int64?
  var timeToResolve: Int64?
  /// Its bad time (every severity), clipped to the period and to `at`.
  var impact: [Interval]
  var peakSeverity: Severity?
  var closed: Bool
}

/// Recurring patterns as a fold: each incident of the period joins its groups as a ``PatternMember``;
/// an incident of the preceding period only counts.
///
/// Partials merge by concatenating member lists and adding counts; ``finish(_:)``
/// orders members by `(createdAt, incidentId)` and figures each group, so medians
/// and percentiles are exact and the report does not depend on how the incidents were split.
public struct PatternFold: IncidentFold {
  public let period: Interval
  public let previousPeriod: Interval
  public let at: Timestamp
  public let minimumCount: Int

  public init(period: Interval, at: Timestamp, minimumCount: Int = 2) {
    self.period = period
    let length = period.milliseconds
    previousPeriod = Interval(start: period.start.adding(milliseconds: -length), end: period.start)
    self.at = at
    self.minimumCount = minimumCount
  }

  ///
  /// Coded (a partial-result file's payload) with groups by id and members by `(createdAt, incidentId)`,
  /// so the same incidents give the same bytes however they were split.
  public struct Partial: Sendable {
    fileprivate var current: [PatternGroupID: [PatternMember]] = [:]
    fileprivate var before: [PatternGroupID: Int] = [:]
    fileprivate var inPeriod = 0
  }

  public func makePartial() -> Partial { Partial() }

  public func add(_ incident: IncidentSnapshot, to partial: inout Partial) {
    let created = incident.lifecycle.createdAt
    let isCurrent = period.start <= created && created < period.end
    let isPrevious = previousPeriod.start <= created && created < previousPeriod.end
    guard isCurrent || isPrevious else { return }
    let keys = GroupKey.keys(of: incident)
    let ids = keys.map { PatternGroupID(orgId: incident.orgId, serviceName: incident.serviceName ?? "", key: $0) }
    guard isCurrent else {
      for id in ids { partial.before[id, default: 0] += 1 }
      return
    }
    partial.inPeriod += 1
    let window = Interval(start: period.start, end: min(period.end, at))
    let lifecycle = incident.lifecycle
    let member = PatternMember(
      incidentId: incident.incidentId, createdAt: created, timeToAcknowledge: lifecycle.timeToAcknowledge,
      timeToMitigate: lifecycle.timeToMitigate, timeToResolve: lifecycle.timeToResolve,
      impact: incident.badIntervals(until: at).clipped(to: window), peakSeverity: incident.peakSeverity,
      closed: incident.status == .resolved || incident.status == .cancelled)
    for id in ids { partial.current[id, default: []].append(member) }
  }

  public func merge(_ other: Partial, into partial: inout Partial) {
    partial.current.merge(other.current, uniquingKeysWith: +)
    partial.before.merge(other.before, uniquingKeysWith: +)
    partial.inPeriod += other.inPeriod
  }

  /// The report: groups with at least ``minimumCount`` incidents, by impact, then count, then name.
  public func finish(_ partial: Partial) -> PatternReport {
    var groups = partial.current.filter { $0.value.count >= minimumCount }.map { id, members in
      group(id, members, previousCount: partial.before[id] ?? 0)
    }
    groups.sort {
      ($0.impactMs, $0.count) != ($1.impactMs, $1.count) ? ($0.impactMs, $0.count) > ($1.impactMs, $1.count) : $0.id < $1.id
    }
    var memberships: [String: Int] = [:]
    for group in groups {
      for incident in group.incidentIds { memberships[incident, default: 0] += 1 }
    }
    return PatternReport(
      period: period, previousPeriod: previousPeriod, at: at, minimumCount: minimumCount, groups: groups,
      incidentsInPeriod: partial.inPeriod, groupsWithIncidents: partial.current.count,
      incidentsInRecurringGroups: memberships.count, sharedIncidents: memberships.values.filter { $0 > 1 }.count)
  }

  private func group(_ id: PatternGroupID, _ members: [PatternMember], previousCount: Int) -> PatternGroup {
    let ordered = members.sorted { ($0.createdAt, $0.incidentId) < ($1.createdAt, $1.incidentId) }
    let created = ordered.map { $0.createdAt.millisecondsSinceEpoch }
    let gaps = zip(created.dropFirst(), created).map { $0 - $1 }
    let impact = ordered.flatMap(\.impact).unioned()
    var mix: [Severity: Int] = [:]
    for member in ordered {
      if let peak = member.peakSeverity { mix[peak, default: 0] += 1 }
    }
    let closed = ordered.filter(\.closed).count
    return PatternGroup(
      id: id, incidentIds: ordered.map(\.incidentId), firstSeen: ordered[0].createdAt, lastSeen: ordered[ordered.count - 1].createdAt,
      medianGapMs: DurationSummary(gaps).medianMs, shortestGapMs: gaps.min(),
      timeToAcknowledge: DurationSummary(ordered.compactMap(\.timeToAcknowledge)),
      timeToMitigate: DurationSummary(ordered.compactMap(\.timeToMitigate)),
      timeToResolve: DurationSummary(ordered.compactMap(\.timeToResolve)), impactMs: impact.totalMilliseconds,
      impactIntervals: impact, severityMix: Severity.allCases.compactMap { severity in mix[severity].map { (severity, $0) } },
      open: ordered.count - closed, closed: closed, previousCount: previousCount,
      trend: Trend(current: ordered.count, previous: previousCount))
  }
}

extension PatternFold.Partial: Codable {
  private enum CodingKeys: String, CodingKey { case current, before, inPeriod }

  private struct Members: Codable {
    var id: PatternGroupID
    var members: [PatternMember]
  }

  private struct Count: Codable {
    var id: PatternGroupID
    var count: Int
  }

  public func encode(to encoder: any Encoder) throws {
    var keyed = encoder.container(keyedBy: CodingKeys.self)
    let current = current.map { id, members in
      Members(id: id, members: members.sorted { ($0.createdAt, $0.incidentId) < ($1.createdAt, $1.incidentId) })
    }
    try keyed.encode(current.sorted { $0.id < $1.id }, forKey: .current)
    try keyed.encode(before.map { Count(id: $0.key, count: $0.value) }.sorted { $0.id < $1.id }, forKey: .before)
    try keyed.encode(inPeriod, forKey: .inPeriod)
  }

  public init(from decoder: any Decoder) throws {
    let keyed = try decoder.container(keyedBy: CodingKeys.self)
    self.init()
    for entry in try keyed.decode([Members].self, forKey: .current) { current[entry.id, default: []] += entry.members }
    for entry in try keyed.decode([Count].self, forKey: .before) { before[entry.id, default: 0] += entry.count }
    inPeriod = try keyed.decode(Int.self, forKey: .inPeriod)
  }
}

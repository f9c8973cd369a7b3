/// How much of each event a history keeps.
public enum EventDetail: Sendable, Hashable {
  /// Keep every event whole too, for the timeline, notes and signals (`incidents show`, drafts).
  case full
  /// Keep only what figures are computed from: transitions, keys, counts. Memory then
  /// follows the structure of the incidents, not the size of the export.
  case analytics
}

/// What replay reads of one event: its change to the incident, whatever form the event was kept in.
///
/// The rare, rich kinds carry their payload (boxed, so the value stays small); the
/// frequent kinds are a ``CompactChange``, which a decoder can also read straight from a line.
public enum ReplayChange: Sendable {
  indirect case created(IncidentCreated)
  indirect case updated(IncidentUpdated)
  case compact(CompactChange)
  indirect case sloViolation(SLOViolationRecorded)
  indirect case ticket(LinkedToTicket)
  case unknown(type: String)

  /// The change `event` makes.
  public init(_ event: IncidentEvent) {
    if let compact = CompactChange(event) {
      self = .compact(compact)
      return
    }
    switch event.payload {
    case .created(let p): self = .created(p)
    case .updated(let p): self = .updated(p)
    case .sloViolationRecorded(let p): self = .sloViolation(p)
    case .linkedToTicket(let p): self = .ticket(p)
    case .unknown(let type, _): self = .unknown(type: type)
    case .statusChanged, .resolved, .severityChanged, .tagAdded, .tagRemoved, .signalIngested, .noteAdded,
      .playbookActionExecuted:
      preconditionFailure("every kind with a compact form has one")
    }
  }

  /// Whether figures cite the event, so that its id is worth keeping: every rich kind of a known type,
  /// and the compact kinds that say so (``CompactChange/citesEvent``).
  public var citesEvent: Bool {
    switch self {
    case .created, .updated, .sloViolation, .ticket: true
    case .compact(let change): change.citesEvent
    case .unknown: false
    }
  }
}

/// The changes a compact decoder reads without building an event: the frequent, small kinds.
public enum CompactChange: Sendable {
  case status(IncidentStatus, from: IncidentStatus?)
  case resolved
  case severity(Severity, from: Severity?)
  case tagAdded(String)
  case tagRemoved(String)
  /// A signal's service, environment and key, and its request counts (`RequestCounts` resolved to their instant).
  case signal(serviceName: String?, environment: String?, correlationKey: String?, counts: RequestCountsAt?)
  case note(byPerson: Bool, followUp: Bool)
  case action(byPerson: Bool, followUp: Bool)

  /// Whether figures cite the event (so its id is worth keeping): transitions, resolutions, request counts.
  public var citesEvent: Bool {
    switch self {
    case .status, .severity, .resolved: true
    case .signal(_, _, _, let counts): counts != nil
    case .tagAdded, .tagRemoved, .note, .action: false
    }
  }

  /// The event type this change is read from.
  public var type: EventType {
    switch self {
    case .status: .statusChanged
    case .resolved: .resolved
    case .severity: .severityChanged
    case .tagAdded: .tagAdded
    case .tagRemoved: .tagRemoved
    case .signal: .signalIngested
    case .note: .noteAdded
    case .action: .playbookActionExecuted
    }
  }

  /// What replay needs of `event`, for the frequent kinds that have a compact form; nil for the others
  /// (creations, updates, SLO records, tickets, unknown types).
  ///
  /// The one definition of these kinds' replay rules: a compact decoder reading a line must
  /// give the same change (a test holds them together).
  public init?(_ event: IncidentEvent) {
    switch event.payload {
    case .statusChanged(let p): self = .status(p.newStatus, from: p.fromStatus)
    case .resolved: self = .resolved
    case .severityChanged(let p): self = .severity(p.newSeverity, from: p.fromSeverity)
    case .tagAdded(let p): self = .tagAdded(p.tag)
    case .tagRemoved(let p): self = .tagRemoved(p.tag)
    case .signalIngested(let p):
      let counts = p.requestCounts.map {
        RequestCountsAt(instant: $0.windowEnd ?? p.observedAt ?? event.ts, good: $0.good, total: $0.total)
      }
      self = .signal(serviceName: p.serviceName, environment: p.environment, correlationKey: p.correlationKey, counts: counts)
    case .noteAdded(let p):
      // A note without an actor type is taken as a person's: notes are how responders speak.
      self = .note(byPerson: p.actorType == nil || p.actorType == .user, followUp: FollowUp.reads(p.text))
    case .playbookActionExecuted(let p):
      self = .action(byPerson: p.actorType == .user, followUp: FollowUp.reads(p.label))
    case .created, .updated, .sloViolationRecorded, .linkedToTicket, .unknown:
      return nil
    }
  }
}

/// Request counts at the instant they describe.
public struct RequestCountsAt: Sendable, Hashable {
  public var instant: Timestamp
  public var good: Int64
  public var total: Int64

  public init(instant: Timestamp, good: Int64, total: Int64) {
    self.instant = instant
    self.good = good
    self.total = total
  }
}

/// A replayed incident and what dedupe found in its events.
public struct ReplayOutcome: Sendable {
  public var snapshot: IncidentSnapshot
  /// Repeats of an event with the same content, dropped.
  public var exactDuplicates: Int
  /// Repeats of an event id with different content: the later one (by origin) was dropped.
  public var conflicts: [DuplicateConflict]
  /// Kept events per `type` as written.
  public var eventsByType: EventTypeCounts

  public init(snapshot: IncidentSnapshot, exactDuplicates: Int, conflicts: [DuplicateConflict], eventsByType: EventTypeCounts) {
    self.snapshot = snapshot
    self.exactDuplicates = exactDuplicates
    self.conflicts = conflicts
    self.eventsByType = eventsByType
  }
}

/// Events counted per `type`: the known types by position, others by name.
///
/// Replay counts every event of every incident; hashing a type name for each would
/// cost more than the rest of the count.
public struct EventTypeCounts: Sendable, Equatable {
  private var known = [Int](repeating: 0, count: EventType.allCases.count)
  private var unknown: [String: Int] = [:]

  public init() {}

  /// Counts one event of a known type.
  public mutating func count(_ type: EventType) { known[type.position] += 1 }

  /// Counts one event of a type this toolkit does not know.
  public mutating func countUnknown(_ name: String) { unknown[name, default: 0] += 1 }

  /// Counts one event by the change it makes.
  public mutating func count(_ change: ReplayChange) {
    switch change {
    case .created: count(.incidentCreated)
    case .updated: count(.incidentUpdated)
    case .compact(let compact): count(compact.type)
    case .sloViolation: count(.sloViolationRecorded)
    case .ticket: count(.linkedToTicket)
    case .unknown(let type): countUnknown(type)
    }
  }

  /// Adds `other`'s counts to these.
  public mutating func add(_ other: EventTypeCounts) {
    for index in known.indices { known[index] += other.known[index] }
    for (name, count) in other.unknown { unknown[name, default: 0] += count }
  }

  /// The counts by `type` as written, types never seen left out.
  public var byName: [String: Int] {
    var names = unknown
    for (index, type) in EventType.allCases.enumerated() where known[index] > 0 { names[type.rawValue] = known[index] }
    return names
  }
}

extension EventType {
  /// The type's place in `allCases`.
  fileprivate var position: Int {
    switch self {
    case .incidentCreated: 0
    case .incidentUpdated: 1
    case .statusChanged: 2
    case .severityChanged: 3
    case .tagAdded: 4
    case .tagRemoved: 5
    case .signalIngested: 6
    case .noteAdded: 7
    case .playbookActionExecuted: 8
    case .sloViolationRecorded: 9
    case .linkedToTicket: 10
    case .resolved: 11
    }
  }
}

/// Two events with the same id and different content.
public struct DuplicateConflict: Sendable, Hashable {
  /// The event kept: the first read.
  public var kept: EventOrigin
  /// The event dropped.
  public var dropped: EventOrigin
  /// The shared id, when the events are of a kind whose id is kept (``ReplayChange/citesEvent``); else empty.
  public var eventId: String
  /// Whether the kept event belongs to another incident (an id reused across incidents).
  public var acrossIncidents: Bool

  public init(kept: EventOrigin, dropped: EventOrigin, eventId: String = "", acrossIncidents: Bool = false) {
    self.kept = kept
    self.dropped = dropped
    self.eventId = eventId
    self.acrossIncidents = acrossIncidents
  }
}

// MARK: - Dedupe

/// What dedupe compares of an event, in whatever form a loader keeps it.
public protocol DedupeIdentity {
  /// A hash of the event id's bytes (``ContentHash/of(_:)``): events with the same id have the same hash.
  var idHash: Int { get }
  /// A hash of the event's whole content, computed the same way for every event of a source.
  var digest: Int { get }
  var ts: Timestamp { get }
  var origin: EventOrigin { get }
}

/// The `events.md` rule: the same id with the same content counts once; the same id
/// with other content is a conflict, and the first one read (lowest origin) is kept.
public enum Deduplication {
  /// The duplicates left out.
  public struct Found: Sendable {
    public var exact = 0
    public var conflicts: [DuplicateConflict] = []
    public var dropped: [EventOrigin] = []

    @inlinable public init() {}
  }

  /// The events to replay, in `(ts, origin)` order, and the duplicates left out.
  ///
  /// `eventId` gives the id a conflict names ("" where it was not kept). Inlinable so that a
  /// loader's sorts compare its own records directly.
  @inlinable
  public static func run<Event: DedupeIdentity>(_ events: [Event], eventId: (Event) -> String) -> ([Event], Found) {
    var found = Found()
    let byId = events.indices.sorted { (events[$0].idHash, events[$0].origin) < (events[$1].idHash, events[$1].origin) }
    var keep = [Bool](repeating: true, count: events.count)
    var first = 0
    for position in 1..<max(1, byId.count) {
      let current = events[byId[position]]
      let leader = events[byId[first]]
      guard current.idHash == leader.idHash else {
        first = position
        continue
      }
      keep[byId[position]] = false
      found.dropped.append(current.origin)
      if current.digest == leader.digest {
        found.exact += 1
      } else {
        let leaderId = eventId(leader)
        let sharedId = leaderId.isEmpty ? eventId(current) : leaderId
        found.conflicts.append(DuplicateConflict(kept: leader.origin, dropped: current.origin, eventId: sharedId))
      }
    }
    var kept = events.indices.filter { keep[$0] }.map { events[$0] }
    kept.sort { ($0.ts, $0.origin) < ($1.ts, $1.origin) }
    found.conflicts.sort { $0.dropped < $1.dropped }
    return (kept, found)
  }
}

// MARK: - Replay of whole events

/// The replay rules applied to whole events: dedupe, order, project.
///
/// The reference form of replay, for a handful of events (tests, tools); a loader keeps
/// compact records instead and applies the same ``Deduplication`` and ``IncidentProjection``.
public enum IncidentReplay {
  private struct Keyed: DedupeIdentity {
    var entry: TimelineEntry
    var change: ReplayChange
    var idHash: Int
    var digest: Int
    var ts: Timestamp { entry.event.ts }
    var origin: EventOrigin { entry.origin }
  }

  /// The snapshot of one incident's events, given in any order, duplicates included.
  ///
  /// `digest` identifies an event's content (by default its hash); the timeline is kept with ``EventDetail/full``.
  public static func replay(
    _ entries: [TimelineEntry], orgId: String, incidentId: String, detail: EventDetail,
    digest: (TimelineEntry) -> Int = { $0.event.hashValue }
  ) -> ReplayOutcome {
    let keyed = entries.map { entry in
      var id = entry.event.id
      return Keyed(
        entry: entry, change: ReplayChange(entry.event), idHash: id.withUTF8 { ContentHash.of(UnsafeRawBufferPointer($0)) },
        digest: digest(entry))
    }
    func citedId(_ event: Keyed) -> String { event.change.citesEvent ? event.entry.event.id : "" }
    let (kept, found) = Deduplication.run(keyed, eventId: citedId)
    guard let first = kept.first, let last = kept.last else {
      preconditionFailure("an incident exists only because one of its events was read")
    }
    var projection = IncidentProjection(
      orgId: orgId, incidentId: incidentId, earliest: (first.ts, citedId(first)), lastEventAt: last.ts, eventCount: kept.count)
    var eventsByType = EventTypeCounts()
    for event in kept {
      projection.apply(event.change, at: event.ts, eventId: citedId(event))
      eventsByType.count(event.change)
    }
    var snapshot = projection.finish()
    if detail == .full { snapshot.details = IncidentDetails(timeline: kept.map(\.entry)) }
    return ReplayOutcome(snapshot: snapshot, exactDuplicates: found.exact, conflicts: found.conflicts, eventsByType: eventsByType)
  }
}

// MARK: - Projection

/// The deterministic fold of an incident's ordered, deduplicated changes into its snapshot.
public struct IncidentProjection: Sendable {
  private var snapshot: IncidentSnapshot
  private var created: (ts: Timestamp, startedAt: Timestamp?)?
  /// The incident's earliest event: its time, and its id when kept (a notice names it).
  private let earliest: (ts: Timestamp, eventId: String)

  /// A projection of `eventCount` events, the first at `earliest`, the last at `lastEventAt`.
  ///
  /// `expectedSamples` sizes the request samples once (they are most of a snapshot) rather than doubling them into twice their room.
  public init(
    orgId: String, incidentId: String, earliest: (ts: Timestamp, eventId: String), lastEventAt: Timestamp, eventCount: Int,
    expectedSamples: Int = 0
  ) {
    self.earliest = earliest
    snapshot = IncidentSnapshot(
      orgId: orgId, incidentId: incidentId, hasCreationEvent: false, status: .open, severity: nil,
      statusHistory: [], severityHistory: [],
      lifecycle: Lifecycle(
        createdAt: earliest.ts, impactStartedAt: earliest.ts, firstEventAt: earliest.ts, lastEventAt: lastEventAt),
      reopenCount: 0, correlationKeys: [], tags: [], signalCount: 0, noteCount: 0, actionCount: 0, followUpCount: 0,
      requestSamples: [],
      sloViolations: [], ticketLinks: [], eventCount: eventCount, unknownEventCount: 0, notices: [], details: nil)
    snapshot.requestSamples.reserveCapacity(expectedSamples)
  }

  /// Applies the next change, in `(ts, origin)` order; `eventId` is the event's id where figures cite it ("" else).
  public mutating func apply(_ change: ReplayChange, at ts: Timestamp, eventId: String) {
    switch change {
    case .compact(let compact): apply(compact, at: ts, eventId: eventId)
    case .created(let p):
      if created == nil {
        created = (ts, p.startedAt)
        snapshot.hasCreationEvent = true
        if snapshot.statusHistory.isEmpty { beginStatus(.open, at: ts, eventId: eventId) }
        if snapshot.severityHistory.isEmpty { beginSeverity(p.severity, at: ts, eventId: eventId) }
      } else {
        snapshot.notices.append(.repeatedCreation(eventId: eventId))
      }
      snapshot.projectId = p.projectId
      snapshot.title = p.title
      snapshot.serviceName = p.serviceName
      snapshot.environment = p.environment
      snapshot.detectedBy = p.detectedBy ?? snapshot.detectedBy
      snapshot.runbookPath = p.runbookPath ?? snapshot.runbookPath
      snapshot.primarySignalId = p.primarySignalId ?? snapshot.primarySignalId
      if let key = p.initialCorrelationKey {
        snapshot.correlationKeys.removeAll { $0 == key }
        snapshot.correlationKeys.insert(key, at: 0)
      }

    case .updated(let p):
      snapshot.title = p.title ?? snapshot.title
      snapshot.serviceName = p.serviceName ?? snapshot.serviceName
      snapshot.environment = p.environment ?? snapshot.environment
      snapshot.projectId = p.projectId ?? snapshot.projectId
      snapshot.runbookPath = p.runbookPath ?? snapshot.runbookPath
      snapshot.detectedBy = p.detectedBy ?? snapshot.detectedBy

    case .sloViolation(let p):
      snapshot.sloViolations.append(SLOViolation(eventId: eventId, ts: ts, payload: p))

    case .ticket(let p):
      snapshot.ticketLinks.append(TicketLink(eventId: eventId, ts: ts, payload: p))

    case .unknown:
      snapshot.unknownEventCount += 1
    }
  }

  /// Applies a change of one of the frequent kinds (see ``apply(_:at:eventId:)-(ReplayChange,_,_)``).
  public mutating func apply(_ change: CompactChange, at ts: Timestamp, eventId: String) {
    switch change {
    case .status(let new, let from):
      changeStatus(to: new, from: from, at: ts, eventId: eventId)

    case .resolved:
      changeStatus(to: .resolved, from: nil, at: ts, eventId: eventId)

    case .severity(let new, let from):
      if snapshot.severityHistory.isEmpty, let from, from != new {
        beginSeverity(from, at: earliest.ts, eventId: nil)
      }
      if snapshot.severityHistory.last?.value != new { beginSeverity(new, at: ts, eventId: eventId) }

    case .tagAdded(let tag):
      snapshot.tags.removeAll { $0 == tag }
      snapshot.tags.append(tag)

    case .tagRemoved(let tag):
      snapshot.tags.removeAll { $0 == tag }

    case .signal(let serviceName, let environment, let correlationKey, let counts):
      snapshot.signalCount += 1
      if let key = correlationKey, !snapshot.correlationKeys.contains(key) {
        snapshot.correlationKeys.append(key)
      }
      if snapshot.serviceName == nil { snapshot.serviceName = serviceName }
      if snapshot.environment == nil { snapshot.environment = environment }
      if let counts {
        snapshot.requestSamples.append(
          RequestSample(eventId: eventId, instant: counts.instant, serviceName: serviceName, good: counts.good, total: counts.total))
      }

    case .note(let byPerson, let followUp):
      snapshot.noteCount += 1
      if followUp { snapshot.followUpCount += 1 }
      if byPerson { acknowledge(at: ts) }

    case .action(let byPerson, let followUp):
      snapshot.actionCount += 1
      if followUp { snapshot.followUpCount += 1 }
      if byPerson { acknowledge(at: ts) }
    }
  }

  /// The snapshot of every change applied.
  public func finish() -> IncidentSnapshot {
    var result = snapshot
    if let created {
      result.lifecycle.createdAt = created.ts
      result.lifecycle.impactStartedAt = created.startedAt ?? created.ts
    } else {
      result.notices.insert(.missingCreation(earliestEventId: earliest.eventId, at: earliest.ts), at: 0)
      if result.statusHistory.isEmpty {
        // Nothing ever set a status: the incident is as it was created.
        result.statusHistory = [Span(value: .open, start: earliest.ts, eventId: nil)]
        result.notices.append(.statusAssumed(.open, from: earliest.ts))
      }
    }
    result.status = result.statusHistory.last?.value ?? .open
    result.severity = result.severityHistory.last?.value
    let current = result.status
    if current != .mitigated && current != .resolved { result.lifecycle.mitigatedAt = nil }
    if current != .resolved { result.lifecycle.resolvedAt = nil }
    if current != .cancelled { result.lifecycle.cancelledAt = nil }
    // A signal without a service of its own counts for its incident's service.
    for index in result.requestSamples.indices where result.requestSamples[index].serviceName == nil {
      result.requestSamples[index].serviceName = result.serviceName
    }
    return result
  }

  // MARK: - Status and severity spans

  private mutating func changeStatus(to new: IncidentStatus, from: IncidentStatus?, at ts: Timestamp, eventId: String) {
    if snapshot.statusHistory.isEmpty {
      // The first status event of an incident whose creation is not in the stream:
      // the status it left held since the incident's earliest event.
      beginStatus(from ?? .open, at: earliest.ts, eventId: nil)
      if from == nil { snapshot.notices.append(.statusAssumed(.open, from: earliest.ts)) }
    }
    guard let current = snapshot.statusHistory.last?.value, current != new else { return }
    let wasClosed = current == .mitigated || current == .resolved || current == .cancelled
    if wasClosed && new.isActive {
      snapshot.reopenCount += 1
      snapshot.lifecycle.mitigatedAt = nil
      snapshot.lifecycle.resolvedAt = nil
      snapshot.lifecycle.cancelledAt = nil
    }
    beginStatus(new, at: ts, eventId: eventId)
    switch new {
    case .investigating:
      acknowledge(at: ts)
    case .mitigated:
      if snapshot.lifecycle.mitigatedAt == nil { snapshot.lifecycle.mitigatedAt = ts }
    case .resolved:
      if snapshot.lifecycle.resolvedAt == nil { snapshot.lifecycle.resolvedAt = ts }
      if snapshot.lifecycle.mitigatedAt == nil { snapshot.lifecycle.mitigatedAt = ts }
    case .cancelled:
      if snapshot.lifecycle.cancelledAt == nil { snapshot.lifecycle.cancelledAt = ts }
    case .open:
      break
    }
  }

  private mutating func beginStatus(_ status: IncidentStatus, at ts: Timestamp, eventId: String?) {
    Self.begin(status, at: ts, eventId: eventId, in: &snapshot.statusHistory)
  }

  private mutating func beginSeverity(_ severity: Severity, at ts: Timestamp, eventId: String?) {
    Self.begin(severity, at: ts, eventId: eventId, in: &snapshot.severityHistory)
  }

  /// Closes the current span at `ts` and opens one for `value`.
  ///
  /// Changes at the same instant leave no zero-length span: the later one in replay order replaces it.
  private static func begin<Value>(
    _ value: Value, at ts: Timestamp, eventId: String?, in history: inout [Span<Value>]
  ) {
    if let last = history.last, last.start == ts {
      history.removeLast()
      if let previous = history.last, previous.value == value {
        history[history.count - 1].end = nil
        return
      }
    }
    if !history.isEmpty { history[history.count - 1].end = ts }
    history.append(Span(value: value, start: ts, eventId: eventId))
  }

  private mutating func acknowledge(at ts: Timestamp) {
    if snapshot.lifecycle.acknowledgedAt.map({ ts < $0 }) ?? true { snapshot.lifecycle.acknowledgedAt = ts }
  }
}

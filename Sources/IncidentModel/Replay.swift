/// How much of each event a history keeps.
public enum EventDetail: Sendable, Hashable {
  /// Keep every event whole too, for the timeline, notes and signals (`incidents show`, drafts).
  case full
  /// Keep only what figures are computed from: transitions, keys, counts. Memory then
  /// follows the structure of the incidents, not the size of the export.
  case analytics
}

/// The events of one incident, gathered in any order, replayed on demand.
///
/// Events arrive interleaved, unsorted and sometimes twice. The history keeps a
/// compact ``ReplayRecord`` per event (and the event itself only with
/// ``EventDetail/full``); ``replay()`` drops duplicates, orders the rest by
/// `(ts, origin)` and projects them, so the result does not depend on the order
/// of arrival.
public struct IncidentHistory: Sendable {
  public let orgId: String
  public let incidentId: String
  public let detail: EventDetail
  private var records: [ReplayRecord] = []
  private var fullEvents: [TimelineEntry] = []
  /// What records point to: kept once per history, so a record stays small and owns no allocation.
  private var store = RecordStore()

  public init(orgId: String, incidentId: String, detail: EventDetail) {
    self.orgId = orgId
    self.incidentId = incidentId
    self.detail = detail
  }

  /// Number of events appended so far, duplicates included.
  public var count: Int { records.count }

  /// Adds one event of this incident.
  public mutating func append(_ event: IncidentEvent, origin: EventOrigin) {
    append(Entry(event, origin: origin, detail: detail))
  }

  /// What a history keeps of one event, made ahead (on any thread) by ``init(_:origin:detail:)``.
  public struct Entry: Sendable {
    fileprivate var record: ReplayRecord
    /// The event's id, signal strings and request counts, until the history stores them.
    fileprivate var extras = RecordExtras()
    /// Boxed: an entry crosses threads and queues, and the whole event is rarely kept.
    fileprivate var full: Box<TimelineEntry>?

    /// Where the event was read.
    public var origin: EventOrigin { record.origin }

    /// Prepares a decoded event.
    ///
    /// `digest` identifies the event's content for dedupe (see ``ContentHash``); by default it is
    /// computed from the decoded event. A source must compute it the same way for all its records.
    public init(_ event: IncidentEvent, origin: EventOrigin, detail: EventDetail, digest: Int? = nil) {
      record = ReplayRecord(event, origin: origin, digest: digest, extras: &extras)
      full = detail == .full ? Box(TimelineEntry(origin: origin, event: event)) : nil
    }

    /// Leaves out a signal's request counts (and so its id) when their instant is outside `interval`, both ends kept.
    ///
    /// For a load whose figures cannot read request counts elsewhere: it keeps the signal, not the counts.
    public mutating func leaveOutRequestCounts(outside interval: Interval) {
      guard let counts = extras.requestCounts, counts.instant < interval.start || counts.instant > interval.end else { return }
      extras.requestCounts = nil
      extras.eventId = ""
    }

    /// Prepares an event read straight into its compact form (no ``IncidentEvent`` was built).
    ///
    /// `idHash` is ``ContentHash/of(_:)`` of the id's UTF-8 bytes, as ``init(_:origin:detail:digest:)`` computes it.
    public init(ts: Timestamp, origin: EventOrigin, eventId: String, idHash: Int, digest: Int, change: CompactChange) {
      record = ReplayRecord(ts: ts, origin: origin, eventId: eventId, idHash: idHash, digest: digest, change: change, extras: &extras)
      full = nil
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

  /// Adds an event prepared as an ``Entry``.
  public mutating func append(_ entry: Entry) {
    records.append(store.keep(entry.extras, of: entry.record))
    if detail == .full, let full = entry.full { fullEvents.append(full.value) }
  }

  /// Drops duplicates and projects the events into an ``IncidentSnapshot``.
  public func replay() -> ReplayOutcome {
    let (kept, duplicates) = Deduplication.run(records, store: store)
    var projection = IncidentProjection(orgId: orgId, incidentId: incidentId, ordered: kept, store: store)
    for record in kept { projection.apply(record) }
    var snapshot = projection.finish()
    if detail == .full {
      let dropped = Set(duplicates.dropped)
      let timeline = fullEvents.filter { !dropped.contains($0.origin) }
        .sorted { ($0.event.ts, $0.origin) < ($1.event.ts, $1.origin) }
      snapshot.details = IncidentDetails(timeline: timeline)
    }
    var eventsByType = EventTypeCounts()
    for record in kept { eventsByType.count(record.change) }
    return ReplayOutcome(
      snapshot: snapshot, exactDuplicates: duplicates.exact, conflicts: duplicates.conflicts, eventsByType: eventsByType)
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
}

/// Events counted per `type`: the known types by position, others by name.
///
/// Replay counts every event of every incident; hashing a type name for each would
/// cost more than the rest of the count.
public struct EventTypeCounts: Sendable, Equatable {
  private var known = [Int](repeating: 0, count: EventType.allCases.count)
  private var unknown: [String: Int] = [:]

  public init() {}

  mutating func count(_ change: ReplayRecord.Change) {
    if let type = change.type {
      known[type.position] += 1
    } else {
      unknown[change.typeName, default: 0] += 1
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
  /// The shared id, when the record kept it (see ``ReplayRecord/eventId``); else empty.
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

// MARK: - Compact records

/// An immutable box, so rare rich payloads cost one pointer in a record.
final class Box<Value: Sendable>: Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// A signal's service, environment and correlation key.
struct SignalContext: Sendable, Hashable {
  var serviceName: String?
  var environment: String?
  var correlationKey: String?
}

/// A record's variable-size parts, on their way from a decoder to the history that stores them.
struct RecordExtras: Sendable {
  /// The id, for events figures cite (lifecycle, severity, request counts, SLO records); else empty.
  var eventId = ""
  var signalContext: SignalContext?
  var requestCounts: IncidentHistory.RequestCountsAt?
}

/// The variable-size parts of one history's records, stored once for all of them.
///
/// Event ids sit end to end in one byte buffer and request counts in one array, so a
/// record holds offsets, not strings or boxes: no allocation per event, and nothing for
/// the allocator to scatter between the records of ten million events.
struct RecordStore: Sendable {
  /// The distinct (service, environment, key) of the incident's signals.
  private var signalContexts: [SignalContext] = []
  private var eventIdBytes: [UInt8] = []
  private var requestCounts: [IncidentHistory.RequestCountsAt] = []

  /// `record` pointing into this store for `extras`.
  mutating func keep(_ extras: RecordExtras, of record: ReplayRecord) -> ReplayRecord {
    var record = record
    // Offsets are 32-bit: past 4 GiB of ids in one incident, an id is left out rather than misplaced.
    if !extras.eventId.isEmpty, eventIdBytes.count + extras.eventId.utf8.count <= Int(UInt32.max) {
      let offset = eventIdBytes.count
      eventIdBytes.append(contentsOf: extras.eventId.utf8)
      record.eventId = EventIdSpan(offset: UInt32(offset), count: UInt32(eventIdBytes.count - offset))
    }
    if case .signal(var signal) = record.change {
      if let context = extras.signalContext {
        // An incident's signals mostly share a service and a key: each distinct triple is kept once.
        if let index = signalContexts.firstIndex(of: context) {
          signal.context = Int32(index)
        } else {
          signal.context = Int32(signalContexts.count)
          signalContexts.append(context)
        }
      }
      if let counts = extras.requestCounts {
        signal.counts = Int32(requestCounts.count)
        requestCounts.append(counts)
      }
      record.change = .signal(signal)
    }
    return record
  }

  /// The id of the event `record` stands for, or "" when it was not kept (see ``RecordExtras/eventId``).
  func eventId(of record: ReplayRecord) -> String {
    let span = record.eventId
    guard span.count > 0 else { return "" }
    let start = Int(span.offset)
    return String(decoding: eventIdBytes[start..<start + Int(span.count)], as: UTF8.self)
  }

  func context(of signal: ReplayRecord.SignalRecord) -> SignalContext {
    signal.context >= 0 ? signalContexts[Int(signal.context)] : SignalContext()
  }

  /// Request counts stored, duplicates included: at least as many as the snapshot's samples.
  var requestCountsStored: Int { requestCounts.count }

  func counts(of signal: ReplayRecord.SignalRecord) -> IncidentHistory.RequestCountsAt? {
    signal.counts >= 0 ? requestCounts[Int(signal.counts)] : nil
  }
}

/// Where a record's event id sits in its history's ``RecordStore``.
struct EventIdSpan: Sendable, Equatable {
  var offset: UInt32
  var count: UInt32
  static let none = EventIdSpan(offset: 0, count: 0)
}

/// What replay needs of one event, and no more: 64 bytes, whatever the event's size.
struct ReplayRecord: Sendable {
  /// The event's time in milliseconds (replay needs no offset: a `Timestamp` without one is rebuilt from it).
  private var milliseconds: Int64
  var ts: Timestamp { Timestamp(millisecondsSinceEpoch: milliseconds) }
  var origin: EventOrigin
  /// Identity for dedupe: a hash of the event id's bytes, and one of the whole event's content.
  var idHash: Int
  var digest: Int
  /// The id in the history's ``RecordStore``, for the events figures cite; see ``RecordExtras/eventId``.
  var eventId = EventIdSpan.none
  var change: Change

  enum Change: Sendable {
    case created(Box<IncidentCreated>)
    case updated(Box<IncidentUpdated>)
    case status(IncidentStatus, from: IncidentStatus?)
    case resolved
    case severity(Severity, from: Severity?)
    case tagAdded(String)
    case tagRemoved(String)
    case signal(SignalRecord)
    case note(byPerson: Bool, followUp: Bool)
    case action(byPerson: Bool, followUp: Bool)
    case sloViolation(Box<SLOViolationRecorded>)
    case ticket(Box<LinkedToTicket>)
    case unknown(type: String)

    /// The event's type; nil for a type this toolkit does not know.
    var type: EventType? {
      switch self {
      case .created: .incidentCreated
      case .updated: .incidentUpdated
      case .status: .statusChanged
      case .resolved: .resolved
      case .severity: .severityChanged
      case .tagAdded: .tagAdded
      case .tagRemoved: .tagRemoved
      case .signal: .signalIngested
      case .note: .noteAdded
      case .action: .playbookActionExecuted
      case .sloViolation: .sloViolationRecorded
      case .ticket: .linkedToTicket
      case .unknown: nil
      }
    }

    var typeName: String {
      if case .unknown(let name) = self { return name }
      return type?.rawValue ?? ""
    }
  }

  struct SignalRecord: Sendable {
    /// Index of the signal's ``SignalContext`` in its history's ``RecordStore``.
    var context: Int32 = -1
    /// Index of its request counts there, for METRIC signals that carry them; -1 for none.
    var counts: Int32 = -1
  }

  init(
    ts: Timestamp, origin: EventOrigin, eventId: String, idHash: Int, digest: Int, change: IncidentHistory.CompactChange,
    extras: inout RecordExtras
  ) {
    milliseconds = ts.millisecondsSinceEpoch
    self.origin = origin
    self.idHash = idHash
    self.digest = digest
    switch change {
    case .status(let new, let from): self.change = .status(new, from: from)
    case .resolved: self.change = .resolved
    case .severity(let new, let from): self.change = .severity(new, from: from)
    case .tagAdded(let tag): self.change = .tagAdded(tag)
    case .tagRemoved(let tag): self.change = .tagRemoved(tag)
    case .signal(let serviceName, let environment, let correlationKey, let counts):
      extras.signalContext = SignalContext(serviceName: serviceName, environment: environment, correlationKey: correlationKey)
      extras.requestCounts = counts
      self.change = .signal(SignalRecord())
    case .note(let byPerson, let followUp): self.change = .note(byPerson: byPerson, followUp: followUp)
    case .action(let byPerson, let followUp): self.change = .action(byPerson: byPerson, followUp: followUp)
    }
    if change.citesEvent { extras.eventId = eventId }
  }

  init(_ event: IncidentEvent, origin: EventOrigin, digest: Int?, extras: inout RecordExtras) {
    var id = event.id
    let idHash = id.withUTF8 { ContentHash.of(UnsafeRawBufferPointer($0)) }
    let digest = digest ?? event.hashValue
    // The frequent kinds by the one rule that also reads them straight from a line.
    if let compact = IncidentHistory.CompactChange(event) {
      self.init(
        ts: event.ts, origin: origin, eventId: event.id, idHash: idHash, digest: digest, change: compact, extras: &extras)
      return
    }
    let rich: Change
    switch event.payload {
    case .created(let p): rich = .created(Box(p))
    case .updated(let p): rich = .updated(Box(p))
    case .sloViolationRecorded(let p): rich = .sloViolation(Box(p))
    case .linkedToTicket(let p): rich = .ticket(Box(p))
    case .unknown(let type, _): rich = .unknown(type: type)
    case .statusChanged, .resolved, .severityChanged, .tagAdded, .tagRemoved, .signalIngested, .noteAdded,
      .playbookActionExecuted:
      preconditionFailure("every kind with a compact form has one")
    }
    self.init(ts: event.ts, origin: origin, idHash: idHash, digest: digest, rich: rich)
    // Figures cite every rich event but those of unknown types.
    if rich.type != nil { extras.eventId = event.id }
  }

  private init(ts: Timestamp, origin: EventOrigin, idHash: Int, digest: Int, rich: Change) {
    milliseconds = ts.millisecondsSinceEpoch
    self.origin = origin
    self.idHash = idHash
    self.digest = digest
    change = rich
  }
}

extension IncidentHistory.CompactChange {
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
        IncidentHistory.RequestCountsAt(instant: $0.windowEnd ?? p.observedAt ?? event.ts, good: $0.good, total: $0.total)
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

/// The `events.md` rule: the same id with the same content counts once; the same id
/// with other content is a conflict, and the first one read (lowest origin) is kept.
enum Deduplication {
  struct Found {
    var exact = 0
    var conflicts: [DuplicateConflict] = []
    var dropped: [EventOrigin] = []
  }

  /// The records to replay, in `(ts, origin)` order, and the duplicates left out.
  static func run(_ records: [ReplayRecord], store: RecordStore) -> ([ReplayRecord], Found) {
    var found = Found()
    let byId = records.indices.sorted { (records[$0].idHash, records[$0].origin) < (records[$1].idHash, records[$1].origin) }
    var keep = [Bool](repeating: true, count: records.count)
    var first = 0
    for position in 1..<max(1, byId.count) {
      let current = records[byId[position]]
      let leader = records[byId[first]]
      guard current.idHash == leader.idHash else {
        first = position
        continue
      }
      keep[byId[position]] = false
      found.dropped.append(current.origin)
      if current.digest == leader.digest {
        found.exact += 1
      } else {
        let leaderId = store.eventId(of: leader)
        let sharedId = leaderId.isEmpty ? store.eventId(of: current) : leaderId
        found.conflicts.append(DuplicateConflict(kept: leader.origin, dropped: current.origin, eventId: sharedId))
      }
    }
    var kept = records.indices.filter { keep[$0] }.map { records[$0] }
    kept.sort { ($0.ts, $0.origin) < ($1.ts, $1.origin) }
    found.conflicts.sort { $0.dropped < $1.dropped }
    return (kept, found)
  }
}

// MARK: - Projection

/// The deterministic fold of an incident's ordered records into its snapshot.
struct IncidentProjection {
  private var snapshot: IncidentSnapshot
  private var created: (ts: Timestamp, startedAt: Timestamp?)?
  private let earliest: ReplayRecord

  private let store: RecordStore

  init(orgId: String, incidentId: String, ordered: [ReplayRecord], store: RecordStore) {
    self.store = store
    // An incident exists only because at least one of its events was read.
    let first = ordered[0]
    let last = ordered[ordered.count - 1]
    earliest = first
    snapshot = IncidentSnapshot(
      orgId: orgId, incidentId: incidentId, hasCreationEvent: false, status: .open, severity: nil,
      statusHistory: [], severityHistory: [],
      lifecycle: Lifecycle(createdAt: first.ts, impactStartedAt: first.ts, firstEventAt: first.ts, lastEventAt: last.ts),
      reopenCount: 0, correlationKeys: [], tags: [], signalCount: 0, noteCount: 0, actionCount: 0, followUpCount: 0,
      requestSamples: [],
      sloViolations: [], ticketLinks: [], eventCount: ordered.count, unknownEventCount: 0, notices: [], details: nil)
    // Samples are most of a snapshot: sized once rather than doubled into twice their room.
    snapshot.requestSamples.reserveCapacity(store.requestCountsStored)
  }

  mutating func apply(_ record: ReplayRecord) {
    let ts = record.ts
    // Only the events figures cite kept their ids; the rest read as "".
    var eventId: String { store.eventId(of: record) }
    switch record.change {
    case .created(let box):
      let p = box.value
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

    case .updated(let box):
      let p = box.value
      snapshot.title = p.title ?? snapshot.title
      snapshot.serviceName = p.serviceName ?? snapshot.serviceName
      snapshot.environment = p.environment ?? snapshot.environment
      snapshot.projectId = p.projectId ?? snapshot.projectId
      snapshot.runbookPath = p.runbookPath ?? snapshot.runbookPath
      snapshot.detectedBy = p.detectedBy ?? snapshot.detectedBy

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

    case .signal(let signalRecord):
      let signal = store.context(of: signalRecord)
      snapshot.signalCount += 1
      if let key = signal.correlationKey, !snapshot.correlationKeys.contains(key) {
        snapshot.correlationKeys.append(key)
      }
      if snapshot.serviceName == nil { snapshot.serviceName = signal.serviceName }
      if snapshot.environment == nil { snapshot.environment = signal.environment }
      if let counts = store.counts(of: signalRecord) {
        snapshot.requestSamples.append(
          RequestSample(
            eventId: eventId, instant: counts.instant, serviceName: signal.serviceName, good: counts.good,
            total: counts.total))
      }

    case .note(let byPerson, let followUp):
      snapshot.noteCount += 1
      if followUp { snapshot.followUpCount += 1 }
      if byPerson { acknowledge(at: ts) }

    case .action(let byPerson, let followUp):
      snapshot.actionCount += 1
      if followUp { snapshot.followUpCount += 1 }
      if byPerson { acknowledge(at: ts) }

    case .sloViolation(let box):
      snapshot.sloViolations.append(SLOViolation(eventId: eventId, ts: ts, payload: box.value))

    case .ticket(let box):
      snapshot.ticketLinks.append(TicketLink(eventId: eventId, ts: ts, payload: box.value))

    case .unknown:
      snapshot.unknownEventCount += 1
    }
  }

  func finish() -> IncidentSnapshot {
    var result = snapshot
    if let created {
      result.lifecycle.createdAt = created.ts
      result.lifecycle.impactStartedAt = created.startedAt ?? created.ts
    } else {
      result.notices.insert(.missingCreation(earliestEventId: store.eventId(of: earliest), at: earliest.ts), at: 0)
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

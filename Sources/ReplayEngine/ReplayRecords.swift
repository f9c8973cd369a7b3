public import EventSources
public import IncidentModel

/// The events of one incident, gathered in any order, replayed on demand.
///
/// Events arrive interleaved, unsorted and sometimes twice. The history keeps a
/// compact ``ReplayRecord`` per event (and the event itself only with
/// ``EventDetail/full``); ``replay()`` applies the model's rules to them: drops
/// duplicates (``Deduplication``), orders the rest by `(ts, origin)` and projects
/// them (``IncidentProjection``), so the result does not depend on the order of arrival.
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

  /// What a history keeps of one event, made ahead (on any thread) by ``init(_:origin:detail:digest:)``.
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

  /// Adds an event prepared as an ``Entry``.
  public mutating func append(_ entry: Entry) {
    records.append(store.keep(entry.extras, of: entry.record))
    if detail == .full, let full = entry.full { fullEvents.append(full.value) }
  }

  /// Drops duplicates and projects the events into an ``IncidentSnapshot``.
  public func replay() -> ReplayOutcome {
    let store = self.store
    let (kept, duplicates) = Deduplication.run(records) { store.eventId(of: $0) }
    var projection = IncidentProjection(
      orgId: orgId, incidentId: incidentId, earliest: (kept[0].ts, store.eventId(of: kept[0])),
      lastEventAt: kept[kept.count - 1].ts, eventCount: kept.count, expectedSamples: store.requestCountsStored)
    var eventsByType = EventTypeCounts()
    for record in kept {
      let change = record.change(in: store)
      // Only the events figures cite kept their ids; the rest read as "".
      projection.apply(change, at: record.ts, eventId: store.eventId(of: record))
      eventsByType.count(change)
    }
    var snapshot = projection.finish()
    if detail == .full {
      let dropped = Set(duplicates.dropped)
      let timeline = fullEvents.filter { !dropped.contains($0.origin) }
        .sorted { ($0.event.ts, $0.origin) < ($1.event.ts, $1.origin) }
      snapshot.details = IncidentDetails(timeline: timeline)
    }
    return ReplayOutcome(
      snapshot: snapshot, exactDuplicates: duplicates.exact, conflicts: duplicates.conflicts, eventsByType: eventsByType)
  }
}

extension PreparedEvent {
  /// What a history keeps of the event, at `detail`.
  public func entry(detail: EventDetail) -> IncidentHistory.Entry {
    switch content {
    case .compact(let ts, let eventId, let idHash, let change):
      IncidentHistory.Entry(ts: ts, origin: origin, eventId: eventId, idHash: idHash, digest: digest, change: change)
    case .event(let event, _):
      IncidentHistory.Entry(event, origin: origin, detail: detail, digest: digest)
    }
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
  var requestCounts: RequestCountsAt?
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
  private var requestCounts: [RequestCountsAt] = []

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

  /// The signal's change, its context and counts read back.
  func change(of signal: ReplayRecord.SignalRecord) -> CompactChange {
    let context = context(of: signal)
    return .signal(
      serviceName: context.serviceName, environment: context.environment, correlationKey: context.correlationKey,
      counts: counts(of: signal))
  }

  func counts(of signal: ReplayRecord.SignalRecord) -> RequestCountsAt? {
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
struct ReplayRecord: Sendable, DedupeIdentity {
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
  }

  struct SignalRecord: Sendable {
    /// Index of the signal's ``SignalContext`` in its history's ``RecordStore``.
    var context: Int32 = -1
    /// Index of its request counts there, for METRIC signals that carry them; -1 for none.
    var counts: Int32 = -1
  }

  init(
    ts: Timestamp, origin: EventOrigin, eventId: String, idHash: Int, digest: Int, change: CompactChange,
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
    if let compact = CompactChange(event) {
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
    if case .unknown = rich {} else { extras.eventId = event.id }
  }

  private init(ts: Timestamp, origin: EventOrigin, idHash: Int, digest: Int, rich: Change) {
    milliseconds = ts.millisecondsSinceEpoch
    self.origin = origin
    self.idHash = idHash
    self.digest = digest
    change = rich
  }
}

extension ReplayRecord {
  /// The model's value of the record's change, its strings and counts read from `store`.
  func change(in store: RecordStore) -> ReplayChange {
    switch change {
    case .created(let box): .created(box.value)
    case .updated(let box): .updated(box.value)
    case .status(let new, let from): .compact(.status(new, from: from))
    case .resolved: .compact(.resolved)
    case .severity(let new, let from): .compact(.severity(new, from: from))
    case .tagAdded(let tag): .compact(.tagAdded(tag))
    case .tagRemoved(let tag): .compact(.tagRemoved(tag))
    case .signal(let signal): .compact(store.change(of: signal))
    case .note(let byPerson, let followUp): .compact(.note(byPerson: byPerson, followUp: followUp))
    case .action(let byPerson, let followUp): .compact(.action(byPerson: byPerson, followUp: followUp))
    case .sloViolation(let box): .sloViolation(box.value)
    case .ticket(let box): .ticket(box.value)
    case .unknown(let type): .unknown(type: type)
    }
  }
}

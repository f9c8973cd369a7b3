/// How much of each event a history keeps.
///
/// Analyses over many incidents need the lifecycle, keys and counts, not the
/// prose: `.analytics` drops note texts, signal summaries and data, action
/// details and unknown members before an event is stored, so memory follows
/// the structure of the incidents rather than the size of the export.
public enum EventDetail: Sendable, Hashable {
  /// Keep every event whole and build the timeline (`incidents show`, postmortem drafts).
  case full
  /// Keep what figures are computed from; drop free text and unknown members.
  case analytics

  /// The event as this level keeps it.
  public func retain(_ event: IncidentEvent) -> IncidentEvent {
    guard self == .analytics else { return event }
    var slim = event
    switch event.payload {
    case .created(var p):
      p.extra = [:]
      slim.payload = .created(p)
    case .updated(var p):
      p.extra = [:]
      slim.payload = .updated(p)
    case .statusChanged(var p):
      p.reason = nil
      p.extra = [:]
      slim.payload = .statusChanged(p)
    case .severityChanged(var p):
      p.reason = nil
      p.extra = [:]
      slim.payload = .severityChanged(p)
    case .tagAdded(var p):
      p.extra = [:]
      slim.payload = .tagAdded(p)
    case .tagRemoved(var p):
      p.extra = [:]
      slim.payload = .tagRemoved(p)
    case .signalIngested(var p):
      p.summary = ""
      p.data = nil
      p.traceId = nil
      p.extra = [:]
      slim.payload = .signalIngested(p)
    case .noteAdded(var p):
      p.text = ""
      p.extra = [:]
      slim.payload = .noteAdded(p)
    case .playbookActionExecuted(var p):
      p.details = nil
      p.extra = [:]
      slim.payload = .playbookActionExecuted(p)
    case .sloViolationRecorded(var p):
      p.details = nil
      p.extra = [:]
      slim.payload = .sloViolationRecorded(p)
    case .linkedToTicket(var p):
      p.extra = [:]
      slim.payload = .linkedToTicket(p)
    case .resolved(var p):
      p.summary = nil
      p.extra = [:]
      slim.payload = .resolved(p)
    case .unknown(let type, _):
      slim.payload = .unknown(type: type, payload: .null)
    }
    return slim
  }
}

/// The events of one incident, gathered in any order, replayed on demand.
///
/// Events arrive interleaved and unsorted; the history stores them (as much of
/// each as its ``EventDetail`` keeps) with their origin, and ``replay()`` orders
/// them by `(ts, origin)` before projecting, so the result does not depend on
/// the order of arrival.
public struct IncidentHistory: Sendable {
  public let orgId: String
  public let incidentId: String
  public let detail: EventDetail
  public private(set) var entries: [TimelineEntry] = []

  public init(orgId: String, incidentId: String, detail: EventDetail) {
    self.orgId = orgId
    self.incidentId = incidentId
    self.detail = detail
  }

  /// Adds one event (already deduplicated by the source).
  public mutating func append(_ event: IncidentEvent, origin: EventOrigin) {
    entries.append(TimelineEntry(origin: origin, event: detail.retain(event)))
  }

  /// Projects the events into an ``IncidentSnapshot``. Requires at least one event.
  public func replay() -> IncidentSnapshot {
    let ordered = entries.sorted { ($0.event.ts, $0.origin) < ($1.event.ts, $1.origin) }
    var projection = IncidentProjection(orgId: orgId, incidentId: incidentId, ordered: ordered)
    for entry in ordered { projection.apply(entry) }
    return projection.finish(timeline: detail == .full ? ordered : [])
  }
}

/// The deterministic fold of an incident's ordered events into its snapshot.
struct IncidentProjection {
  private var snapshot: IncidentSnapshot
  private var created: (eventId: String, ts: Timestamp, startedAt: Timestamp?)?
  private var earliest: TimelineEntry

  init(orgId: String, incidentId: String, ordered: [TimelineEntry]) {
    // An incident exists only because at least one of its events was read.
    let first = ordered[0]
    let last = ordered[ordered.count - 1]
    earliest = first
    snapshot = IncidentSnapshot(
      orgId: orgId, incidentId: incidentId, hasCreationEvent: false, status: .open, severity: nil,
      statusHistory: [], severityHistory: [],
      lifecycle: Lifecycle(
        createdAt: first.event.ts, impactStartedAt: first.event.ts, firstEventAt: first.event.ts,
        lastEventAt: last.event.ts),
      reopenCount: 0, correlationKeys: [], tags: [], signals: [], actions: [], notes: [], sloViolations: [],
      ticketLinks: [], eventCount: ordered.count, unknownEventCount: 0, notices: [], timeline: [])
  }

  mutating func apply(_ entry: TimelineEntry) {
    let event = entry.event
    let ts = event.ts
    switch event.payload {
    case .created(let p):
      if created == nil {
        created = (event.id, ts, p.startedAt)
        snapshot.hasCreationEvent = true
        if snapshot.statusHistory.isEmpty { beginStatus(.open, at: ts, eventId: event.id) }
        if snapshot.severityHistory.isEmpty { beginSeverity(p.severity, at: ts, eventId: event.id) }
      } else {
        snapshot.notices.append(.repeatedCreation(eventId: event.id))
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

    case .statusChanged(let p):
      changeStatus(to: p.newStatus, from: p.fromStatus, at: ts, eventId: event.id)

    case .resolved:
      changeStatus(to: .resolved, from: nil, at: ts, eventId: event.id)

    case .severityChanged(let p):
      if snapshot.severityHistory.isEmpty, let from = p.fromSeverity, from != p.newSeverity {
        beginSeverity(from, at: earliest.event.ts, eventId: nil)
      }
      if snapshot.severityHistory.last?.value != p.newSeverity {
        beginSeverity(p.newSeverity, at: ts, eventId: event.id)
      }

    case .tagAdded(let p):
      snapshot.tags.removeAll { $0 == p.tag }
      snapshot.tags.append(p.tag)

    case .tagRemoved(let p):
      snapshot.tags.removeAll { $0 == p.tag }

    case .signalIngested(let p):
      snapshot.signals.append(IncidentSignal(eventId: event.id, ts: ts, payload: p))
      if let key = p.correlationKey, !snapshot.correlationKeys.contains(key) {
        snapshot.correlationKeys.append(key)
      }
      if snapshot.serviceName == nil { snapshot.serviceName = p.serviceName }
      if snapshot.environment == nil { snapshot.environment = p.environment }

    case .noteAdded(let p):
      snapshot.notes.append(IncidentNote(eventId: event.id, ts: ts, payload: p))
      // A note without an actor type is taken as a person's: notes are how responders speak.
      if p.actorType == nil || p.actorType == .user { acknowledge(at: ts) }

    case .playbookActionExecuted(let p):
      snapshot.actions.append(IncidentAction(eventId: event.id, ts: ts, payload: p))
      if p.actorType == .user { acknowledge(at: ts) }

    case .sloViolationRecorded(let p):
      snapshot.sloViolations.append(SLOViolation(eventId: event.id, ts: ts, payload: p))

    case .linkedToTicket(let p):
      snapshot.ticketLinks.append(TicketLink(eventId: event.id, ts: ts, payload: p))

    case .unknown:
      snapshot.unknownEventCount += 1
    }
  }

  func finish(timeline: [TimelineEntry]) -> IncidentSnapshot {
    var result = snapshot
    if let created {
      result.lifecycle.createdAt = created.ts
      result.lifecycle.impactStartedAt = created.startedAt ?? created.ts
    } else {
      result.notices.insert(.missingCreation(earliestEventId: earliest.event.id, at: earliest.event.ts), at: 0)
      if result.statusHistory.isEmpty {
        // Nothing ever set a status: the incident is as it was created.
        result.statusHistory = [Span(value: .open, start: earliest.event.ts, eventId: nil)]
        result.notices.append(.statusAssumed(.open, from: earliest.event.ts))
      }
    }
    result.status = result.statusHistory.last?.value ?? .open
    result.severity = result.severityHistory.last?.value
    let current = result.status
    if current != .mitigated && current != .resolved { result.lifecycle.mitigatedAt = nil }
    if current != .resolved { result.lifecycle.resolvedAt = nil }
    if current != .cancelled { result.lifecycle.cancelledAt = nil }
    result.timeline = timeline
    return result
  }

  // MARK: - Status and severity spans

  private mutating func changeStatus(to new: IncidentStatus, from: IncidentStatus?, at ts: Timestamp, eventId: String) {
    if snapshot.statusHistory.isEmpty {
      // The first status event of an incident whose creation is not in the stream:
      // the status it left held since the incident's earliest event.
      beginStatus(from ?? .open, at: earliest.event.ts, eventId: nil)
      if from == nil { snapshot.notices.append(.statusAssumed(.open, from: earliest.event.ts)) }
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

  /// Closes the current span at `ts` and opens one for `value`. Changes at the same
  /// instant leave no zero-length span: the later one in replay order replaces it.
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

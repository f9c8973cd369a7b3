/// A stretch of time during which a value held: `[start, end)`.
///
/// `end` is nil while the value still holds at the incident's last event; an
/// analysis closes it at its own evaluation time, never at "now".
public struct Span<Value: Sendable & Hashable>: Sendable, Hashable {
  public var value: Value
  public var start: Timestamp
  public var end: Timestamp?
  /// The event that began the span; nil when the value was inferred (see ``ReplayNotice``).
  public var eventId: String?

  public init(value: Value, start: Timestamp, end: Timestamp? = nil, eventId: String?) {
    self.value = value
    self.start = start
    self.end = end
    self.eventId = eventId
  }
}

/// The timestamps analytics need, derived by replay as `events.md` defines them.
public struct Lifecycle: Sendable, Hashable, Codable {
  /// The INCIDENT_CREATED `ts`, or the earliest event's when creation is missing from the stream.
  public var createdAt: Timestamp
  /// `startedAt` if the producer knew it, else `createdAt`.
  public var impactStartedAt: Timestamp
  /// The first move to INVESTIGATING or the first human action or note, whichever came first.
  public var acknowledgedAt: Timestamp?
  /// The first MITIGATED after the last reopen; nil unless mitigated or resolved now.
  ///
  /// A resolution without a MITIGATED step counts as the mitigation, since impact ended there.
  public var mitigatedAt: Timestamp?
  /// The first RESOLVED after the last reopen; nil unless resolved now.
  public var resolvedAt: Timestamp?
  /// When the incident was cancelled as a false alarm; nil unless cancelled now.
  public var cancelledAt: Timestamp?
  /// The earliest and latest event `ts` of the incident.
  public var firstEventAt: Timestamp
  public var lastEventAt: Timestamp
}

/// Something replay had to assume because the stream did not say it.
public enum ReplayNotice: Sendable, Hashable, Codable, CustomStringConvertible {
  /// No INCIDENT_CREATED in the stream (an export cut at a window edge): creation is taken from the earliest event.
  case missingCreation(earliestEventId: String, at: Timestamp)
  /// A second INCIDENT_CREATED with another id; its descriptive fields were applied as an update.
  case repeatedCreation(eventId: String)
  /// The status before the first recorded change was not known; it was taken as `assumed`.
  case statusAssumed(IncidentStatus, from: Timestamp)

  public var description: String {
    switch self {
    case .missingCreation(let id, let at):
      "no INCIDENT_CREATED in the stream; creation taken from the earliest event \(id) at \(at)"
    case .repeatedCreation(let id):
      "a second INCIDENT_CREATED (\(id)) was applied as an update"
    case .statusAssumed(let status, let from):
      "status before the first recorded change assumed \(status.rawValue) from \(from)"
    }
  }
}

/// An observability signal attached to the incident (the product's `IncidentSignal`).
public struct IncidentSignal: Sendable, Hashable, Codable {
  public var eventId: String
  public var ts: Timestamp
  public var payload: SignalIngested
}

/// A playbook action executed during the response (the product's `IncidentAction`).
public struct IncidentAction: Sendable, Hashable, Codable {
  public var eventId: String
  public var ts: Timestamp
  public var payload: PlaybookActionExecuted
}

/// A note added to the incident.
public struct IncidentNote: Sendable, Hashable, Codable {
  public var eventId: String
  public var ts: Timestamp
  public var payload: NoteAdded
}

/// An SLO violation recorded live (the product's `SLOViolation`).
public struct SLOViolation: Sendable, Hashable, Codable {
  public var eventId: String
  public var ts: Timestamp
  public var payload: SLOViolationRecorded
}

/// A link to a ticket in another system.
public struct TicketLink: Sendable, Hashable, Codable {
  public var eventId: String
  public var ts: Timestamp
  public var payload: LinkedToTicket
}

/// Request counts of one METRIC signal, placed at the instant they belong to.
public struct RequestSample: Sendable, Hashable, Codable {
  public var eventId: String
  /// `data.windowEnd`, else the signal's `observedAt`, else the event's `ts` (`slo.md`).
  public var instant: Timestamp
  /// The signal's `serviceName`, else its incident's.
  public var serviceName: String?
  public var good: Int64
  public var total: Int64
}

/// One event of the timeline, in replay order, with where it came from.
public struct TimelineEntry: Sendable, Hashable, Codable {
  public var origin: EventOrigin
  public var event: IncidentEvent

  public init(origin: EventOrigin, event: IncidentEvent) {
    self.origin = origin
    self.event = event
  }
}

/// The parts of an incident only a close reading needs: kept with ``EventDetail/full``.
public struct IncidentDetails: Sendable, Hashable, Codable {
  public var signals: [IncidentSignal] = []
  public var actions: [IncidentAction] = []
  public var notes: [IncidentNote] = []
  /// Every event in replay order, duplicates removed.
  public var timeline: [TimelineEntry] = []

  // Coded as its timeline alone: the rest is drawn from it.
  private enum CodingKeys: String, CodingKey { case timeline }

  public init(from decoder: any Decoder) throws {
    self.init(timeline: try decoder.container(keyedBy: CodingKeys.self).decode([TimelineEntry].self, forKey: .timeline))
  }

  public func encode(to encoder: any Encoder) throws {
    var keyed = encoder.container(keyedBy: CodingKeys.self)
    try keyed.encode(timeline, forKey: .timeline)
  }

  /// Details drawn from an ordered, deduplicated timeline.
  public init(timeline: [TimelineEntry]) {
    self.timeline = timeline
    for entry in timeline {
      let event = entry.event
      switch event.payload {
      case .signalIngested(let p): signals.append(IncidentSignal(eventId: event.id, ts: event.ts, payload: p))
      case .playbookActionExecuted(let p): actions.append(IncidentAction(eventId: event.id, ts: event.ts, payload: p))
      case .noteAdded(let p): notes.append(IncidentNote(eventId: event.id, ts: event.ts, payload: p))
      default: break
      }
    }
  }
}

/// The replayed state of one incident: the product's `IncidentSnapshot` plus its history.
public struct IncidentSnapshot: Sendable, Hashable, Codable {
  public var orgId: String
  public var incidentId: String
  public var projectId: String?
  public var title: String?
  public var serviceName: String?
  public var environment: String?
  public var detectedBy: String?
  public var runbookPath: String?
  public var primarySignalId: String?
  /// Whether the stream held this incident's INCIDENT_CREATED.
  public var hasCreationEvent: Bool

  /// The status after the last event.
  public var status: IncidentStatus
  /// The severity after the last event; nil when no event ever named one.
  public var severity: Severity?
  public var statusHistory: [Span<IncidentStatus>]
  public var severityHistory: [Span<Severity>]
  public var lifecycle: Lifecycle
  /// Moves from MITIGATED, RESOLVED or CANCELLED back to OPEN or INVESTIGATING.
  public var reopenCount: Int

  /// `initialCorrelationKey` first, then each signal's key in replay order, without repeats.
  public var correlationKeys: [String]
  /// Tags present after the last event, in the order they were (last) added.
  public var tags: [String]
  public var signalCount: Int
  public var noteCount: Int
  public var actionCount: Int
  /// Notes and actions that read as follow-up work (see ``FollowUp``).
  public var followUpCount: Int
  /// Request counts of the METRIC signals that carry them, in replay order.
  public var requestSamples: [RequestSample]
  public var sloViolations: [SLOViolation]
  public var ticketLinks: [TicketLink]

  /// Number of events replayed (after dedupe), unknown types included.
  public var eventCount: Int
  /// Events of types this toolkit does not know, which replay ignored.
  public var unknownEventCount: Int
  /// What replay had to assume.
  public var notices: [ReplayNotice]
  /// Signals, notes, actions and the timeline in full; nil unless the history kept full detail.
  public var details: IncidentDetails?

  /// Whether the incident was a false alarm.
  public var isCancelled: Bool { status == .cancelled }
}

extension Lifecycle {
  /// Impact start to detection (creation), in milliseconds; 0 when impact began at creation.
  public var timeToDetect: Int64 { createdAt.millisecondsSinceEpoch - impactStartedAt.millisecondsSinceEpoch }
  /// Creation to first acknowledgement, in milliseconds.
  public var timeToAcknowledge: Int64? { acknowledgedAt.map { $0.millisecondsSinceEpoch - createdAt.millisecondsSinceEpoch } }
  /// Impact start to mitigation, in milliseconds.
  public var timeToMitigate: Int64? { mitigatedAt.map { $0.millisecondsSinceEpoch - impactStartedAt.millisecondsSinceEpoch } }
  /// Impact start to resolution, in milliseconds.
  public var timeToResolve: Int64? { resolvedAt.map { $0.millisecondsSinceEpoch - impactStartedAt.millisecondsSinceEpoch } }
}

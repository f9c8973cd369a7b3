/// One append-only change to an incident, as the incident service records it.
public struct IncidentEvent: Sendable, Hashable, Codable {
  public var id: String
  public var orgId: String
  public var incidentId: String
  public var ts: Timestamp
  public var payload: EventPayload

  public init(id: String, orgId: String, incidentId: String, ts: Timestamp, payload: EventPayload) {
    self.id = id
    self.orgId = orgId
    self.incidentId = incidentId
    self.ts = ts
    self.payload = payload
  }

  /// The `type` as written in the stream, known or not.
  public var type: String { payload.typeName }
}

/// The typed payload of an event; `unknown` keeps a newer producer's event whole.
public enum EventPayload: Sendable, Hashable, Codable {
  case created(IncidentCreated)
  case updated(IncidentUpdated)
  case statusChanged(StatusChanged)
  case severityChanged(SeverityChanged)
  case tagAdded(TagChanged)
  case tagRemoved(TagChanged)
  case signalIngested(SignalIngested)
  case noteAdded(NoteAdded)
  case playbookActionExecuted(PlaybookActionExecuted)
  case sloViolationRecorded(SLOViolationRecorded)
  case linkedToTicket(LinkedToTicket)
  case resolved(IncidentResolved)
  /// An event type this toolkit does not know; replay ignores it, reports count it.
  case unknown(type: String, payload: JSONValue)

  /// The known type, or nil for `unknown`.
  public var eventType: EventType? {
    switch self {
    case .created: .incidentCreated
    case .updated: .incidentUpdated
    case .statusChanged: .statusChanged
    case .severityChanged: .severityChanged
    case .tagAdded: .tagAdded
    case .tagRemoved: .tagRemoved
    case .signalIngested: .signalIngested
    case .noteAdded: .noteAdded
    case .playbookActionExecuted: .playbookActionExecuted
    case .sloViolationRecorded: .sloViolationRecorded
    case .linkedToTicket: .linkedToTicket
    case .resolved: .resolved
    case .unknown: nil
    }
  }

  /// The `type` string as it appears in the stream.
  public var typeName: String {
    switch (self, eventType) {
    case (.unknown(let type, _), _): type
    case (_, let known?): known.rawValue
    case (_, nil): ""  // Unreachable: only `unknown` has no known type.
    }
  }
}

/// Where an event came from: which input (file or table) and which line or row of it.
///
/// Replay orders an incident's events by `(ts, origin)`, so ties on `ts` keep the
/// order of the source, and reading the same inputs in the same order gives the
/// same projection.
public struct EventOrigin: Sendable, Hashable, Comparable {
  /// The input in the top 20 bits, the record in the low 44: one word per kept event.
  private var packed: UInt64
  private static let recordBits: UInt64 = 44
  private static let recordMask: UInt64 = (1 << recordBits) - 1

  /// Index of the input among those given to the command, in command-line order (below 2²⁰).
  public var input: Int32 { Int32(truncatingIfNeeded: packed >> Self.recordBits) }
  /// 1-based line number (JSON Lines) or row ordinal (PostgreSQL), below 2⁴⁴.
  public var record: Int64 { Int64(truncatingIfNeeded: packed & Self.recordMask) }

  /// The largest input index an origin can hold.
  public static let maximumInput: Int32 = (1 << 20) - 1

  public init(input: Int32, record: Int64) {
    precondition((0...Self.maximumInput).contains(input) && record >= 0 && UInt64(record) <= Self.recordMask)
    packed = UInt64(input) << Self.recordBits | UInt64(record)
  }

  public static func < (lhs: EventOrigin, rhs: EventOrigin) -> Bool { lhs.packed < rhs.packed }
}

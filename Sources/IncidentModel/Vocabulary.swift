/// Incident severity, ordered by its number: `SEV1` is the most severe.
public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable, Codable {
  case sev1 = "SEV1"
  case sev2 = "SEV2"
  case sev3 = "SEV3"
  case sev4 = "SEV4"

  /// The severity's number, from 1 for SEV1 to 4 for SEV4.
  public var number: Int {
    switch self {
    case .sev1: 1
    case .sev2: 2
    case .sev3: 3
    case .sev4: 4
    }
  }

  public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.number < rhs.number }
}

/// The canonical incident lifecycle states.
public enum IncidentStatus: String, Sendable, Hashable, CaseIterable, Codable {
  case open = "OPEN"
  case investigating = "INVESTIGATING"
  case mitigated = "MITIGATED"
  case resolved = "RESOLVED"
  case cancelled = "CANCELLED"

  /// OPEN or INVESTIGATING: impact is ongoing.
  public var isActive: Bool { self == .open || self == .investigating }
}

/// Who acted: known values have constants, and a newer producer's value is kept as written.
public struct ActorType: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
  public let rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }

  public static let user = ActorType(rawValue: "USER")
  public static let system = ActorType(rawValue: "SYSTEM")
  public static let automation = ActorType(rawValue: "AUTOMATION")

  public var description: String { rawValue }
}

/// The kind of an observability signal: known values have constants, others are kept as written.
public struct SignalType: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
  public let rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }

  public static let alert = SignalType(rawValue: "ALERT")
  public static let metric = SignalType(rawValue: "METRIC")
  public static let log = SignalType(rawValue: "LOG")
  public static let trace = SignalType(rawValue: "TRACE")

  public var description: String { rawValue }
}

/// The twelve event types of the contract.
public enum EventType: String, Sendable, Hashable, CaseIterable, Codable {
  case incidentCreated = "INCIDENT_CREATED"
  case incidentUpdated = "INCIDENT_UPDATED"
  case statusChanged = "INCIDENT_STATUS_CHANGED"
  case severityChanged = "INCIDENT_SEVERITY_CHANGED"
  case tagAdded = "INCIDENT_TAG_ADDED"
  case tagRemoved = "INCIDENT_TAG_REMOVED"
  case signalIngested = "INCIDENT_SIGNAL_INGESTED"
  case noteAdded = "INCIDENT_NOTE_ADDED"
  case playbookActionExecuted = "INCIDENT_PLAYBOOK_ACTION_EXECUTED"
  case sloViolationRecorded = "INCIDENT_SLO_VIOLATION_RECORDED"
  case linkedToTicket = "INCIDENT_LINKED_TO_TICKET"
  case resolved = "INCIDENT_RESOLVED"
}

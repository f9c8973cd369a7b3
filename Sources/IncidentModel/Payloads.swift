// The twelve typed payloads of the event contract (`shared/design/events.md`).
// Every payload keeps the members it does not know in `extra`, in input order,
// so a draft can show them and an export can write them back.

/// INCIDENT_CREATED.
public struct IncidentCreated: Sendable, Hashable, Codable {
  public var projectId: String
  public var title: String
  public var serviceName: String
  public var severity: Severity
  public var environment: String
  public var detectedBy: String?
  public var initialCorrelationKey: String?
  public var runbookPath: String?
  public var primarySignalId: String?
  /// When impact began, if known before detection; may precede the event's `ts`.
  public var startedAt: Timestamp?
  public var extra: JSONObject

  public init(
    projectId: String, title: String, serviceName: String, severity: Severity, environment: String,
    detectedBy: String? = nil, initialCorrelationKey: String? = nil, runbookPath: String? = nil,
    primarySignalId: String? = nil, startedAt: Timestamp? = nil, extra: JSONObject = [:]
  ) {
    self.projectId = projectId
    self.title = title
    self.serviceName = serviceName
    self.severity = severity
    self.environment = environment
    self.detectedBy = detectedBy
    self.initialCorrelationKey = initialCorrelationKey
    self.runbookPath = runbookPath
    self.primarySignalId = primarySignalId
    self.startedAt = startedAt
    self.extra = extra
  }
}

/// INCIDENT_UPDATED: any subset of the descriptive fields.
public struct IncidentUpdated: Sendable, Hashable, Codable {
  public var title: String?
  public var serviceName: String?
  public var environment: String?
  public var projectId: String?
  public var runbookPath: String?
  public var detectedBy: String?
  public var extra: JSONObject

  public init(
    title: String? = nil, serviceName: String? = nil, environment: String? = nil, projectId: String? = nil,
    runbookPath: String? = nil, detectedBy: String? = nil, extra: JSONObject = [:]
  ) {
    self.title = title
    self.serviceName = serviceName
    self.environment = environment
    self.projectId = projectId
    self.runbookPath = runbookPath
    self.detectedBy = detectedBy
    self.extra = extra
  }
}

/// INCIDENT_STATUS_CHANGED.
public struct StatusChanged: Sendable, Hashable, Codable {
  public var newStatus: IncidentStatus
  public var fromStatus: IncidentStatus?
  public var reason: String?
  public var actorType: ActorType?
  public var actorRef: String?
  public var extra: JSONObject

  public init(
    newStatus: IncidentStatus, fromStatus: IncidentStatus? = nil, reason: String? = nil,
    actorType: ActorType? = nil, actorRef: String? = nil, extra: JSONObject = [:]
  ) {
    self.newStatus = newStatus
    self.fromStatus = fromStatus
    self.reason = reason
    self.actorType = actorType
    self.actorRef = actorRef
    self.extra = extra
  }
}

/// INCIDENT_SEVERITY_CHANGED.
public struct SeverityChanged: Sendable, Hashable, Codable {
  public var newSeverity: Severity
  public var fromSeverity: Severity?
  public var reason: String?
  public var actorType: ActorType?
  public var actorRef: String?
  public var extra: JSONObject

  public init(
    newSeverity: Severity, fromSeverity: Severity? = nil, reason: String? = nil,
    actorType: ActorType? = nil, actorRef: String? = nil, extra: JSONObject = [:]
  ) {
    self.newSeverity = newSeverity
    self.fromSeverity = fromSeverity
    self.reason = reason
    self.actorType = actorType
    self.actorRef = actorRef
    self.extra = extra
  }
}

/// INCIDENT_TAG_ADDED and INCIDENT_TAG_REMOVED.
public struct TagChanged: Sendable, Hashable, Codable {
  public var tag: String
  public var extra: JSONObject

  public init(tag: String, extra: JSONObject = [:]) {
    self.tag = tag
    self.extra = extra
  }
}

/// Request counts a METRIC signal carries for its window (`{"good":N,"total":M}` or `{"bad":N,"total":M}`).
public struct RequestCounts: Sendable, Hashable, Codable {
  public var good: Int64
  public var total: Int64
  public var windowStart: Timestamp?
  public var windowEnd: Timestamp?

  public var bad: Int64 { total - good }

  public init(good: Int64, total: Int64, windowStart: Timestamp? = nil, windowEnd: Timestamp? = nil) {
    self.good = good
    self.total = total
    self.windowStart = windowStart
    self.windowEnd = windowEnd
  }
}

/// INCIDENT_SIGNAL_INGESTED.
public struct SignalIngested: Sendable, Hashable, Codable {
  public var signalId: String
  public var signalType: SignalType
  public var serviceName: String?
  public var environment: String?
  public var correlationKey: String?
  public var traceId: String?
  public var source: String
  public var summary: String
  public var observedAt: Timestamp?
  /// The signal's free-form `data` object, as written.
  public var data: JSONObject?
  /// The request counts found in `data`, validated when the event was read.
  public var requestCounts: RequestCounts?
  public var extra: JSONObject

  public init(
    signalId: String, signalType: SignalType, serviceName: String? = nil, environment: String? = nil,
    correlationKey: String? = nil, traceId: String? = nil, source: String, summary: String,
    observedAt: Timestamp? = nil, data: JSONObject? = nil, requestCounts: RequestCounts? = nil,
    extra: JSONObject = [:]
  ) {
    self.signalId = signalId
    self.signalType = signalType
    self.serviceName = serviceName
    self.environment = environment
    self.correlationKey = correlationKey
    self.traceId = traceId
    self.source = source
    self.summary = summary
    self.observedAt = observedAt
    self.data = data
    self.requestCounts = requestCounts
    self.extra = extra
  }
}

/// INCIDENT_NOTE_ADDED.
public struct NoteAdded: Sendable, Hashable, Codable {
  public var text: String
  public var actorType: ActorType?
  public var actorRef: String?
  public var extra: JSONObject

  public init(text: String, actorType: ActorType? = nil, actorRef: String? = nil, extra: JSONObject = [:]) {
    self.text = text
    self.actorType = actorType
    self.actorRef = actorRef
    self.extra = extra
  }
}

/// INCIDENT_PLAYBOOK_ACTION_EXECUTED.
public struct PlaybookActionExecuted: Sendable, Hashable, Codable {
  public var actionKind: String
  public var label: String
  /// Free-form details: usually a string, sometimes an object.
  public var details: JSONValue?
  public var riskLevel: String?
  public var actorType: ActorType
  public var actorRef: String
  public var extra: JSONObject

  public init(
    actionKind: String, label: String, details: JSONValue? = nil, riskLevel: String? = nil,
    actorType: ActorType, actorRef: String, extra: JSONObject = [:]
  ) {
    self.actionKind = actionKind
    self.label = label
    self.details = details
    self.riskLevel = riskLevel
    self.actorType = actorType
    self.actorRef = actorRef
    self.extra = extra
  }
}

/// INCIDENT_SLO_VIOLATION_RECORDED: what the live system recorded, to compare with a recomputation.
public struct SLOViolationRecorded: Sendable, Hashable, Codable {
  public var sloId: String
  public var windowStart: Timestamp
  public var windowEnd: Timestamp
  /// Fraction of the error budget consumed, as recorded live (0...1, may exceed 1).
  public var errorBudgetConsumed: Double
  public var thresholdBreached: Bool
  public var details: JSONValue?
  public var extra: JSONObject

  public init(
    sloId: String, windowStart: Timestamp, windowEnd: Timestamp, errorBudgetConsumed: Double,
    thresholdBreached: Bool, details: JSONValue? = nil, extra: JSONObject = [:]
  ) {
    self.sloId = sloId
    self.windowStart = windowStart
    self.windowEnd = windowEnd
    self.errorBudgetConsumed = errorBudgetConsumed
    self.thresholdBreached = thresholdBreached
    self.details = details
    self.extra = extra
  }
}

/// INCIDENT_LINKED_TO_TICKET.
public struct LinkedToTicket: Sendable, Hashable, Codable {
  public var system: String
  public var ref: String
  public var url: String?
  public var extra: JSONObject

  public init(system: String, ref: String, url: String? = nil, extra: JSONObject = [:]) {
    self.system = system
    self.ref = ref
    self.url = url
    self.extra = extra
  }
}

/// INCIDENT_RESOLVED: the same effect as a status change to RESOLVED.
public struct IncidentResolved: Sendable, Hashable, Codable {
  public var summary: String?
  public var actorType: ActorType?
  public var actorRef: String?
  public var extra: JSONObject

  public init(summary: String? = nil, actorType: ActorType? = nil, actorRef: String? = nil, extra: JSONObject = [:]) {
    self.summary = summary
    self.actorType = actorType
    self.actorRef = actorRef
    self.extra = extra
  }
}

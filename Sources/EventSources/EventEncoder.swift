public import IncidentModel

/// Writes an ``IncidentEvent`` as one JSON Lines record.
///
/// Members come in the contract's order (`id`, `orgId`, `incidentId`, `ts`,
/// `type`, `payload`), payload fields in the order of `events.md`, then the
/// unknown members as they were read; absent optionals are left out.
/// Timestamps keep the offset they were written with. Decoding the output
/// gives back an equal event.
public enum EventEncoder {
  public static func jsonLine(_ event: IncidentEvent) -> String {
    var out = ""
    out.reserveCapacity(384)
    var object = ObjectWriter(out: out)
    object.string("id", event.id)
    object.string("orgId", event.orgId)
    object.string("incidentId", event.incidentId)
    object.timestamp("ts", event.ts)
    object.string("type", event.type)
    object.raw("payload", payloadJSON(event.payload))
    return object.close()
  }

  /// The payload as a JSON object, members in the same order as in ``jsonLine(_:)``.
  public static func payloadObject(_ payload: EventPayload) -> JSONObject {
    var text = payloadJSON(payload)
    let parsed = text.withUTF8 { bytes in
      Result { () throws(EventDecodingError) in
        var scanner = JSONScanner(bytes)
        return try scanner.readValue()
      }
    }
    // The encoder writes valid JSON; a non-object (an unknown type's payload) is wrapped.
    switch parsed {
    case .success(.object(let object)): return object
    case .success(let other): return ["value": other]
    case .failure: return [:]
    }
  }

  /// The payload as compact JSON text, members as in ``jsonLine(_:)``.
  public static func payloadJSON(_ payload: EventPayload) -> String {
    var o = ObjectWriter(out: "")
    switch payload {
    case .created(let p):
      o.string("projectId", p.projectId)
      o.string("title", p.title)
      o.string("serviceName", p.serviceName)
      o.string("severity", p.severity.rawValue)
      o.string("environment", p.environment)
      o.string("detectedBy", p.detectedBy)
      o.string("initialCorrelationKey", p.initialCorrelationKey)
      o.string("runbookPath", p.runbookPath)
      o.string("primarySignalId", p.primarySignalId)
      o.timestamp("startedAt", p.startedAt)
      o.extra(p.extra)
    case .updated(let p):
      o.string("title", p.title)
      o.string("serviceName", p.serviceName)
      o.string("environment", p.environment)
      o.string("projectId", p.projectId)
      o.string("runbookPath", p.runbookPath)
      o.string("detectedBy", p.detectedBy)
      o.extra(p.extra)
    case .statusChanged(let p):
      o.string("newStatus", p.newStatus.rawValue)
      o.string("fromStatus", p.fromStatus?.rawValue)
      o.string("reason", p.reason)
      o.string("actorType", p.actorType?.rawValue)
      o.string("actorRef", p.actorRef)
      o.extra(p.extra)
    case .severityChanged(let p):
      o.string("newSeverity", p.newSeverity.rawValue)
      o.string("fromSeverity", p.fromSeverity?.rawValue)
      o.string("reason", p.reason)
      o.string("actorType", p.actorType?.rawValue)
      o.string("actorRef", p.actorRef)
      o.extra(p.extra)
    case .tagAdded(let p), .tagRemoved(let p):
      o.string("tag", p.tag)
      o.extra(p.extra)
    case .signalIngested(let p):
      o.string("signalId", p.signalId)
      o.string("signalType", p.signalType.rawValue)
      o.string("serviceName", p.serviceName)
      o.string("environment", p.environment)
      o.string("correlationKey", p.correlationKey)
      o.string("traceId", p.traceId)
      o.string("source", p.source)
      o.string("summary", p.summary)
      o.timestamp("observedAt", p.observedAt)
      if let data = p.data { o.value("data", .object(data)) }
      o.extra(p.extra)
    case .noteAdded(let p):
      o.string("text", p.text)
      o.string("actorType", p.actorType?.rawValue)
      o.string("actorRef", p.actorRef)
      o.extra(p.extra)
    case .playbookActionExecuted(let p):
      o.string("actionKind", p.actionKind)
      o.string("label", p.label)
      if let details = p.details { o.value("details", details) }
      o.string("riskLevel", p.riskLevel)
      o.string("actorType", p.actorType.rawValue)
      o.string("actorRef", p.actorRef)
      o.extra(p.extra)
    case .sloViolationRecorded(let p):
      o.string("sloId", p.sloId)
      o.timestamp("windowStart", p.windowStart)
      o.timestamp("windowEnd", p.windowEnd)
      o.raw("errorBudgetConsumed", formatNumber(p.errorBudgetConsumed))
      o.raw("thresholdBreached", p.thresholdBreached ? "true" : "false")
      if let details = p.details { o.value("details", details) }
      o.extra(p.extra)
    case .linkedToTicket(let p):
      o.string("system", p.system)
      o.string("ref", p.ref)
      o.string("url", p.url)
      o.extra(p.extra)
    case .resolved(let p):
      o.string("summary", p.summary)
      o.string("actorType", p.actorType?.rawValue)
      o.string("actorRef", p.actorRef)
      o.extra(p.extra)
    case .unknown(_, let payload):
      return payload.description
    }
    return o.close()
  }

  /// The shortest decimal text that reads back as the same `Double` (`0.25`, `1`, `1.5e-05`).
  static func formatNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
  }
}

/// Appends the members of one JSON object.
private struct ObjectWriter {
  var out: String
  var first = true

  init(out: String) {
    self.out = out
    self.out += "{"
  }

  mutating func key(_ name: String) {
    if !first { out += "," }
    first = false
    JSONWriter.writeString(name, to: &out)
    out += ":"
  }

  mutating func string(_ name: String, _ value: String?) {
    guard let value else { return }
    key(name)
    JSONWriter.writeString(value, to: &out)
  }

  mutating func timestamp(_ name: String, _ value: Timestamp?) {
    guard let value else { return }
    key(name)
    out += "\""
    out += value.rfc3339(preservingOffset: true)
    out += "\""
  }

  mutating func raw(_ name: String, _ json: String) {
    key(name)
    out += json
  }

  mutating func value(_ name: String, _ value: JSONValue) {
    key(name)
    JSONWriter.write(value, to: &out)
  }

  mutating func extra(_ members: JSONObject) {
    for member in members { value(member.key, member.value) }
  }

  mutating func close() -> String {
    out += "}"
    return out
  }
}

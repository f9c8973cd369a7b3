public import IncidentModel

/// Decodes one JSON Lines record (the bytes of a line) into an ``IncidentEvent``.
///
/// Members may come in any order; `payload` is decoded once `type` is known.
/// Unknown top-level members are ignored; unknown payload members are kept in
/// the payload's `extra`; an unknown `type` becomes `.unknown` with its payload
/// kept whole.
public enum EventDecoder {
  /// Decodes `line` or throws the first problem, naming its field.
  public static func decode(line: UnsafeBufferPointer<UInt8>) throws(EventDecodingError) -> IncidentEvent {
    var scanner = JSONScanner(line)
    var id: String?
    var orgId: String?
    var incidentId: String?
    var ts: Timestamp?
    var type: PayloadDecoder.TypeName?
    var payloadRange: Range<Int>?
    var payload: EventPayload?
    do throws(EventDecodingError) {
      try scanner.forEachMember { (key, s) throws(EventDecodingError) in
        if key.is("id") {
          id = try s.readString("id")
        } else if key.is("orgId") {
          orgId = try s.readString("orgId")
        } else if key.is("incidentId") {
          incidentId = try s.readString("incidentId")
        } else if key.is("ts") {
          ts = try s.readTimestamp("ts")
        } else if key.is("type") {
          // Known types are matched on the bytes; only an unknown one becomes a String.
          guard s.peek() == 0x22 else { throw s.typeError("type", expected: "a string") }
          let opening = s.position
          let (start, stop, hasEscapes) = try s.scanString()
          if !hasEscapes, let known = JSONScanner.match(EventType.self, UnsafeBufferPointer(start: s.base + start, count: stop - start)) {
            type = .known(known)
          } else {
            s.position = opening
            type = .named(try s.readString("type"))
          }
        } else if key.is("payload") {
          guard s.peek() == 0x7B else { throw s.typeError("payload", expected: "an object") }
          let start = s.position
          if let type {
            // The usual order: the type is known, so the payload is decoded in the same pass.
            do throws(EventDecodingError) {
              payload = try PayloadDecoder.decode(type: type, from: &s)
              return
            } catch {
              // Reported after the envelope's own problems, as when the payload comes first.
              s.position = start
            }
          }
          try s.skipValue()
          payloadRange = start..<s.position
        } else {
          try s.skipValue()
        }
      }
      scanner.skipWhitespace()
      guard scanner.position == scanner.end else { throw scanner.syntaxError("the end of the line after the event") }

      guard let id else { throw EventDecodingError(.missingField, field: "id", reason: "is missing") }
      guard !id.isEmpty else { throw EventDecodingError(.invalidValue, field: "id", reason: "is empty") }
      guard let orgId, !orgId.isEmpty else {
        throw EventDecodingError(
          orgId == nil ? .missingField : .invalidValue, field: "orgId", reason: orgId == nil ? "is missing" : "is empty")
      }
      guard let incidentId, !incidentId.isEmpty else {
        throw EventDecodingError(
          incidentId == nil ? .missingField : .invalidValue, field: "incidentId",
          reason: incidentId == nil ? "is missing" : "is empty")
      }
      guard let ts else { throw EventDecodingError(.missingField, field: "ts", reason: "is missing") }
      guard let type else { throw EventDecodingError(.missingField, field: "type", reason: "is missing") }
      if payload == nil, let payloadRange {
        var payloadScanner = JSONScanner(base: scanner.base, range: payloadRange)
        payload = try PayloadDecoder.decode(type: type, from: &payloadScanner)
      }
      guard let payload else { throw EventDecodingError(.missingField, field: "payload", reason: "is missing") }
      return IncidentEvent(id: id, orgId: orgId, incidentId: incidentId, ts: ts, payload: payload)
    } catch {
      var error = error
      error.eventId = id
      throw error
    }
  }

  /// Decodes an event whose envelope came apart from its payload (a database row).
  ///
  /// The envelope fields are checked as a JSON line's are; `payload` is the JSON text of the payload.
  public static func decode(
    id: String, orgId: String, incidentId: String, ts: Timestamp, type: String, payload: UnsafeBufferPointer<UInt8>
  ) throws(EventDecodingError) -> IncidentEvent {
    do throws(EventDecodingError) {
      for (name, value) in [("id", id), ("orgId", orgId), ("incidentId", incidentId), ("type", type)] where value.isEmpty {
        throw EventDecodingError(.invalidValue, field: name, reason: "is empty")
      }
      var scanner = JSONScanner(payload)
      scanner.skipWhitespace()
      guard scanner.peek() == 0x7B else { throw scanner.typeError("payload", expected: "an object") }
      let decoded = try PayloadDecoder.decode(type: type, from: &scanner)
      scanner.skipWhitespace()
      guard scanner.position == scanner.end else { throw scanner.syntaxError("the end of the payload") }
      return IncidentEvent(id: id, orgId: orgId, incidentId: incidentId, ts: ts, payload: decoded)
    } catch {
      var error = error
      error.eventId = id
      throw error
    }
  }

  /// Decodes an event from a `String` (tests, small inputs).
  public static func decode(_ line: String) throws(EventDecodingError) -> IncidentEvent {
    var line = line
    let result = line.withUTF8 { bytes in
      Result { () throws(EventDecodingError) in try decode(line: bytes) }
    }
    return try result.get()
  }
}

/// Decodes the payload object of each known type.
enum PayloadDecoder {
  /// An event's `type`: one this toolkit knows, or the name as written.
  enum TypeName {
    case known(EventType)
    case named(String)
  }

  static func decode(type: String, from s: inout JSONScanner) throws(EventDecodingError) -> EventPayload {
    try decode(type: EventType(rawValue: type).map(TypeName.known) ?? .named(type), from: &s)
  }

  static func decode(type: TypeName, from s: inout JSONScanner) throws(EventDecodingError) -> EventPayload {
    let known: EventType
    switch type {
    case .known(let value): known = value
    case .named(let name):
      guard let value = EventType(rawValue: name) else { return .unknown(type: name, payload: try s.readValue()) }
      known = value
    }
    switch known {
    case .incidentCreated: return .created(try created(&s))
    case .incidentUpdated: return .updated(try updated(&s))
    case .statusChanged: return .statusChanged(try statusChanged(&s))
    case .severityChanged: return .severityChanged(try severityChanged(&s))
    case .tagAdded: return .tagAdded(try tag(&s))
    case .tagRemoved: return .tagRemoved(try tag(&s))
    case .signalIngested: return .signalIngested(try signal(&s))
    case .noteAdded: return .noteAdded(try note(&s))
    case .playbookActionExecuted: return .playbookActionExecuted(try action(&s))
    case .sloViolationRecorded: return .sloViolationRecorded(try sloViolation(&s))
    case .linkedToTicket: return .linkedToTicket(try ticket(&s))
    case .resolved: return .resolved(try resolved(&s))
    }
  }

  private static func required<T>(_ value: T?, _ field: String) throws(EventDecodingError) -> T {
    guard let value else { throw EventDecodingError(.missingField, field: field, reason: "is missing") }
    return value
  }

  private static func actorType(_ s: inout JSONScanner, _ field: String) throws(EventDecodingError) -> ActorType? {
    try s.readOptionalString(field).map(ActorType.init(rawValue:))
  }

  private static func created(_ s: inout JSONScanner) throws(EventDecodingError) -> IncidentCreated {
    var projectId: String?, title: String?, serviceName: String?, severity: Severity?, environment: String?
    var detectedBy: String?, initialCorrelationKey: String?, runbookPath: String?, primarySignalId: String?
    var startedAt: Timestamp?
    var extra = JSONObject()
    try s.forEachMember { (key, s) throws(EventDecodingError) in
      if key.is("projectId") {
        projectId = try s.readString("payload.projectId")
      } else if key.is("title") {
        title = try s.readString("payload.title")
      } else if key.is("serviceName") {
        serviceName = try s.readString("payload.serviceName")
      } else if key.is("severity") {
        severity = try s.readEnum(Severity.self, "payload.severity")
      } else if key.is("environment") {
        environment = try s.readString("payload.environment")
      } else if key.is("detectedBy") {
        detectedBy = try s.readOptionalString("payload.detectedBy")
      } else if key.is("initialCorrelationKey") {
        initialCorrelationKey = try s.readOptionalString("payload.initialCorrelationKey")
      } else if key.is("runbookPath") {
        runbookPath = try s.readOptionalString("payload.runbookPath")
      } else if key.is("primarySignalId") {
        primarySignalId = try s.readOptionalString("payload.primarySignalId")
      } else if key.is("startedAt") {
        startedAt = try s.readOptionalTimestamp("payload.startedAt")
      } else {
        extra.append(key.string, try s.readValue())
      }
    }
    guard let serviceName = serviceName, !serviceName.isEmpty else {
      throw EventDecodingError(
        serviceName == nil ? .missingField : .invalidValue, field: "payload.serviceName",
        reason: serviceName == nil ? "is missing" : "is empty")
    }
    return IncidentCreated(
      projectId: try required(projectId, "payload.projectId"), title: try required(title, "payload.title"),
      serviceName: serviceName, severity: try required(severity, "payload.severity"),
      environment: try required(environment, "payload.environment"), detectedBy: detectedBy,
      initialCorrelationKey: initialCorrelationKey, runbookPath: runbookPath, primarySignalId: primarySignalId,
      startedAt: startedAt, extra: extra)
  }

  private static func updated(_ s: inout JSONScanner) throws(EventDecodingError) -> IncidentUpdated {
    var p = IncidentUpdated()
    try s.forEachMember { (key, s) throws(EventDecodingError) in
      if key.is("title") {
        p.title = try s.readOptionalString("payload.title")
      } else if key.is("serviceName") {
        p.serviceName = try s.readOptionalString("payload.serviceName")
      } else if key.is("environment") {
        p.environment = try s.readOptionalString("payload.environment")
      } else if key.is("projectId") {
        p.projectId = try s.readOptionalString("payload.projectId")
      } else if key.is("runbookPath") {
        p.runbookPath = try s.readOptionalString("payload.runbookPath")
      } else if key.is("detectedBy") {
        p.detectedBy = try s.readOptionalString("payload.detectedBy")
      } else {
        p.extra.append(key.string, try s.readValue())
      }
    }
    return p
  }

  private static func statusChanged(_ s: inout JSONScanner) throws(EventDecodingError) -> StatusChanged {
    var newStatus: IncidentStatus?, fromStatus: IncidentStatus?, reason: String?
    var actor: ActorType?, actorRef: String?
    var extra = JSONObject()
    try s.forEachMember { (key, s) throws(EventDecodingError) in
      if key.is("newStatus") {
        newStatus = try s.readEnum(IncidentStatus.self, "payload.newStatus")
      } else if key.is("fromStatus") {
        fromStatus = try s.readOptionalEnum(IncidentStatus.self, "payload.fromStatus")
      } else if key.is("reason") {
        reason = try s.readOptionalString("payload.reason")
      } else if key.is("actorType") {
        actor = try actorType(&s, "payload.actorType")
      } else if key.is("actorRef") {
        actorRef = try s.readOptionalString("payload.actorRef")
      } else {
        extra.append(key.string, try s.readValue())
      }
    }
    return StatusChanged(
      newStatus: try required(newStatus, "payload.newStatus"), fromStatus: fromStatus, reason: reason,
      actorType: actor, actorRef: actorRef, extra: extra)
  }

  private static func severityChanged(_ s: inout JSONScanner) throws(EventDecodingError) -> SeverityChanged {
    var newSeverity: Severity?, fromSeverity: Severity?, reason: String?
    var actor: ActorType?, actorRef: String?
    var extra = JSONObject()
    try s.forEachMember { (key, s) throws(EventDecodingError) in
      if key.is("newSeverity") {
        newSeverity = try s.readEnum(Severity.self, "payload.newSeverity")
      } else if key.is("fromSeverity") {
        fromSeverity = try s.readOptionalEnum(Severity.self, "payload.fromSeverity")
      } else if key.is("reason") {
        reason = try s.readOptionalString("payload.reason")
      } else if key.is("actorType") {
        actor = try actorType(&s, "payload.actorType")
      } else if key.is("actorRef") {
        actorRef = try s.readOptionalString("payload.actorRef")
      } else {
        extra.append(key.string, try s.readValue())
      }
    }
    return SeverityChanged(
      newSeverity: try required(newSeverity, "payload.newSeverity"), fromSeverity: fromSeverity, reason: reason,
      actorType: actor, actorRef: actorRef, extra: extra)
  }

  private static func tag(_ s: inout JSONScanner) throws(EventDecodingError) -> TagChanged {
    var tag: String?
    var extra = JSONObject()
    try s.forEachMember { (key, s) throws(EventDecodingError) in
      if key.is("tag") {
        tag = try s.readString("payload.tag")
      } else {
        extra.append(key.string, try s.readValue())
      }
    }
    return TagChanged(tag: try required(tag, "payload.tag"), extra: extra)
  }

  private static func signal(_ s: inout JSONScanner) throws(EventDecodingError) -> SignalIngested {
    var signalId: String?, signalType: SignalType?, serviceName: String?, environment: String?
    var correlationKey: String?, traceId: String?, source: String?, summary: String?
    var observedAt: Timestamp?, data: JSONObject?
    var extra = JSONObject()
    try s.forEachMember { (key, s) throws(EventDecodingError) in
      if key.is("signalId") {
        signalId = try s.readString("payload.signalId")
      } else if key.is("signalType") {
        signalType = SignalType(rawValue: try s.readString("payload.signalType"))
      } else if key.is("serviceName") {
        serviceName = try s.readOptionalString("payload.serviceName")
      } else if key.is("environment") {
        environment = try s.readOptionalString("payload.environment")
      } else if key.is("correlationKey") {
        correlationKey = try s.readOptionalString("payload.correlationKey")
      } else if key.is("traceId") {
        traceId = try s.readOptionalString("payload.traceId")
      } else if key.is("source") {
        source = try s.readString("payload.source")
      } else if key.is("summary") {
        summary = try s.readString("payload.summary")
      } else if key.is("observedAt") {
        observedAt = try s.readOptionalTimestamp("payload.observedAt")
      } else if key.is("data") {
        if try s.readNull() { return }
        guard s.peek() == 0x7B else { throw s.typeError("payload.data", expected: "an object") }
        data = try s.readValue().objectValue
      } else {
        extra.append(key.string, try s.readValue())
      }
    }
    let type = try required(signalType, "payload.signalType")
    let counts = type == .metric ? try data.flatMap(requestCounts(in:)) : nil
    return SignalIngested(
      signalId: try required(signalId, "payload.signalId"), signalType: type, serviceName: serviceName,
      environment: environment, correlationKey: correlationKey, traceId: traceId,
      source: try required(source, "payload.source"), summary: try required(summary, "payload.summary"),
      observedAt: observedAt, data: data, requestCounts: counts, extra: extra)
  }

  /// The request counts of a METRIC signal's `data`, validated.
  ///
  /// They are `good` or `bad` with `total`, whole numbers, `0 ≤ good ≤ total`.
  /// Data without any of the three carries no counts.
  static func requestCounts(in data: JSONObject) throws(EventDecodingError) -> RequestCounts? {
    let good = data["good"], bad = data["bad"], total = data["total"]
    guard good != nil || bad != nil || total != nil else { return nil }
    func count(_ value: JSONValue?, _ name: String) throws(EventDecodingError) -> Int64? {
      guard let value, value != .null else { return nil }
      guard let n = value.int64Value ?? value.doubleValue.flatMap({ $0 == $0.rounded() ? Int64(exactly: $0) : nil })
      else {
        throw EventDecodingError(.invalidValue, field: "payload.data.\(name)", reason: "expected a whole number, got \(value)")
      }
      guard n >= 0 else { throw EventDecodingError(.invalidValue, field: "payload.data.\(name)", reason: "\(n) is negative") }
      return n
    }
    guard let totalCount = try count(total, "total") else {
      throw EventDecodingError(.missingField, field: "payload.data.total", reason: "is missing: request counts need a total")
    }
    let goodCount = try count(good, "good")
    let badCount = try count(bad, "bad")
    let resolvedGood: Int64
    switch (goodCount, badCount) {
    case (let g?, let b?):
      guard g + b == totalCount else {
        throw EventDecodingError(.invalidValue, field: "payload.data", reason: "good (\(g)) + bad (\(b)) ≠ total (\(totalCount))")
      }
      resolvedGood = g
    case (let g?, nil): resolvedGood = g
    case (nil, let b?): resolvedGood = totalCount - b
    case (nil, nil):
      throw EventDecodingError(.missingField, field: "payload.data.good", reason: "is missing: request counts need good or bad")
    }
    guard resolvedGood >= 0, resolvedGood <= totalCount else {
      let name = goodCount != nil ? "good" : "bad"
      throw EventDecodingError(.invalidValue, field: "payload.data.\(name)", reason: "exceeds total (\(totalCount))")
    }
    func instant(_ name: String) throws(EventDecodingError) -> Timestamp? {
      guard let value = data[name], value != .null else { return nil }
      guard let text = value.stringValue else {
        throw EventDecodingError(
          .invalidValue, field: "payload.data.\(name)", reason: "expected an RFC 3339 timestamp string, got \(value.typeName)")
      }
      do {
        return try Timestamp(rfc3339: text)
      } catch {
        throw EventDecodingError(
          .invalidTimestamp, field: "payload.data.\(name)", reason: "\"\(text)\" is not an RFC 3339 timestamp: \(error)")
      }
    }
    return RequestCounts(
      good: resolvedGood, total: totalCount, windowStart: try instant("windowStart"), windowEnd: try instant("windowEnd"))
  }

  private static func note(_ s: inout JSONScanner) throws(EventDecodingError) -> NoteAdded {
    var text: String?, actor: ActorType?, actorRef: String?
    var extra = JSONObject()
    try s.forEachMember { (key, s) throws(EventDecodingError) in
      if key.is("text") {
        text = try s.readString("payload.text")
      } else if key.is("actorType") {
        actor = try actorType(&s, "payload.actorType")
      } else if key.is("actorRef") {
        actorRef = try s.readOptionalString("payload.actorRef")
      } else {
        extra.append(key.string, try s.readValue())
      }
    }
    return NoteAdded(text: try required(text, "payload.text"), actorType: actor, actorRef: actorRef, extra: extra)
  }

  private static func action(_ s: inout JSONScanner) throws(EventDecodingError) -> PlaybookActionExecuted {
    var actionKind: String?, label: String?, details: JSONValue?, riskLevel: String?
    var actor: ActorType?, actorRef: String?
    var extra = JSONObject()
    try s.forEachMember { (key, s) throws(EventDecodingError) in
      if key.is("actionKind") {
        actionKind = try s.readString("payload.actionKind")
      } else if key.is("label") {
        label = try s.readString("payload.label")
      } else if key.is("details") {
        let value = try s.readValue()
        details = value == .null ? nil : value
      } else if key.is("riskLevel") {
        riskLevel = try s.readOptionalString("payload.riskLevel")
      } else if key.is("actorType") {
        actor = try actorType(&s, "payload.actorType")
      } else if key.is("actorRef") {
        actorRef = try s.readString("payload.actorRef")
      } else {
        extra.append(key.string, try s.readValue())
      }
    }
    return PlaybookActionExecuted(
      actionKind: try required(actionKind, "payload.actionKind"), label: try required(label, "payload.label"),
      details: details, riskLevel: riskLevel, actorType: try required(actor, "payload.actorType"),
      actorRef: try required(actorRef, "payload.actorRef"), extra: extra)
  }

  private static func sloViolation(_ s: inout JSONScanner) throws(EventDecodingError) -> SLOViolationRecorded {
    var sloId: String?, windowStart: Timestamp?, windowEnd: Timestamp?, consumed: Double?, breached: Bool?
    var details: JSONValue?
    var extra = JSONObject()
    try s.forEachMember { (key, s) throws(EventDecodingError) in
      if key.is("sloId") {
        sloId = try s.readString("payload.sloId")
      } else if key.is("windowStart") {
        windowStart = try s.readTimestamp("payload.windowStart")
      } else if key.is("windowEnd") {
        windowEnd = try s.readTimestamp("payload.windowEnd")
      } else if key.is("errorBudgetConsumed") {
        consumed = try s.readDouble("payload.errorBudgetConsumed")
      } else if key.is("thresholdBreached") {
        breached = try s.readBool("payload.thresholdBreached")
      } else if key.is("details") {
        let value = try s.readValue()
        details = value == .null ? nil : value
      } else {
        extra.append(key.string, try s.readValue())
      }
    }
    let start = try required(windowStart, "payload.windowStart")
    let end = try required(windowEnd, "payload.windowEnd")
    guard start <= end else {
      throw EventDecodingError(.invalidValue, field: "payload.windowEnd", reason: "\(end) is before windowStart \(start)")
    }
    let budget = try required(consumed, "payload.errorBudgetConsumed")
    guard budget >= 0 else {
      throw EventDecodingError(.invalidValue, field: "payload.errorBudgetConsumed", reason: "\(budget) is negative")
    }
    return SLOViolationRecorded(
      sloId: try required(sloId, "payload.sloId"), windowStart: start, windowEnd: end, errorBudgetConsumed: budget,
      thresholdBreached: try required(breached, "payload.thresholdBreached"), details: details, extra: extra)
  }

  private static func ticket(_ s: inout JSONScanner) throws(EventDecodingError) -> LinkedToTicket {
    var system: String?, ref: String?, url: String?
    var extra = JSONObject()
    try s.forEachMember { (key, s) throws(EventDecodingError) in
      if key.is("system") {
        system = try s.readString("payload.system")
      } else if key.is("ref") {
        ref = try s.readString("payload.ref")
      } else if key.is("url") {
        url = try s.readOptionalString("payload.url")
      } else {
        extra.append(key.string, try s.readValue())
      }
    }
    return LinkedToTicket(system: try required(system, "payload.system"), ref: try required(ref, "payload.ref"), url: url, extra: extra)
  }

  private static func resolved(_ s: inout JSONScanner) throws(EventDecodingError) -> IncidentResolved {
    var p = IncidentResolved()
    try s.forEachMember { (key, s) throws(EventDecodingError) in
      if key.is("summary") {
        p.summary = try s.readOptionalString("payload.summary")
      } else if key.is("actorType") {
        p.actorType = try actorType(&s, "payload.actorType")
      } else if key.is("actorRef") {
        p.actorRef = try s.readOptionalString("payload.actorRef")
      } else {
        p.extra.append(key.string, try s.readValue())
      }
    }
    return p
  }
}

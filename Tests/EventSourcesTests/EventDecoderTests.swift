import EventSources
import IncidentModel
import ReplayEngine
import TestSupport
import Testing

/// Wraps a payload in the envelope of one event.
private func line(_ type: String, _ payload: String, ts: String = "2026-11-02T10:15:30.123Z") -> String {
  #"{"id":"evt_1","orgId":"org_acme","incidentId":"inc_42","ts":"\#(ts)","type":"\#(type)","payload":\#(payload)}"#
}

@Suite("Decoding the twelve payload types")
struct EventDecoderTests {
  @Test func decodesTheEnvelope() throws {
    let event = try EventDecoder.decode(line("INCIDENT_TAG_ADDED", #"{"tag":"db"}"#, ts: "2026-11-02T12:15:30.123+02:00"))
    #expect(event.id == "evt_1")
    #expect(event.orgId == "org_acme")
    #expect(event.incidentId == "inc_42")
    #expect(event.ts == ts("2026-11-02T10:15:30.123Z"))
    #expect(event.ts.utcOffsetMinutes == 120)
    #expect(event.type == "INCIDENT_TAG_ADDED")
  }

  @Test func decodesIncidentCreatedWithItsOptionalsAndUnknownMembers() throws {
    let event = try EventDecoder.decode(
      line(
        "INCIDENT_CREATED",
        #"{"projectId":"p1","title":"Checkout 5xx","serviceName":"checkout-api","severity":"SEV1","environment":"prod","detectedBy":"grafana","initialCorrelationKey":"k1","runbookPath":"rb.md","primarySignalId":"sig_1","startedAt":"2026-11-02T10:00:00Z","region":"eu-west-1","owners":["sre"]}"#
      ))
    let expected = IncidentCreated(
      projectId: "p1", title: "Checkout 5xx", serviceName: "checkout-api", severity: .sev1, environment: "prod",
      detectedBy: "grafana", initialCorrelationKey: "k1", runbookPath: "rb.md", primarySignalId: "sig_1",
      startedAt: ts("2026-11-02T10:00:00Z"), extra: ["region": .string("eu-west-1"), "owners": .array([.string("sre")])])
    #expect(event.payload == .created(expected))
  }

  @Test func decodesIncidentUpdatedAsASubset() throws {
    let event = try EventDecoder.decode(line("INCIDENT_UPDATED", #"{"title":"New title","runbookPath":null}"#))
    #expect(event.payload == .updated(IncidentUpdated(title: "New title")))
  }

  @Test func decodesStatusAndSeverityChanges() throws {
    let status = try EventDecoder.decode(
      line(
        "INCIDENT_STATUS_CHANGED",
        #"{"newStatus":"MITIGATED","fromStatus":"INVESTIGATING","reason":"rolled back","actorType":"USER","actorRef":"user_7"}"#))
    #expect(
      status.payload
        == .statusChanged(
          StatusChanged(newStatus: .mitigated, fromStatus: .investigating, reason: "rolled back", actorType: .user, actorRef: "user_7")))
    let severity = try EventDecoder.decode(
      line("INCIDENT_SEVERITY_CHANGED", #"{"newSeverity":"SEV1","fromSeverity":"SEV3","actorType":"INTEGRATION"}"#))
    #expect(
      severity.payload
        == .severityChanged(SeverityChanged(newSeverity: .sev1, fromSeverity: .sev3, actorType: ActorType(rawValue: "INTEGRATION"))))
  }

  @Test func decodesTags() throws {
    #expect(try EventDecoder.decode(line("INCIDENT_TAG_ADDED", #"{"tag":"db"}"#)).payload == .tagAdded(TagChanged(tag: "db")))
    #expect(try EventDecoder.decode(line("INCIDENT_TAG_REMOVED", #"{"tag":"db"}"#)).payload == .tagRemoved(TagChanged(tag: "db")))
  }

  @Test func decodesAMetricSignalWithItsRequestCounts() throws {
    let event = try EventDecoder.decode(
      line(
        "INCIDENT_SIGNAL_INGESTED",
        #"{"signalId":"sig_2","signalType":"METRIC","serviceName":"payments","correlationKey":"payments:5xx","traceId":"t-1","source":"prometheus","summary":"5xx ratio","observedAt":"2026-11-02T10:05:10Z","data":{"bad":25,"total":1000,"windowStart":"2026-11-02T10:00:00Z","windowEnd":"2026-11-02T10:05:00Z"}}"#
      ))
    guard case .signalIngested(let signal) = event.payload else {
      Issue.record("expected a signal, got \(event.payload)")
      return
    }
    #expect(signal.signalType == .metric)
    #expect(signal.correlationKey == "payments:5xx")
    #expect(
      signal.requestCounts
        == RequestCounts(good: 975, total: 1000, windowStart: ts("2026-11-02T10:00:00Z"), windowEnd: ts("2026-11-02T10:05:00Z")))
    #expect(signal.data?["windowEnd"] == .string("2026-11-02T10:05:00Z"))
  }

  @Test func readsCountsOnlyFromMetricSignals() throws {
    let event = try EventDecoder.decode(
      line("INCIDENT_SIGNAL_INGESTED", #"{"signalId":"s","signalType":"ALERT","source":"am","summary":"firing","data":{"good":"n/a"}}"#))
    guard case .signalIngested(let signal) = event.payload else { return }
    #expect(signal.requestCounts == nil)
    #expect(signal.data == ["good": .string("n/a")])
  }

  @Test func decodesNotesActionsViolationsTicketsAndResolution() throws {
    #expect(
      try EventDecoder.decode(
        line("INCIDENT_NOTE_ADDED", #"{"text":"Rolled back \"v2\"\nline two \u00e9 \ud83d\ude80","actorType":"USER"}"#)
      ).payload
        == .noteAdded(NoteAdded(text: "Rolled back \"v2\"\nline two é 🚀", actorType: .user)))
    #expect(
      try EventDecoder.decode(
        line(
          "INCIDENT_PLAYBOOK_ACTION_EXECUTED",
          #"{"actionKind":"ROLLBACK","label":"Roll back","details":{"to":"v1"},"riskLevel":"MEDIUM","actorType":"AUTOMATION","actorRef":"bot"}"#
        )
      ).payload
        == .playbookActionExecuted(
          PlaybookActionExecuted(
            actionKind: "ROLLBACK", label: "Roll back", details: .object(["to": .string("v1")]), riskLevel: "MEDIUM",
            actorType: .automation, actorRef: "bot")))
    #expect(
      try EventDecoder.decode(
        line(
          "INCIDENT_SLO_VIOLATION_RECORDED",
          #"{"sloId":"checkout-availability","windowStart":"2026-10-05T00:00:00Z","windowEnd":"2026-11-02T00:00:00Z","errorBudgetConsumed":0.42,"thresholdBreached":true,"details":"burn 14.4x"}"#
        )
      ).payload
        == .sloViolationRecorded(
          SLOViolationRecorded(
            sloId: "checkout-availability", windowStart: ts("2026-10-05T00:00:00Z"), windowEnd: ts("2026-11-02T00:00:00Z"),
            errorBudgetConsumed: 0.42, thresholdBreached: true, details: .string("burn 14.4x"))))
    #expect(
      try EventDecoder.decode(line("INCIDENT_LINKED_TO_TICKET", #"{"system":"JIRA","ref":"OPS-1","url":"https://j/OPS-1"}"#)).payload
        == .linkedToTicket(LinkedToTicket(system: "JIRA", ref: "OPS-1", url: "https://j/OPS-1")))
    #expect(
      try EventDecoder.decode(line("INCIDENT_RESOLVED", #"{"summary":"fixed"}"#)).payload
        == .resolved(IncidentResolved(summary: "fixed")))
  }

  @Test func keepsAnUnknownTypeWhole() throws {
    let event = try EventDecoder.decode(line("INCIDENT_ESCALATED", #"{"to":"vp","level":2}"#))
    #expect(event.payload == .unknown(type: "INCIDENT_ESCALATED", payload: .object(["to": .string("vp"), "level": .number("2")])))
  }

  @Test func acceptsMembersInAnyOrderAndIgnoresUnknownTopLevelMembers() throws {
    let event = try EventDecoder.decode(
      #"  {"payload":{"newStatus":"OPEN"},"exportedAt":"x","type":"INCIDENT_STATUS_CHANGED","ts":"2026-11-02T10:00:00Z","incidentId":"i","orgId":"o","id":"e"} "#
    )
    #expect(event.payload == .statusChanged(StatusChanged(newStatus: .open)))
  }

  @Test func writesEventsThatReadBackEqual() throws {
    // Every event of the committed samples survives encode → decode unchanged.
    var count = 0
    try JSONLinesSource(paths: [Repository.path("samples/events.jsonl")]).read(
      event: { event, _ in
        count += 1
        let again = try EventDecoder.decode(EventEncoder.jsonLine(event))
        #expect(again == event, "\(event.id)")
      },
      broken: { origin, error in Issue.record("sample line \(origin.record) is broken: \(error)") })
    #expect(count > 6000)
  }
}

@Suite("Broken lines: skipped and named with their line, field and reason")
struct BrokenLineTests {
  /// Each broken line of `Tests/Fixtures/broken-lines.jsonl`, with what must be said about it.
  static let expected: [(line: Int64, kind: EventDecodingError.Kind, field: String?, reason: String)] = [
    (3, .invalidJSON, nil, "invalid JSON at column 79: expected ',' or '}', found the end of the line"),
    (4, .missingField, "incidentId", "is missing"),
    (5, .invalidTimestamp, "ts", "\"2026-02-30T10:00:00Z\" is not an RFC 3339 timestamp: day 30 is out of range"),
    (6, .invalidValue, "orgId", "expected a string, got a number"),
    (7, .invalidValue, "payload.newStatus", "\"DONE\" is not one of OPEN, INVESTIGATING, MITIGATED, RESOLVED, CANCELLED"),
    (8, .missingField, "payload.title", "is missing"),
    (9, .invalidValue, "payload", "expected an object, got a string"),
    (10, .invalidValue, "payload.data.good", "exceeds total (100)"),
    (11, .invalidJSON, nil, "invalid JSON at column 245: expected the end of the line after the event, found 'x'"),
    (16, .invalidJSON, nil, "invalid JSON at column 130: expected no raw control character inside a string, found byte 0x9"),
    (17, .invalidJSON, nil, "invalid JSON at column 130: bad escape sequence"),
    (18, .invalidValue, "payload.windowEnd", "2026-11-01T00:00:00.000Z is before windowStart 2026-11-02T00:00:00.000Z"),
    (19, .invalidValue, "id", "is empty"),
    (20, .invalidValue, "payload.data.good", "expected a whole number, got \"ten\""),
  ]

  @Test func namesEachBrokenLine() throws {
    var broken: [(Int64, EventDecodingError)] = []
    var decoded: [Int64] = []
    try JSONLinesSource(paths: [Repository.path("Tests/Fixtures/broken-lines.jsonl")]).read(
      event: { _, origin in decoded.append(origin.record) },
      broken: { origin, error in broken.append((origin.record, error)) })
    #expect(broken.map(\.0) == Self.expected.map(\.line))
    for ((line, error), expected) in zip(broken, Self.expected) {
      #expect(error.kind == expected.kind, "line \(line)")
      #expect(error.field == expected.field, "line \(line)")
      #expect(error.reason == expected.reason, "line \(line)")
    }
    // Valid lines still decode, the blank line 2 is no record, and the last line has no newline.
    #expect(decoded == [1, 12, 13, 14, 15, 21])
  }

  @Test func reportsFileLineFieldAndReasonOnOneLine() throws {
    var diagnostics: [String] = []
    let path = Repository.path("Tests/Fixtures/broken-lines.jsonl")
    let loaded = try IncidentLoader.load(from: JSONLinesSource(paths: [path]), report: { diagnostics.append($0.description) })
    #expect(
      diagnostics.contains(
        "\(path):7: event evt_7: field \"payload.newStatus\": \"DONE\" is not one of OPEN, INVESTIGATING, MITIGATED, RESOLVED, CANCELLED"))
    #expect(diagnostics.contains("\(path):14: event evt_13: same id as the event at \(path):13 but different content; skipped"))
    #expect(diagnostics.contains("\(path):12: warning: event evt_12 has unknown type \"INCIDENT_ESCALATED\"; kept but ignored by replay"))
    #expect(diagnostics.allSatisfy { !$0.contains("\n") })
    let summary = loaded.summary
    #expect(summary.recordsRead == 20)
    #expect(summary.brokenRecords == 14)
    #expect(summary.conflictingDuplicates == 1)
    #expect(summary.exactDuplicates == 1)
    #expect(summary.uniqueEvents == 4)
    #expect(summary.skipped == 15)
    #expect(summary.skippedByReason["invalid JSON"] == ["\(path):3", "\(path):11", "\(path):16", "\(path):17"])
    // inc_a survives: created, investigating (first of the conflict), resolved.
    let incident = try #require(loaded.snapshots.first { $0.incidentId == "inc_a" })
    #expect(incident.statusHistory.map(\.value) == [.open, .investigating, .resolved])
  }

  @Test func strictStopsAtTheFirstBrokenRecord() throws {
    let path = Repository.path("Tests/Fixtures/broken-lines.jsonl")
    #expect {
      try IncidentLoader.load(from: JSONLinesSource(paths: [path]), options: LoadOptions(strict: true), report: { _ in })
    } throws: { error in
      guard case InputError.strictStop(let diagnostic) = error else { return false }
      return diagnostic.location == "\(path):3" && "\(error)".hasSuffix("(stopped by --strict)")
    }
  }
}

@Suite("A database row's payload that is not JSON")
struct RowPayloadTests {
  @Test(arguments: [
    ("not json {", "invalid JSON"), ("nullify", "invalid JSON"), ("null", "expected an object, got null"),
    ("true", "expected an object, got a boolean"), ("[1]", "expected an object, got an array"),
  ])
  func isNamedForWhatItIs(payload: String, expected: String) {
    var text = payload
    let error = text.withUTF8 { bytes in
      #expect(throws: EventDecodingError.self) {
        try EventDecoder.decode(
          id: "evt_1", orgId: "org_x", incidentId: "inc_a", ts: Timestamp(millisecondsSinceEpoch: 0), type: "INCIDENT_NOTE_ADDED",
          payload: bytes)
      }
    }
    #expect(error?.description.contains(expected) == true, "\(payload): \(error.map { "\($0)" } ?? "none")")
    #expect(error?.eventId == "evt_1")
  }
}

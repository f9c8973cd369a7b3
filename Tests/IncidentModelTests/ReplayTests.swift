import TestSupport
import Testing

@testable import IncidentModel

@Suite("Replay of one incident's events")
struct ReplayTests {
  @Test func projectsTheLifecycleOfAPlainIncident() {
    var f = EventFactory()
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z", startedAt: "2026-11-02T09:50:00Z"),
      f.status("2026-11-02T10:05:00Z", .investigating, from: .open),
      f.status("2026-11-02T10:45:00Z", .mitigated, from: .investigating),
      f.status("2026-11-02T12:00:00Z", .resolved, from: .mitigated),
    ]).snapshot
    #expect(snapshot.status == .resolved)
    #expect(snapshot.severity == .sev2)
    #expect(snapshot.lifecycle.createdAt == ts("2026-11-02T10:00:00Z"))
    #expect(snapshot.lifecycle.impactStartedAt == ts("2026-11-02T09:50:00Z"))
    #expect(snapshot.lifecycle.acknowledgedAt == ts("2026-11-02T10:05:00Z"))
    #expect(snapshot.lifecycle.mitigatedAt == ts("2026-11-02T10:45:00Z"))
    #expect(snapshot.lifecycle.resolvedAt == ts("2026-11-02T12:00:00Z"))
    // 10 min to detect, 5 to acknowledge, 55 to mitigate and 130 to resolve, from impact start.
    #expect(snapshot.lifecycle.timeToDetect == 600_000)
    #expect(snapshot.lifecycle.timeToAcknowledge == 300_000)
    #expect(snapshot.lifecycle.timeToMitigate == 3_300_000)
    #expect(snapshot.lifecycle.timeToResolve == 7_800_000)
    #expect(snapshot.statusHistory.map(\.value) == [.open, .investigating, .mitigated, .resolved])
    #expect(snapshot.statusHistory[1].start == ts("2026-11-02T10:05:00Z"))
    #expect(snapshot.statusHistory[1].end == ts("2026-11-02T10:45:00Z"))
    #expect(snapshot.statusHistory[3].end == nil)
    #expect(snapshot.notices.isEmpty)
  }

  @Test func givesTheSameSnapshotWhateverTheInputOrder() {
    var f = EventFactory()
    let events = [
      f.created("2026-11-02T10:00:00Z"),
      f.note("2026-11-02T10:02:00Z"),
      f.severity("2026-11-02T10:10:00Z", .sev1, from: .sev2),
      f.status("2026-11-02T10:20:00Z", .mitigated),
      f.severity("2026-11-02T10:30:00Z", .sev3, from: .sev1),
      f.status("2026-11-02T11:00:00Z", .resolved),
    ]
    let ordered = replay(events).snapshot
    for shift in 1..<events.count {
      let rotated = Array(events[shift...] + events[..<shift])
      let snapshot = replay(rotated).snapshot
      #expect(snapshot.statusHistory == ordered.statusHistory, "rotated by \(shift)")
      #expect(snapshot.severityHistory == ordered.severityHistory, "rotated by \(shift)")
      #expect(snapshot.lifecycle == ordered.lifecycle, "rotated by \(shift)")
    }
  }

  @Test func breaksTimestampTiesBySourcePositionAndLeavesNoZeroLengthSpan() {
    var f = EventFactory()
    // Both changes share an instant: the later line wins, and no empty span remains.
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z"),
      f.status("2026-11-02T10:05:00Z", .investigating),
      f.status("2026-11-02T10:05:00Z", .mitigated),
    ]).snapshot
    #expect(snapshot.statusHistory.map(\.value) == [.open, .mitigated])
    #expect(snapshot.statusHistory[0].end == ts("2026-11-02T10:05:00Z"))
    #expect(snapshot.status == .mitigated)
    // The move to INVESTIGATING still happened: it acknowledged the incident.
    #expect(snapshot.lifecycle.acknowledgedAt == ts("2026-11-02T10:05:00Z"))

    var g = EventFactory()
    let reversed = replay([
      g.created("2026-11-02T10:00:00Z"),
      g.status("2026-11-02T10:05:00Z", .mitigated),
      g.status("2026-11-02T10:05:00Z", .investigating),
    ]).snapshot
    #expect(reversed.status == .investigating)
  }

  @Test func countsAReopenAndTakesMitigationAfterTheLastOne() {
    var f = EventFactory()
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z"),
      f.status("2026-11-02T10:10:00Z", .investigating),
      f.status("2026-11-02T10:30:00Z", .mitigated),
      f.status("2026-11-02T11:00:00Z", .resolved),
      f.status("2026-11-02T13:00:00Z", .investigating, from: .resolved),
      f.status("2026-11-02T13:40:00Z", .mitigated),
      f.event("2026-11-02T15:00:00Z", .resolved(IncidentResolved(summary: "fixed for good"))),
    ]).snapshot
    #expect(snapshot.reopenCount == 1)
    #expect(snapshot.lifecycle.mitigatedAt == ts("2026-11-02T13:40:00Z"))
    #expect(snapshot.lifecycle.resolvedAt == ts("2026-11-02T15:00:00Z"))
    #expect(snapshot.statusHistory.map(\.value) == [.open, .investigating, .mitigated, .resolved, .investigating, .mitigated, .resolved])
  }

  @Test func aReopenedIncidentHasNoMitigationUntilMitigatedAgain() {
    var f = EventFactory()
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z"),
      f.status("2026-11-02T10:30:00Z", .mitigated),
      f.status("2026-11-02T11:00:00Z", .open),
    ]).snapshot
    #expect(snapshot.status == .open)
    #expect(snapshot.lifecycle.mitigatedAt == nil)
    #expect(snapshot.reopenCount == 1)
  }

  @Test func aResolutionWithoutMitigationEndsTheImpact() {
    var f = EventFactory()
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z"),
      f.event("2026-11-02T10:50:00Z", .resolved(IncidentResolved())),
    ]).snapshot
    #expect(snapshot.lifecycle.mitigatedAt == ts("2026-11-02T10:50:00Z"))
    #expect(snapshot.lifecycle.resolvedAt == ts("2026-11-02T10:50:00Z"))
  }

  @Test func marksACancelledFalseAlarm() {
    var f = EventFactory()
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z"),
      f.status("2026-11-02T10:07:00Z", .cancelled),
    ]).snapshot
    #expect(snapshot.isCancelled)
    #expect(snapshot.lifecycle.cancelledAt == ts("2026-11-02T10:07:00Z"))
    #expect(snapshot.lifecycle.mitigatedAt == nil)
    #expect(snapshot.lifecycle.acknowledgedAt == nil)
  }

  @Test func recordsSeverityAsIntervals() {
    var f = EventFactory()
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z", severity: .sev3),
      f.severity("2026-11-02T10:20:00Z", .sev1, from: .sev3),
      f.severity("2026-11-02T10:20:00Z", .sev2, from: .sev1),  // same instant: replaces the SEV1 span
      f.severity("2026-11-02T11:00:00Z", .sev2),  // no change
      f.severity("2026-11-02T12:00:00Z", .sev4, from: .sev2),
    ]).snapshot
    #expect(snapshot.severityHistory.map(\.value) == [.sev3, .sev2, .sev4])
    #expect(snapshot.severityHistory.map(\.start) == [ts("2026-11-02T10:00:00Z"), ts("2026-11-02T10:20:00Z"), ts("2026-11-02T12:00:00Z")])
    #expect(snapshot.severityHistory.map(\.end) == [ts("2026-11-02T10:20:00Z"), ts("2026-11-02T12:00:00Z"), nil])
    #expect(snapshot.severity == .sev4)
  }

  @Test func replaysAnIncidentWhoseCreationIsMissing() {
    var f = EventFactory()
    let snapshot = replay([
      f.metric("2026-11-02T10:03:00Z", good: 90, total: 100, service: "search", key: "search:lag"),
      f.status("2026-11-02T10:10:00Z", .mitigated, from: .investigating),
      f.severity("2026-11-02T10:20:00Z", .sev3, from: .sev2),
    ]).snapshot
    #expect(!snapshot.hasCreationEvent)
    #expect(snapshot.lifecycle.createdAt == ts("2026-11-02T10:03:00Z"))
    #expect(snapshot.serviceName == "search")
    #expect(snapshot.correlationKeys == ["search:lag"])
    #expect(snapshot.statusHistory.map(\.value) == [.investigating, .mitigated])
    #expect(snapshot.statusHistory[0].start == ts("2026-11-02T10:03:00Z"))
    #expect(snapshot.statusHistory[0].eventId == nil)
    #expect(snapshot.severityHistory.map(\.value) == [.sev2, .sev3])
    #expect(snapshot.notices.first == .missingCreation(earliestEventId: "inc_1_e1", at: ts("2026-11-02T10:03:00Z")))

    var g = EventFactory()
    let unknownBefore = replay([g.note("2026-11-02T10:00:00Z"), g.status("2026-11-02T10:10:00Z", .mitigated)]).snapshot
    #expect(unknownBefore.statusHistory.map(\.value) == [.open, .mitigated])
    #expect(unknownBefore.statusHistory[0].start == ts("2026-11-02T10:00:00Z"))
    #expect(unknownBefore.notices.contains(.statusAssumed(.open, from: ts("2026-11-02T10:00:00Z"))))
  }

  @Test func acknowledgesAtTheFirstHumanActOrInvestigation() {
    var f = EventFactory()
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z"),
      f.note("2026-11-02T10:01:00Z", "auto triage", actor: .automation),
      f.event(
        "2026-11-02T10:02:00Z",
        .playbookActionExecuted(PlaybookActionExecuted(actionKind: "RESTART", label: "restart", actorType: .system, actorRef: "bot"))),
      f.note("2026-11-02T10:04:00Z", "on it", actor: nil),
      f.status("2026-11-02T10:09:00Z", .investigating),
    ]).snapshot
    #expect(snapshot.lifecycle.acknowledgedAt == ts("2026-11-02T10:04:00Z"))
    #expect(snapshot.noteCount == 2)
    #expect(snapshot.actionCount == 1)
  }

  @Test func keepsKeysTagsAndRequestSamples() {
    var f = EventFactory()
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z", key: "checkout-api:db"),
      f.event("2026-11-02T10:00:01Z", .tagAdded(TagChanged(tag: "database"))),
      f.event("2026-11-02T10:00:02Z", .tagAdded(TagChanged(tag: "customer-facing"))),
      f.event("2026-11-02T10:30:00Z", .tagRemoved(TagChanged(tag: "database"))),
      f.metric("2026-11-02T10:06:00Z", good: 95, total: 100, windowEnd: "2026-11-02T10:05:00Z", key: "checkout-api:db"),
      f.metric(
        "2026-11-02T10:11:00Z", good: 40, total: 50, observedAt: "2026-11-02T10:10:30Z", service: "payments", key: "payments:timeout"),
      f.metric("2026-11-02T10:16:00Z", good: 7, total: 7),
    ]).snapshot
    #expect(snapshot.tags == ["customer-facing"])
    #expect(snapshot.correlationKeys == ["checkout-api:db", "payments:timeout"])
    #expect(snapshot.signalCount == 3)
    // Counts belong to windowEnd, else observedAt, else ts; a signal without a service counts for the incident's.
    #expect(snapshot.requestSamples.map(\.instant) == [ts("2026-11-02T10:05:00Z"), ts("2026-11-02T10:10:30Z"), ts("2026-11-02T10:16:00Z")])
    #expect(snapshot.requestSamples.map(\.serviceName) == ["checkout-api", "payments", "checkout-api"])
    #expect(snapshot.requestSamples.map(\.good) == [95, 40, 7])
  }

  @Test func countsExactDuplicatesOnceAndKeepsTheFirstOfAConflict() {
    var f = EventFactory()
    let created = f.created("2026-11-02T10:00:00Z")
    let mitigated = f.status("2026-11-02T10:30:00Z", .mitigated)
    var conflicting = mitigated
    conflicting.ts = ts("2026-11-02T10:45:00Z")
    // The conflicting copy comes first in time but second in the source: the source decides.
    let outcome = replay([created, mitigated, created, conflicting, mitigated], detail: .full)
    #expect(outcome.exactDuplicates == 2)
    #expect(
      outcome.conflicts == [
        DuplicateConflict(kept: EventOrigin(input: 0, record: 2), dropped: EventOrigin(input: 0, record: 4), eventId: "inc_1_e2")
      ])
    #expect(outcome.snapshot.eventCount == 2)
    #expect(outcome.snapshot.lifecycle.mitigatedAt == ts("2026-11-02T10:30:00Z"))
    #expect(outcome.snapshot.details?.timeline.map(\.origin.record) == [1, 2])
    #expect(outcome.eventsByType.byName == ["INCIDENT_CREATED": 1, "INCIDENT_STATUS_CHANGED": 1])
  }

  @Test func ignoresUnknownTypesButCountsThem() {
    var f = EventFactory()
    let outcome = replay([
      f.created("2026-11-02T10:00:00Z"),
      f.event("2026-11-02T10:01:00Z", .unknown(type: "INCIDENT_ESCALATED", payload: .object(["to": .string("vp")]))),
    ])
    #expect(outcome.snapshot.unknownEventCount == 1)
    #expect(outcome.snapshot.eventCount == 2)
    #expect(outcome.snapshot.status == .open)
    #expect(outcome.eventsByType.byName["INCIDENT_ESCALATED"] == 1)
  }

  @Test func aSecondCreationActsAsAnUpdate() {
    var f = EventFactory()
    let snapshot = replay([
      f.created("2026-11-02T10:00:00Z", severity: .sev2, service: "checkout-api"),
      f.status("2026-11-02T10:10:00Z", .investigating),
      f.created("2026-11-02T10:20:00Z", severity: .sev1, service: "payments"),
    ]).snapshot
    #expect(snapshot.serviceName == "payments")
    #expect(snapshot.severity == .sev2, "severity changes only through severity events")
    #expect(snapshot.status == .investigating)
    #expect(snapshot.lifecycle.createdAt == ts("2026-11-02T10:00:00Z"))
    #expect(snapshot.notices == [.repeatedCreation(eventId: "inc_1_e3")])
  }
}

@Suite("Follow-up wording")
struct FollowUpTests {
  @Test(arguments: [
    ("Follow-up: add an alert on queue depth", true),
    ("  - TODO rotate the credentials", true),
    ("* action item: document the failover", true),
    ("AI: owner to review the runbook", true),
    ("We need to add a canary stage", true),
    ("Mitigated; FOLLOW-UP: tune the retry budget", true),
    ("Rolled back the deploy", false),
    ("Todd restarted the pods", false),
    ("Ünicode note — we will add a dashboard", true),
    ("Ünicode note without work", false),
    ("", false),
  ])
  func recognisesFollowUpsInAnyCase(text: String, expected: Bool) {
    #expect(FollowUp.reads(text) == expected)
  }
}

@Suite("Events counted per type")
struct EventTypeCountTests {
  @Test func everyKnownTypeAndAnUnknownOneAreCountedUnderTheirNames() {
    var f = EventFactory()
    let events = [
      f.created("2026-11-02T10:00:00Z"),
      f.event("2026-11-02T10:01:00Z", .updated(IncidentUpdated(title: "Checkout errors, EU"))),
      f.status("2026-11-02T10:02:00Z", .investigating),
      f.severity("2026-11-02T10:03:00Z", .sev1),
      f.event("2026-11-02T10:04:00Z", .tagAdded(TagChanged(tag: "db"))),
      f.event("2026-11-02T10:05:00Z", .tagRemoved(TagChanged(tag: "db"))),
      f.metric("2026-11-02T10:06:00Z", good: 9, total: 10),
      f.note("2026-11-02T10:07:00Z"),
      f.event(
        "2026-11-02T10:08:00Z",
        .playbookActionExecuted(
          PlaybookActionExecuted(actionKind: "restart", label: "Restart", actorType: .user, actorRef: "user_1"))),
      f.event("2026-11-02T10:09:00Z", .unknown(type: "INCIDENT_NEW_THING", payload: .object([:]))),
      f.event("2026-11-02T10:10:00Z", .unknown(type: "INCIDENT_NEW_THING", payload: .object([:]))),
      f.event(
        "2026-11-02T10:11:00Z",
        .sloViolationRecorded(
          SLOViolationRecorded(
            sloId: "slo_1", windowStart: ts("2026-11-01T00:00:00Z"), windowEnd: ts("2026-11-02T10:11:00Z"), errorBudgetConsumed: 0.4,
            thresholdBreached: false))),
      f.event("2026-11-02T10:12:00Z", .linkedToTicket(LinkedToTicket(system: "jira", ref: "OPS-1"))),
      f.event("2026-11-02T10:13:00Z", .resolved(IncidentResolved(summary: "Pool resized"))),
    ]
    let counts = replay(events).eventsByType.byName
    #expect(counts.count == EventType.allCases.count + 1)
    var expected: [String: Int] = [:]
    for event in events { expected[event.type, default: 0] += 1 }
    #expect(counts == expected)
    #expect(Set(counts.keys).isSuperset(of: ["INCIDENT_CREATED", "INCIDENT_PLAYBOOK_ACTION_EXECUTED", "INCIDENT_NEW_THING"]))
  }
}

@Suite("Content hashes")
struct ContentHashTests {
  /// The definition, a byte at a time: eight-byte little-endian words, then the tail, then the avalanche.
  private func reference(_ bytes: [UInt8]) -> Int {
    let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(bytes.count)
    var index = 0
    while bytes.count - index >= 8 {
      var word: UInt64 = 0
      for byte in 0..<8 { word |= UInt64(bytes[index + byte]) << (8 * UInt64(byte)) }
      hash = (hash ^ word) &* multiplier
      hash = (hash << 29) | (hash >> 35)
      index += 8
    }
    var tail: UInt64 = 0
    for (position, byte) in bytes[index...].enumerated() { tail |= UInt64(byte) << (8 * UInt64(position)) }
    hash = (hash ^ tail) &* multiplier
    hash ^= hash >> 32
    hash = hash &* 0xD6E8_FEB8_6659_FD93
    hash ^= hash >> 32
    return Int(truncatingIfNeeded: hash)
  }

  @Test func everyLengthHashesAsTheByteAtATimeDefinition() {
    var generator = SystemRandomNumberGenerator()
    for length in 0...40 {
      for _ in 0..<20 {
        let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
        #expect(ContentHash.of(bytes) == reference(bytes), "\(bytes)")
      }
    }
  }
}

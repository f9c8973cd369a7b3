import IncidentModel
import TestSupport
import Testing

@testable import Postmortem

private let provenance = DraftProvenance(
  source: "test", eventCount: 0, eventsDigest: "d", template: "t", templateDigest: "t", toolVersion: "0")

private func draft(_ events: [IncidentEvent], organisation: [IncidentSnapshot] = [], at: String = "2026-11-03T00:00:00Z") -> JSONObject {
  let incident = replay(events, detail: .full).snapshot
  return DraftBuilder.build(
    DraftInput(
      incident: incident, organisation: organisation.isEmpty ? [incident] : organisation, slos: [], at: ts(at), timeZone: nil,
      provenance: provenance))
}

extension JSONValue {
  /// The elements of an array value.
  fileprivate var arrayValue: [JSONValue]? { if case .array(let elements) = self { elements } else { nil } }
}

private func milestone(_ document: JSONObject, _ name: String) -> JSONObject? {
  guard case .array(let milestones)? = document["detection"]?.objectValue?["milestones"] else { return nil }
  return milestones.compactMap(\.objectValue).first { $0["name"]?.stringValue?.hasPrefix(name) ?? false }
}

@Suite("Postmortem draft data")
struct DraftBuilderTests {
  @Test func citesTheEventsBehindEachMilestoneAndFlagsWhatIsMissing() throws {
    var f = EventFactory()
    let events = [
      f.created("2026-11-02T10:00:00Z", startedAt: "2026-11-02T09:50:00Z"),
      f.status("2026-11-02T10:05:00Z", .investigating),
      f.status("2026-11-02T10:45:00Z", .mitigated),
    ]
    let document = draft(events)
    let detected = try #require(milestone(document, "detected"))
    #expect(detected["durationMs"] == .number("600000"))
    #expect(detected["eventIds"] == .array([.string("inc_1_e1")]))
    let acknowledged = try #require(milestone(document, "acknowledged"))
    #expect(acknowledged["eventIds"] == .array([.string("inc_1_e2")]))
    #expect(milestone(document, "mitigated")?["durationMs"] == .number("3300000"))
    #expect(milestone(document, "mitigated")?["eventIds"] == .array([.string("inc_1_e3")]))
    let resolved = try #require(milestone(document, "resolved"))
    #expect(resolved["missing"] == .bool(true))
    #expect(resolved["reason"] == .string("not recorded: the incident is not RESOLVED"))
    #expect(resolved["at"] == nil, "a missing milestone is never defaulted")
  }

  /// The SRE template's sections, worked by hand: impact began 09:50, the incident opened at 10:00 as SEV2, went
  /// to SEV1 at 10:20 and was mitigated at 11:00 (70 minutes of impact: 10 before a severity, 20 at SEV2, 40 at SEV1).
  @Test func fillsTheSRETemplatesSectionsFromTheEvents() throws {
    var f = EventFactory()
    let events = [
      f.created("2026-11-02T10:00:00Z", startedAt: "2026-11-02T09:50:00Z"),
      f.metric("2026-11-02T10:01:00Z", good: 900, total: 1_000),
      f.status("2026-11-02T10:05:00Z", .investigating),
      f.severity("2026-11-02T10:20:00Z", .sev1, from: .sev2),
      f.metric("2026-11-02T10:30:00Z", good: 700, total: 1_000),
      f.note("2026-11-02T10:40:00Z", "Action item: add an alert on queue depth."),
      f.note("2026-11-02T10:41:00Z", "TODO: document the failover in the runbook.", actor: .automation),
      f.status("2026-11-02T11:00:00Z", .mitigated),
      // Outside the impact window: not counted in its requests.
      f.metric("2026-11-02T12:00:00Z", good: 0, total: 5_000),
      f.status("2026-11-03T12:30:00Z", .resolved),
    ]
    let document = draft(events, at: "2026-11-04T00:00:00Z")
    let header = try #require(document["draft"]?.objectValue)
    #expect(header["date"] == .string("2026-11-04"))
    #expect(header["responders"] == .number("1"))
    #expect(header["authors"]?.stringValue?.hasPrefix("1 responder, automation (user_1) acted on the incident") == true)
    let impact = try #require(document["impact"]?.objectValue)
    #expect(impact["severityTimeText"] == .string("SEV1 40m 00s, SEV2 20m 00s, 10m 00s before a severity was set"))
    let requests = try #require(impact["requests"]?.objectValue)
    #expect(requests["bad"] == .number("400") && requests["total"] == .number("2000") && requests["share"] == .string("20.0%"))
    #expect(requests["eventIds"] == .array([.string("inc_1_e2"), .string("inc_1_e5")]))
    #expect(impact["customerImpact"]?.stringValue?.contains("400 of 2000 requests failed (20.0%) in the 2 signal(s) recorded") == true)
    // The trigger: the first signal, 11 minutes after impact began.
    #expect(document["trigger"]?.objectValue?["text"]?.stringValue?.contains("error ratio”, 11m 00s after impact began") == true)
    // Resolution: each status change against the impact start; what ended the impact.
    let resolution = try #require(document["resolution"]?.objectValue)
    let offsets = resolution["statusChanges"]?.arrayValue?.compactMap { $0.objectValue?["offset"]?.stringValue }
    #expect(offsets == ["+0:15", "+1:10", "+26:40"])
    #expect(resolution["endedBy"]?.stringValue?.hasPrefix("Impact ended at 2026-11-02T11:00:00.000Z, 1h 10m after it began") == true)
    // Action items by kind; the kinds with none get their question.
    let items = try #require(document["actionItems"]?.arrayValue).compactMap(\.objectValue)
    #expect(items.map { $0["type"]?.stringValue ?? "" } == ["detect", "process"])
    let prompts = document["actionItemPrompts"]?.arrayValue?.compactMap { $0.objectValue?["type"]?.stringValue }
    #expect(prompts == ["mitigate", "prevent"])
    // The timeline: hours and minutes from the impact start, the milestones marked, numbered for the references.
    let timeline = try #require(document["timeline"]?.arrayValue).compactMap(\.objectValue)
    #expect(
      timeline.map { $0["offset"]?.stringValue ?? "" } == [
        "+0:10", "+0:11", "+0:15", "+0:30", "+0:40", "+0:50", "+0:51", "+1:10", "+2:10", "+26:40",
      ])
    #expect(
      timeline.map { $0["milestone"]?.stringValue } == [
        "detected", nil, "acknowledged", "severity SEV1", nil, nil, nil, "impact ended (mitigated)", nil, "resolved",
      ])
    #expect(timeline.map { $0["ref"] } == (1...10).map { JSONValue.number(String($0)) })
  }

  @Test func offsetsAreSignedHoursAndMinutes() {
    let start = ts("2026-11-02T10:00:00Z")
    #expect(DraftSections.offset(ts("2026-11-02T09:48:30Z"), from: start) == "−0:12")
    #expect(DraftSections.offset(ts("2026-11-02T10:00:59Z"), from: start) == "+0:00")
    #expect(DraftSections.offset(ts("2026-11-03T12:05:00Z"), from: start) == "+26:05")
  }

  @Test func writesProseThatPassesTheLintAndFlagsCopiedText() {
    var f = EventFactory()
    let events = [
      f.created("2026-11-02T10:00:00Z"),
      f.note("2026-11-02T10:03:00Z", "Human error: the engineer forgot to drain the node."),
      f.note("2026-11-02T10:04:00Z", "Follow-up: add a drain check to the deploy pipeline."),
      f.status("2026-11-02T10:05:00Z", .investigating),
      f.status("2026-11-02T10:30:00Z", .mitigated),
      f.status("2026-11-02T11:00:00Z", .investigating),
      f.status("2026-11-02T11:30:00Z", .resolved),
    ]
    let document = draft(events)
    let summary = document["summary"]?.stringValue ?? ""
    #expect(summary.contains("reopened 1 time(s)"))
    #expect(BlamelessLint.lint(summary).isEmpty, "\(summary)")
    for key in ["contributingFactorQuestions", "rootCauseQuestions", "wentWellPrompts", "wentPoorlyPrompts", "luckyPrompts"] {
      guard case .array(let items)? = document[key] else {
        Issue.record("\(key) missing")
        continue
      }
      for item in items { #expect(BlamelessLint.lint(item.stringValue ?? "").isEmpty, "\(item)") }
    }
    guard case .array(let flags)? = document["flags"] else { return }
    #expect(flags.compactMap { $0.objectValue?["rule"]?.stringValue } == ["human-error", "missed-step"])
    guard case .array(let items)? = document["actionItems"] else { return }
    #expect(items.compactMap { $0.objectValue?["text"]?.stringValue } == ["Follow-up: add a drain check to the deploy pipeline."])
    #expect(items.first?.objectValue?["owner"] == .string("_owner_"))
  }

  @Test func condensesLongRunsOfSignals() {
    var f = EventFactory()
    var events = [f.created("2026-11-02T10:00:00Z")]
    for minute in 1...5 { events.append(f.metric("2026-11-02T10:0\(minute):00Z", good: 9, total: 10)) }
    events.append(f.status("2026-11-02T10:30:00Z", .mitigated))
    events.append(f.metric("2026-11-02T10:31:00Z", good: 9, total: 10))
    guard case .array(let timeline)? = draft(events)["timeline"] else {
      Issue.record("no timeline")
      return
    }
    #expect(
      timeline.compactMap { $0.objectValue?["type"]?.stringValue } == [
        "INCIDENT_CREATED", "SIGNALS", "INCIDENT_STATUS_CHANGED", "INCIDENT_SIGNAL_INGESTED",
      ])
    #expect(timeline[1].objectValue?["text"] == .string("5 signals until 2026-11-02T10:05:00.000Z: 5 METRIC from prometheus"))
    #expect(timeline[1].objectValue?["eventIds"] == .array([.string("inc_1_e2"), .string("inc_1_e6")]))
  }

  @Test func saysWhichOccurrenceThisIsAndWhetherEarlierOnesRecordedFollowUps() {
    func occurrence(_ id: String, day: Int, followUp: Bool) -> [IncidentEvent] {
      var f = EventFactory(incidentId: id)
      var events = [f.created("2026-11-0\(day)T10:00:00Z", key: "checkout-api:db"), f.status("2026-11-0\(day)T10:30:00Z", .mitigated)]
      if followUp { events.append(f.note("2026-11-0\(day)T11:00:00Z", "TODO: raise the pool size")) }
      return events
    }
    let first = replay(occurrence("inc_a", day: 1, followUp: true)).snapshot
    let second = replay(occurrence("inc_b", day: 3, followUp: false)).snapshot
    let thirdEvents = occurrence("inc_c", day: 6, followUp: false)
    let third = replay(thirdEvents).snapshot
    let document = draft(thirdEvents, organisation: [first, second, third])
    let related = document["related"]?.objectValue
    #expect(related?["occurrence"] == .number("3"))
    #expect(related?["isRecurrence"] == .bool(true))
    #expect(related?["gapsText"] == .string("2d 00h, 3d 00h"))
    #expect(
      related?["earlierFollowUps"] == .string("1 of 2 earlier occurrence(s) recorded follow-up actions (follow-up notes or ticket links)"))
  }

  @Test func theEmbeddedTemplateIsTheOneInTemplates() throws {
    let file = try String(contentsOfFile: Repository.path("templates/postmortem.md.mustache"), encoding: .utf8)
    #expect(DraftRenderer.defaultTemplate == file, "keep Sources/Postmortem/DefaultTemplate.swift in step with templates/")
  }
}

import IncidentModel
import Postmortem
import TestSupport
import Testing

private let provenance = DraftProvenance(
  source: "test", eventCount: 0, eventsDigest: "d", template: "t", templateDigest: "t", toolVersion: "0")

private func draft(_ events: [IncidentEvent], organisation: [IncidentSnapshot] = [], at: String = "2026-11-03T00:00:00Z") -> JSONObject {
  let incident = replay(events, detail: .full).snapshot
  return DraftBuilder.build(
    DraftInput(
      incident: incident, organisation: organisation.isEmpty ? [incident] : organisation, slos: [], at: ts(at), timeZone: nil,
      provenance: provenance))
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

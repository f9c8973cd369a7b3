import EventSources
public import IncidentModel
import Postmortem

/// `incidents show`: a replayed incident for people (text) and machines (JSON).
public enum SnapshotRendering {
  // MARK: - Text

  public static func text(_ s: IncidentSnapshot, sourceLocation: (EventOrigin) -> String) -> String {
    var out = "Incident \(s.incidentId)"
    if let title = s.title { out += " — \(title)" }
    out += "\n"
    func line(_ label: String, _ value: String?) {
      guard let value, !value.isEmpty else { return }
      out += "  \(Format.left(label, 17))\(value)\n"
    }
    line("org", s.orgId)
    line("project", s.projectId)
    line("service", s.serviceName)
    line("environment", s.environment)
    line("status", s.status.rawValue + (s.reopenCount > 0 ? " (reopened \(s.reopenCount)×)" : ""))
    line("severity", s.severity?.rawValue ?? "unknown")
    line("detected by", s.detectedBy)
    line("correlation keys", s.correlationKeys.joined(separator: ", "))
    line("tags", s.tags.joined(separator: ", "))
    line("runbook", s.runbookPath)
    for link in s.ticketLinks {
      line("ticket", "\(link.payload.system) \(link.payload.ref)" + (link.payload.url.map { " \($0)" } ?? ""))
    }
    for notice in s.notices { line("note", notice.description) }

    let l = s.lifecycle
    out += "\nLifecycle (UTC)\n"
    func step(_ label: String, _ ts: Timestamp?, _ since: String? = nil) {
      guard let ts else { return }
      out += "  \(Format.left(label, 17))\(ts)" + (since.map { "  (\($0))" } ?? "") + "\n"
    }
    step("impact started", l.impactStartedAt)
    step("created", l.createdAt, l.timeToDetect > 0 ? "detected after \(Format.duration(milliseconds: l.timeToDetect))" : nil)
    step("acknowledged", l.acknowledgedAt, l.timeToAcknowledge.map { "+\(Format.duration(milliseconds: $0)) after creation" })
    step("mitigated", l.mitigatedAt, l.timeToMitigate.map { "+\(Format.duration(milliseconds: $0)) after impact start" })
    step("resolved", l.resolvedAt, l.timeToResolve.map { "+\(Format.duration(milliseconds: $0)) after impact start" })
    step("cancelled", l.cancelledAt)

    out += "\nStatus history\n"
    for span in s.statusHistory { out += spanLine(span.value.rawValue, span.start, span.end) }
    if !s.severityHistory.isEmpty {
      out += "\nSeverity history\n"
      for span in s.severityHistory { out += spanLine(span.value.rawValue, span.start, span.end) }
    }

    let samples = s.requestSamples
    out += "\nSignals \(s.signalCount)"
    if !samples.isEmpty {
      // 128 bits: a sum of 64-bit counts cannot overflow it.
      let total = samples.reduce(Int128(0)) { $0 + Int128($1.total) }
      let bad = samples.reduce(Int128(0)) { $0 + Int128($1.total - $1.good) }
      out += " (\(samples.count) with request counts: \(bad) bad of \(total))"
    }
    out += ", notes \(s.noteCount), playbook actions \(s.actionCount), SLO violations recorded \(s.sloViolations.count)"
    if s.unknownEventCount > 0 { out += ", events of unknown types \(s.unknownEventCount)" }
    out += "\n"

    if let timeline = s.details?.timeline, !timeline.isEmpty {
      out += "\nTimeline (UTC; \(timeline.count) events)\n"
      for entry in timeline {
        let event = entry.event
        out += "  \(event.ts)  \(Format.left(event.type, 34)) \(summary(of: event.payload))"
        out += "  [\(event.id) @ \(sourceLocation(entry.origin))]\n"
      }
    }
    return out
  }

  private static func spanLine(_ value: String, _ start: Timestamp, _ end: Timestamp?) -> String {
    let until = end.map { "\($0)  (\(Format.duration(from: start, to: $0)))" } ?? "(current)"
    return "  \(Format.left(value, 15))\(start) → \(until)\n"
  }

  /// One line saying what an event did.
  public static func summary(of payload: EventPayload) -> String { EventDescription.describe(payload) }

  private static func quoted(_ text: String) -> String { "\"\(text)\"" }

  // MARK: - JSON

  /// The snapshot as a JSON object; every timestamp is RFC 3339 UTC, durations are milliseconds.
  public static func json(_ s: IncidentSnapshot, sourceLocation: (EventOrigin) -> String) -> JSONValue {
    func ts(_ t: Timestamp?) -> JSONValue { t.map { .string($0.description) } ?? .null }
    func str(_ t: String?) -> JSONValue { t.map(JSONValue.string) ?? .null }
    func ms(_ t: Int64?) -> JSONValue { t.map { .number(String($0)) } ?? .null }
    func spans<V>(_ history: [Span<V>], _ name: (V) -> String) -> JSONValue {
      .array(
        history.map { span in
          .object(["value": .string(name(span.value)), "start": ts(span.start), "end": ts(span.end), "eventId": str(span.eventId)])
        })
    }
    func stamped(_ eventId: String, _ at: Timestamp, _ payload: EventPayload) -> JSONValue {
      var object: JSONObject = ["eventId": .string(eventId), "ts": ts(at)]
      for member in EventEncoder.payloadObject(payload) { object.append(member.key, member.value) }
      return .object(object)
    }
    let l = s.lifecycle
    let lifecycle: JSONObject = [
      "createdAt": ts(l.createdAt), "impactStartedAt": ts(l.impactStartedAt), "acknowledgedAt": ts(l.acknowledgedAt),
      "mitigatedAt": ts(l.mitigatedAt), "resolvedAt": ts(l.resolvedAt), "cancelledAt": ts(l.cancelledAt),
      "firstEventAt": ts(l.firstEventAt), "lastEventAt": ts(l.lastEventAt),
      "timeToDetectMs": ms(l.timeToDetect), "timeToAcknowledgeMs": ms(l.timeToAcknowledge),
      "timeToMitigateMs": ms(l.timeToMitigate), "timeToResolveMs": ms(l.timeToResolve),
    ]
    let document: JSONObject = [
      "orgId": .string(s.orgId), "incidentId": .string(s.incidentId), "projectId": str(s.projectId),
      "title": str(s.title), "serviceName": str(s.serviceName), "environment": str(s.environment),
      "detectedBy": str(s.detectedBy), "runbookPath": str(s.runbookPath), "primarySignalId": str(s.primarySignalId),
      "hasCreationEvent": .bool(s.hasCreationEvent), "status": .string(s.status.rawValue),
      "severity": str(s.severity?.rawValue), "reopenCount": .number(String(s.reopenCount)),
      "lifecycle": .object(lifecycle),
      "statusHistory": spans(s.statusHistory, \.rawValue),
      "severityHistory": spans(s.severityHistory, \.rawValue),
      "correlationKeys": .array(s.correlationKeys.map(JSONValue.string)),
      "tags": .array(s.tags.map(JSONValue.string)),
      "signalCount": .number(String(s.signalCount)), "noteCount": .number(String(s.noteCount)),
      "actionCount": .number(String(s.actionCount)),
      "requestSamples": .array(
        s.requestSamples.map { sample in
          .object([
            "eventId": .string(sample.eventId), "instant": ts(sample.instant), "serviceName": str(sample.serviceName),
            "good": .number(String(sample.good)), "total": .number(String(sample.total)),
          ])
        }),
      "signals": .array((s.details?.signals ?? []).map { stamped($0.eventId, $0.ts, .signalIngested($0.payload)) }),
      "actions": .array((s.details?.actions ?? []).map { stamped($0.eventId, $0.ts, .playbookActionExecuted($0.payload)) }),
      "notes": .array((s.details?.notes ?? []).map { stamped($0.eventId, $0.ts, .noteAdded($0.payload)) }),
      "sloViolations": .array(s.sloViolations.map { stamped($0.eventId, $0.ts, .sloViolationRecorded($0.payload)) }),
      "ticketLinks": .array(s.ticketLinks.map { stamped($0.eventId, $0.ts, .linkedToTicket($0.payload)) }),
      "eventCount": .number(String(s.eventCount)), "unknownEventCount": .number(String(s.unknownEventCount)),
      "notices": .array(s.notices.map { .string($0.description) }),
      "timeline": .array(
        (s.details?.timeline ?? []).map { entry in
          .object([
            "source": .string(sourceLocation(entry.origin)), "id": .string(entry.event.id), "ts": ts(entry.event.ts),
            "type": .string(entry.event.type), "payload": .object(EventEncoder.payloadObject(entry.event.payload)),
          ])
        }),
    ]
    return .object(document)
  }
}

import IncidentModel

/// The parts of the Google SRE postmortem template a stream can fill: who wrote the draft and when,
/// the impact in words, the trigger, the resolution, typed action items, a compact timeline.
///
/// Each is a value of the draft's JSON document, so a team's own template sees it too.
enum DraftSections {
  /// Status, date and authors, as the template's header has them.
  static func header(_ incident: IncidentSnapshot, timeline: [TimelineEntry], at: Timestamp) -> JSONValue {
    var people = Set<String>()
    var others: [String] = []
    for entry in timeline {
      guard let (type, ref) = actor(of: entry.event.payload) else { continue }
      if type == .user {
        people.insert(ref ?? "")
      } else {
        let role = EventDescription.role(type, ref)
        if !others.contains(role) { others.append(role) }
      }
    }
    var acted: [String] = []
    if !people.isEmpty { acted.append(people.count == 1 ? "1 responder" : "\(people.count) responders") }
    acted += others
    let authors =
      acted.isEmpty
      ? "no one is recorded acting on the incident: add the authors"
      : "\(acted.joined(separator: ", ")) acted on the incident: add the authors' names and teams"
    return .object([
      "status": .string("Draft, generated from the incident's events; in review until the team signs it off"),
      "date": .string(String(at.description.prefix(10))), "authors": .string(authors),
      "responders": .number(String(people.count)),
    ])
  }

  /// Time at each severity within the impact window, the requests that failed of those served, and both in words.
  static func impact(
    _ incident: IncidentSnapshot, window: Interval, sloImpact: [JSONValue], ongoing: Bool
  ) -> JSONObject {
    var bySeverity: [Severity: Int64] = [:]
    var spanEvents: [String] = []
    for span in incident.severityHistory {
      let start = max(span.start, window.start)
      let end = min(span.end ?? window.end, window.end)
      guard start < end else { continue }
      bySeverity[span.value, default: 0] += end.millisecondsSinceEpoch - start.millisecondsSinceEpoch
      if let id = span.eventId, !spanEvents.contains(id) { spanEvents.append(id) }
    }
    let severityTime = Severity.allCases.compactMap { severity -> JSONValue? in
      guard let ms = bySeverity[severity], ms > 0 else { return nil }
      return .object([
        "severity": .string(severity.rawValue), "duration": .string(DraftBuilder.duration(ms)), "durationMs": .number(String(ms)),
      ])
    }
    var severityParts = Severity.allCases.compactMap { severity in
      bySeverity[severity].flatMap { $0 > 0 ? "\(severity.rawValue) \(DraftBuilder.duration($0))" : nil }
    }
    // Impact that began before the incident was opened has no severity yet: said, not given one.
    let rated = bySeverity.values.reduce(0, +)
    if rated < window.milliseconds {
      severityParts.append("\(DraftBuilder.duration(window.milliseconds - rated)) before a severity was set")
    }
    let severityText = severityParts.joined(separator: ", ")
    // The incident's own request counts, in the signals recorded within the impact window.
    let samples = incident.requestSamples.filter { $0.instant >= window.start && $0.instant <= window.end }
    var requests: JSONValue = .null
    var requestText: String?
    if !samples.isEmpty {
      let total = samples.reduce(Int128(0)) { $0 + Int128($1.total) }
      let bad = samples.reduce(Int128(0)) { $0 + Int128(max(0, $1.total - $1.good)) }
      let share = total > 0 ? EventDescription.percent(Double(bad) / Double(total)) : "none"
      requests = .object([
        "bad": .number(String(bad)), "total": .number(String(total)), "share": .string(share),
        "signals": .number(String(samples.count)),
        "eventIds": .array([samples.first?.eventId, samples.last?.eventId].compactMap { $0 }.uniqued().map(JSONValue.string)),
      ])
      requestText = "\(bad) of \(total) requests failed (\(share)) in the \(samples.count) signal(s) recorded"
    }
    let service = "\(incident.serviceName ?? "The service")\(incident.environment.map { " (\($0))" } ?? "")"
    var words =
      ongoing
      ? "\(service) has been impaired for \(DraftBuilder.duration(window.milliseconds)) so far"
      : "\(service) was impaired for \(DraftBuilder.duration(window.milliseconds))"
    if !severityText.isEmpty { words += ": \(severityText)" }
    words += "."
    if let requestText { words += " \(requestText.prefix(1).uppercased() + requestText.dropFirst())." }
    let budgets = sloImpact.compactMap { value -> String? in
      guard let o = value.objectValue, let slo = o["slo"]?.stringValue, let consumed = o["consumed"]?.stringValue else { return nil }
      return consumed == "none" ? nil : "\(consumed) of the error budget of \(slo)"
    }
    if !budgets.isEmpty { words += " It consumed \(budgets.joined(separator: ", "))." }
    words += " Who noticed, and what could customers not do? Add what the events cannot say."
    return [
      "customerImpact": .string(words), "severityTime": .array(severityTime),
      "severityTimeText": .string(severityText.isEmpty ? "no severity recorded" : severityText),
      "severityEventIds": .array(spanEvents.map(JSONValue.string)), "requests": requests,
    ]
  }

  /// What set the incident off, as far as the stream shows: the first signal, against the impact start.
  static func trigger(_ incident: IncidentSnapshot, timeline: [TimelineEntry]) -> JSONValue {
    let start = incident.lifecycle.impactStartedAt
    let first = timeline.first { if case .signalIngested = $0.event.payload { true } else { false } }
    guard let first, case .signalIngested(let signal) = first.event.payload else {
      return .object([
        "text": .string(
          "No signal is recorded. Impact began at \(start): what change, load or failure set it off? Name the trigger, not a person."
        ), "eventIds": .array([]),
      ])
    }
    let gap = first.event.ts.millisecondsSinceEpoch - start.millisecondsSinceEpoch
    let when =
      gap == 0
      ? "as impact began"
      : gap > 0 ? "\(DraftBuilder.duration(gap)) after impact began" : "\(DraftBuilder.duration(-gap)) before impact began"
    return .object([
      "text": .string(
        "The first signal came from \(signal.source) (\(signal.signalType.rawValue)), “\(signal.summary)”, \(when). "
          + "What change, load or failure set it off? Name the trigger, not a person."),
      "eventIds": .array([.string(first.event.id)]),
    ])
  }

  /// The status changes, each with its reason, and what ended the impact.
  static func resolution(_ incident: IncidentSnapshot, timeline: [TimelineEntry], at: Timestamp) -> JSONValue {
    let start = incident.lifecycle.impactStartedAt
    var changes: [JSONValue] = []
    for entry in timeline {
      let from: IncidentStatus?
      let to: IncidentStatus
      let reason: String?
      let actor: String
      switch entry.event.payload {
      case .statusChanged(let p):
        (from, to, reason) = (p.fromStatus, p.newStatus, p.reason)
        actor = p.actorType.map { EventDescription.role($0, p.actorRef) } ?? "not recorded"
      case .resolved(let p):
        (from, to, reason) = (nil, .resolved, p.summary)
        actor = p.actorType.map { EventDescription.role($0, p.actorRef) } ?? "not recorded"
      default: continue
      }
      changes.append(
        .object([
          "offset": .string(offset(entry.event.ts, from: start)), "at": .string(entry.event.ts.description),
          "from": .string(from?.rawValue ?? ""), "to": .string(to.rawValue), "reason": .string(reason ?? ""), "actor": .string(actor),
          "eventId": .string(entry.event.id),
        ]))
    }
    let l = incident.lifecycle
    let ended: String
    if let mitigated = l.mitigatedAt {
      let span = incident.statusHistory.first { ($0.value == .mitigated || $0.value == .resolved) && $0.start == mitigated }
      let reason = span?.eventId.flatMap { id in
        timeline.first { $0.event.id == id }.flatMap { entry -> String? in
          if case .statusChanged(let p) = entry.event.payload { return p.reason }
          if case .resolved(let p) = entry.event.payload { return p.summary }
          return nil
        }
      }
      ended =
        "Impact ended at \(mitigated), \(DraftBuilder.duration(mitigated.millisecondsSinceEpoch - start.millisecondsSinceEpoch)) after it began"
        + (reason.map { ", when the incident moved to \(span?.value.rawValue ?? "MITIGATED"): “\($0)”" } ?? "")
        + (incident.reopenCount > 0 ? ", after \(incident.reopenCount) reopen(s)" : "")
        + ". What ended it: a rollback, a fix, a failover, the load going away?"
    } else {
      ended = "Impact had not ended at \(at): no MITIGATED or RESOLVED status after the last reopen."
    }
    return .object(["statusChanges": .array(changes), "hasStatusChanges": .bool(!changes.isEmpty), "endedBy": .string(ended)])
  }

  /// The four kinds of action item the SRE template asks for.
  enum ActionKind: String, CaseIterable {
    case mitigate, prevent, detect, process

    /// An open question for a kind the draft found no item of.
    var prompt: String {
      switch self {
      case .mitigate: "what would end this kind of impact sooner next time?"
      case .prevent: "what would keep it from happening again?"
      case .detect: "what would show it sooner, or page the right people?"
      case .process: "what should change in the runbook, on-call or review?"
      }
    }

    /// The kind an action item's words suggest; `prevent` when nothing does.
    static func of(_ text: String) -> ActionKind {
      let words = text.lowercased()
      func has(_ stems: [String]) -> Bool { stems.contains { words.contains($0) } }
      if has(["alert", "monitor", "dashboard", "page ", "paging", "detect", "slo burn", "probe", "observab"]) { return .detect }
      if has(["runbook", "document", "docs", "on-call", "oncall", "process", "review", "train", "postmortem", "checklist"]) {
        return .process
      }
      if has(["rollback", "roll back", "restart", "failover", "scale", "drain", "mitigat", "feature flag", "kill switch"]) {
        return .mitigate
      }
      return .prevent
    }
  }

  /// The kinds no item is of, each with its question.
  static func actionPrompts(missing items: [JSONValue]) -> [JSONValue] {
    let present = Set(items.compactMap { $0.objectValue?["type"]?.stringValue })
    return ActionKind.allCases.filter { !present.contains($0.rawValue) }.map { kind in
      .object(["type": .string(kind.rawValue), "prompt": .string(kind.prompt)])
    }
  }

  /// `ts` against the impact start as signed hours and minutes: `+1:05`, `−0:12`, `+26:40`.
  static func offset(_ ts: Timestamp, from start: Timestamp) -> String {
    let minutes = (ts.millisecondsSinceEpoch - start.millisecondsSinceEpoch).floorDivided(by: 60_000).quotient
    let magnitude = abs(minutes)
    let text = "\(magnitude / 60):" + (magnitude % 60 < 10 ? "0" : "") + "\(magnitude % 60)"
    return (minutes < 0 ? "−" : "+") + text
  }

  /// The milestone each event marks, by event id: detection, acknowledgement, mitigation, resolution,
  /// a severity change, a reopen.
  static func milestones(_ incident: IncidentSnapshot, evidence: Evidence) -> [String: String] {
    var marks: [String: String] = [:]
    let l = incident.lifecycle
    if let id = evidence.creationId {
      marks[id] = l.impactStartedAt == l.createdAt ? "impact began, detected" : "detected"
    }
    if let id = evidence.acknowledgementId { marks[id, default: ""] += marks[id] == nil ? "acknowledged" : ", acknowledged" }
    for span in incident.severityHistory.dropFirst() {
      if let id = span.eventId { marks[id] = "severity \(span.value.rawValue)" }
    }
    var previous: IncidentStatus?
    for span in incident.statusHistory {
      defer { previous = span.value }
      guard let id = span.eventId else { continue }
      if let previous, previous == .mitigated || previous == .resolved, span.value == .open || span.value == .investigating {
        marks[id] = "reopened"
      }
    }
    if let id = evidence.spanEventId([.mitigated, .resolved], at: l.mitigatedAt) { marks[id] = "impact ended (mitigated)" }
    if let id = evidence.spanEventId([.resolved], at: l.resolvedAt), marks[id] == nil { marks[id] = "resolved" }
    return marks
  }

  private static func actor(of payload: EventPayload) -> (ActorType, String?)? {
    switch payload {
    case .statusChanged(let p): p.actorType.map { ($0, p.actorRef) }
    case .severityChanged(let p): p.actorType.map { ($0, p.actorRef) }
    case .noteAdded(let p): p.actorType.map { ($0, p.actorRef) }
    case .playbookActionExecuted(let p): (p.actorType, p.actorRef)
    case .resolved(let p): p.actorType.map { ($0, p.actorRef) }
    default: nil
    }
  }
}

extension Array where Element: Hashable {
  /// The elements in order, each once.
  fileprivate func uniqued() -> [Element] {
    var seen = Set<Element>()
    return filter { seen.insert($0).inserted }
  }
}

import Foundation
public import IncidentModel
import Patterns
public import SLOBudget

/// What a draft was built from, for its provenance footer.
public struct DraftProvenance: Sendable {
  public var source: String
  public var eventCount: Int
  /// SHA-256 of the incident's events in replay order, one canonical line each
  /// (id, org, incident, ts, type and the payload with its object members sorted).
  public var eventsDigest: String
  public var template: String
  public var templateDigest: String
  public var toolVersion: String

  public init(source: String, eventCount: Int, eventsDigest: String, template: String, templateDigest: String, toolVersion: String) {
    self.source = source
    self.eventCount = eventCount
    self.eventsDigest = eventsDigest
    self.template = template
    self.templateDigest = templateDigest
    self.toolVersion = toolVersion
  }
}

/// Everything a draft is built from.
public struct DraftInput: Sendable {
  /// The incident, replayed with full detail (its timeline).
  public var incident: IncidentSnapshot
  /// Every incident of the same org, for related incidents and SLO budgets.
  public var organisation: [IncidentSnapshot]
  public var slos: [SLODefinition]
  public var at: Timestamp
  /// An IANA time zone for a second timeline column, or nil for UTC only.
  public var timeZone: String?
  public var provenance: DraftProvenance
  /// The SLO figures where the impact ended, already folded (see ``DraftFold``); nil to evaluate them from ``organisation``.
  public var sloResults: [SLOResult]?

  public init(
    incident: IncidentSnapshot, organisation: [IncidentSnapshot], slos: [SLODefinition], at: Timestamp, timeZone: String?,
    provenance: DraftProvenance, sloResults: [SLOResult]? = nil
  ) {
    self.incident = incident
    self.organisation = organisation
    self.slos = slos
    self.at = at
    self.timeZone = timeZone
    self.provenance = provenance
    self.sloResults = sloResults
  }
}

/// Builds the data of a postmortem draft: the JSON document `--format json` prints and the template renders.
///
/// Every computed figure names its definition and the event ids it comes from; a
/// missing milestone is flagged, never defaulted. The generated prose is written
/// to pass ``BlamelessLint``; text copied from the incident (notes, summaries,
/// action labels) is linted and its findings travel with it as `flags`.
public enum DraftBuilder {
  /// Every key a draft's document can hold, at any depth: what a template may name.
  ///
  /// ``DraftRenderer`` refuses any other; a test keeps it equal to the keys of the sample drafts.
  public static let templateKeys: Set<String> = [
    "actionItemPrompts", "actionItems", "actions", "actor", "adjustment", "at", "authors", "bad", "badTime", "badTimeMs",
    "budget", "condensed", "consumed", "contributingFactorQuestions", "correlationKeys", "created", "customerImpact", "date",
    "definition", "detectedBy", "detection", "draft", "due", "duration", "durationMs", "earlierFollowUps", "end", "endReason",
    "endedBy", "environment", "eventCount", "eventId", "eventIds", "eventsDigest", "firstSignal", "flags", "followUps",
    "forcedBeforeMitigation", "from", "gapsBetweenOccurrences", "gapsText", "hasActionItems", "hasActions", "hasFlags",
    "hasRelated", "hasSloImpact", "hasStatusChanges", "impact", "incidentId", "incidents", "isFingerprint", "isRecurrence",
    "key", "kind", "label", "local", "luckyPrompts", "milestone", "milestones", "missing", "name", "occurrence", "occurrences",
    "offset", "orgId", "outcome", "owner", "peakSeverity", "phrase", "projectId", "prompt", "provenance", "reason", "ref",
    "related", "requests", "resolution", "resolutionSummary", "responders", "risk", "rootCauseQuestions", "rule", "serviceName",
    "severity", "severityEventIds", "severityHistory", "severityTime", "severityTimeText", "share", "signals", "slo",
    "sloImpact", "sloImpactDefinition", "slosConsidered", "source", "start", "status", "statusChanges", "suggestion", "summary",
    "system", "tags", "template", "templateDigest", "text", "ticket", "ticketLinks", "timeZone", "timeline", "title", "to",
    "toolVersion", "total", "trigger", "type", "unit", "url", "utc", "wentPoorlyPrompts", "wentWellPrompts", "where", "window",
    "windowEnd", "windowStart",
  ]

  /// A run of at least this many consecutive signals is condensed to one timeline entry (their counts are in the impact).
  public static let condensedRunLength = 2

  public static func build(_ input: DraftInput) -> JSONObject {
    let incident = input.incident
    let timeline = incident.details?.timeline ?? []
    let evidence = Evidence(incident: incident, timeline: timeline)
    let impactEnd = impactEnd(of: incident, at: input.at)
    let impactInterval = Interval(start: incident.lifecycle.impactStartedAt, end: impactEnd)
    let badTime = incident.badIntervals(until: input.at).totalMilliseconds
    let related = Related(incident: incident, organisation: input.organisation)
    let closedAt = incident.lifecycle.resolvedAt ?? incident.lifecycle.cancelledAt ?? input.at
    var flags: [JSONValue] = []

    func copied(_ text: String, where place: String) -> JSONValue {
      let findings = BlamelessLint.lint(text)
      let entries = findings.map { finding -> JSONValue in
        let flag: JSONObject = [
          "where": .string(place), "phrase": .string(finding.phrase), "rule": .string(finding.rule),
          "suggestion": .string(finding.suggestion),
        ]
        flags.append(.object(flag))
        return .object(flag)
      }
      return .array(entries)
    }

    var document = JSONObject()
    document.append("title", .string(incident.title ?? incident.incidentId))
    document.append("draft", DraftSections.header(incident, timeline: timeline, at: input.at))
    document.append("incidentId", .string(incident.incidentId))
    document.append("orgId", .string(incident.orgId))
    document.append("projectId", string(incident.projectId))
    document.append("serviceName", string(incident.serviceName))
    document.append("environment", string(incident.environment))
    document.append("status", .string(incident.status.rawValue))
    document.append("severity", string(incident.severity?.rawValue))
    document.append("peakSeverity", string(incident.peakSeverity?.rawValue))
    let finished = incident.status == .mitigated || incident.status == .resolved
    document.append("forcedBeforeMitigation", .bool(!finished))
    document.append(
      "severityHistory",
      .array(
        incident.severityHistory.map { span in
          .object([
            "severity": .string(span.value.rawValue), "start": .string(span.start.description), "end": string(span.end?.description),
            // The last span lasts until the incident closed (or until `at` while it is open).
            "duration": .string(duration(from: span.start, to: span.end ?? closedAt)), "eventId": string(span.eventId),
          ])
        }))
    document.append("correlationKeys", .array(incident.correlationKeys.map(JSONValue.string)))
    document.append("tags", .array(incident.tags.map(JSONValue.string)))
    document.append(
      "ticketLinks",
      .array(
        incident.ticketLinks.map {
          .object([
            "system": .string($0.payload.system), "ref": .string($0.payload.ref), "url": string($0.payload.url),
            "eventId": .string($0.eventId),
          ])
        }))
    document.append("summary", .string(summary(incident, impact: impactInterval, ongoing: !finished, related: related)))
    let resolution = timeline.compactMap { entry -> (String, String)? in
      if case .resolved(let p) = entry.event.payload, let text = p.summary { return (text, entry.event.id) }
      return nil
    }.last
    document.append(
      "resolutionSummary",
      resolution.map { .object(["text": .string($0.0), "eventId": .string($0.1), "flags": copied($0.0, where: "resolution summary")]) }
        ?? .null)

    let sloImpact = sloImpacts(input, end: impactEnd, eventIds: evidence.impactEventIds)
    var impact: JSONObject = [
      "start": .string(impactInterval.start.description), "end": .string(impactInterval.end.description),
      "endReason": .string(
        incident.lifecycle.mitigatedAt != nil
          ? "mitigated" : incident.lifecycle.resolvedAt != nil ? "resolved" : "still ongoing at \(input.at)"),
      "duration": .string(duration(impactInterval.milliseconds)), "durationMs": .number(String(impactInterval.milliseconds)),
      "badTime": .string(duration(badTime)), "badTimeMs": .number(String(badTime)),
      "definition": .string(
        "impact window: from the impact start (startedAt, else creation) to mitigation; bad time: time OPEN or INVESTIGATING within it, any severity, reopens included"
      ),
      "eventIds": .array(evidence.impactEventIds.map(JSONValue.string)),
    ]
    for (key, value) in DraftSections.impact(incident, window: impactInterval, sloImpact: sloImpact, ongoing: !finished) {
      impact.append(key, value)
    }
    document.append("impact", .object(impact))
    document.append("sloImpact", .array(sloImpact))
    document.append("hasSloImpact", .bool(!sloImpact.isEmpty))
    document.append(
      "sloImpactDefinition",
      .string(
        "this incident's own bad time (or bad requests) in each SLO's window ending at the incident's mitigation, divided by that window's error budget"
      ))
    document.append("slosConsidered", .number(String(input.slos.count)))

    document.append("trigger", DraftSections.trigger(incident, timeline: timeline))
    let firstSignal = timeline.first { if case .signalIngested = $0.event.payload { true } else { false } }
    var detection: JSONObject = ["detectedBy": string(incident.detectedBy)]
    if let firstSignal, case .signalIngested(let signal) = firstSignal.event.payload {
      detection.append(
        "firstSignal",
        .object([
          "at": .string(firstSignal.event.ts.description), "type": .string(signal.signalType.rawValue), "source": .string(signal.source),
          "summary": .string(signal.summary), "eventId": .string(firstSignal.event.id),
        ]))
    } else {
      detection.append("firstSignal", .null)
    }
    detection.append("milestones", .array(evidence.milestones(incident)))
    document.append("detection", .object(detection))

    document.append("timeZone", string(input.timeZone))
    document.append(
      "timeline",
      .array(
        timelineEntries(
          timeline, zone: input.timeZone, impactStart: incident.lifecycle.impactStartedAt,
          milestones: DraftSections.milestones(incident, evidence: evidence), copied: copied)))

    let actions = timeline.compactMap { entry -> JSONValue? in
      guard case .playbookActionExecuted(let p) = entry.event.payload else { return nil }
      return .object([
        "at": .string(entry.event.ts.description), "kind": .string(p.actionKind), "label": .string(p.label),
        "risk": .string(p.riskLevel ?? "not stated"), "actor": .string(EventDescription.role(p.actorType, p.actorRef)),
        "eventId": .string(entry.event.id), "flags": copied(p.label, where: "action \(entry.event.id)"),
      ])
    }
    document.append("actions", .array(actions))
    document.append("hasActions", .bool(!actions.isEmpty))
    document.append("resolution", DraftSections.resolution(incident, timeline: timeline, at: input.at))

    let questions = Questions(incident: incident, related: related, evidence: evidence)
    document.append("contributingFactorQuestions", .array(questions.contributingFactors.map(JSONValue.string)))
    document.append("rootCauseQuestions", .array(questions.rootCause.map(JSONValue.string)))
    document.append("wentWellPrompts", .array(questions.wentWell.map(JSONValue.string)))
    document.append("wentPoorlyPrompts", .array(questions.wentPoorly.map(JSONValue.string)))
    document.append("luckyPrompts", .array(questions.lucky.map(JSONValue.string)))

    let items = timeline.compactMap { entry -> JSONValue? in
      let text: String
      switch entry.event.payload {
      case .noteAdded(let p) where FollowUp.reads(p.text): text = p.text
      case .playbookActionExecuted(let p) where FollowUp.reads(p.label): text = p.label
      default: return nil
      }
      return .object([
        "type": .string(DraftSections.ActionKind.of(text).rawValue), "text": .string(text), "eventId": .string(entry.event.id),
        "owner": .string("_owner_"), "due": .string("_YYYY-MM-DD_"), "ticket": .string(""),
        "flags": copied(text, where: "action item \(entry.event.id)"),
      ])
    }
    // A ticket linked to the incident tracks follow-up work; what kind of work is for the team to confirm.
    let tickets = incident.ticketLinks.map { link -> JSONValue in
      .object([
        "type": .string("prevent (to confirm)"), "text": .string("the work tracked in \(link.payload.system) \(link.payload.ref)"),
        "eventId": .string(link.eventId), "owner": .string("_owner_"), "due": .string("_YYYY-MM-DD_"),
        "ticket": .string("\(link.payload.system) \(link.payload.ref)\(link.payload.url.map { " (\($0))" } ?? "")"), "flags": .array([]),
      ])
    }
    document.append("actionItems", .array(items + tickets))
    document.append("hasActionItems", .bool(!(items + tickets).isEmpty))
    document.append("actionItemPrompts", .array(DraftSections.actionPrompts(missing: items)))

    document.append("related", related.json(at: input.at))
    document.append("flags", .array(flags))
    document.append("hasFlags", .bool(!flags.isEmpty))
    let provenance = input.provenance
    document.append(
      "provenance",
      .object([
        "source": .string(provenance.source), "eventCount": .number(String(provenance.eventCount)),
        "eventsDigest": .string(provenance.eventsDigest), "template": .string(provenance.template),
        "templateDigest": .string(provenance.templateDigest), "toolVersion": .string(provenance.toolVersion),
        "at": .string(input.at.description),
      ]))
    return document
  }

  // MARK: - Pieces

  private static func summary(_ incident: IncidentSnapshot, impact: Interval, ongoing: Bool, related: Related) -> String {
    let l = incident.lifecycle
    var text = "\(incident.serviceName ?? "The service")"
    if let environment = incident.environment { text += " (\(environment))" }
    text +=
      ongoing
      ? " has been impaired since \(impact.start)"
      : " was impaired from \(impact.start) to \(impact.end) (\(duration(impact.milliseconds)))"
    if let peak = incident.peakSeverity { text += ", at a peak severity of \(peak.rawValue)" }
    text += "."
    if l.timeToDetect > 0 {
      text += " The incident was opened \(duration(l.timeToDetect)) after impact began"
    } else {
      text += " The incident was opened when impact began"
    }
    if let detectedBy = incident.detectedBy { text += ", from \(detectedBy)" }
    text += "."
    if let tta = l.timeToAcknowledge { text += " Responders acknowledged it \(duration(tta)) after it was opened." }
    if let ttm = l.timeToMitigate { text += " Impact was mitigated \(duration(ttm)) after it began." }
    if incident.reopenCount > 0 { text += " It was reopened \(incident.reopenCount) time(s) before the final mitigation." }
    if let ttr = l.timeToResolve { text += " It was resolved \(duration(ttr)) after impact began." }
    if related.occurrence > 1 {
      text += " This is occurrence \(related.occurrence) of \(related.keyLabel) for \(incident.serviceName ?? "this service")."
    }
    return text
  }

  /// The span of time whose request counts the draft's SLO figures can read.
  ///
  /// The figures are each SLO's evaluation where the incident's impact ended, over the
  /// window that ends there: counts outside every such window change none of them, so a
  /// load may leave them out. With no SLO of the incident's service the span is empty
  /// (it ends before it starts).
  public static func requestCountsRead(incident: IncidentSnapshot, slos: [SLODefinition], at: Timestamp) -> Interval {
    let end = impactEnd(of: incident, at: at)
    let windows = slos.filter { applies($0, to: incident) }.map { SLOWindows.window($0.window, at: end) }
    guard let first = windows.map(\.start).min(), let last = windows.map(\.end).max() else {
      return Interval(start: end, end: end.adding(milliseconds: -1))
    }
    return Interval(start: first, end: last)
  }

  /// Where the incident's impact ended: its mitigation, else its resolution, else the evaluation time.
  static func impactEnd(of incident: IncidentSnapshot, at: Timestamp) -> Timestamp {
    incident.lifecycle.mitigatedAt ?? incident.lifecycle.resolvedAt ?? at
  }

  /// Whether `slo` measures the incident's service in its org.
  static func applies(_ slo: SLODefinition, to incident: IncidentSnapshot) -> Bool {
    slo.service == incident.serviceName && (slo.orgId ?? incident.orgId) == incident.orgId
  }

  /// The budget this incident consumed, per SLO of its org and service, in the window that ends at its mitigation.
  private static func sloImpacts(_ input: DraftInput, end: Timestamp, eventIds: [String]) -> [JSONValue] {
    let incident = input.incident
    return input.slos.compactMap { slo -> JSONValue? in
      guard applies(slo, to: incident) else { return nil }
      let folded = input.sloResults?.first { $0.definition.name == slo.name }
      guard
        let result = folded
          ?? (try? SLOEngine.evaluate(slo, incidents: input.organisation, at: end, defaultOrgId: incident.orgId, explain: false))
      else { return nil }
      // Planned work excluded from the budget, where it overlapped this incident's impact: said, not hidden.
      let impact = Interval(start: incident.lifecycle.impactStartedAt, end: end)
      let excluding = result.adjustments.filter { $0.occurrence.start < impact.end && impact.start < $0.occurrence.end }
      let note =
        excluding.isEmpty
        ? nil
        : "a budget adjustment applied: "
          + excluding.map { "\($0.name) (\($0.reason)) \($0.occurrence.start) → \($0.occurrence.end)" }.joined(separator: "; ")
          + "; its bad time there does not count"
      let consumer = result.consumers.first { $0.incidentId == incident.incidentId }
      // Without bad time of its own the incident is listed only when an adjustment took that time out.
      guard consumer != nil || note != nil else { return nil }
      let time = result.measure == .time
      let consumed = consumer.map { $0.share.map(EventDescription.percent) ?? "all of a zero budget" } ?? "none"
      let bad =
        consumer.map { time ? duration($0.bad.clampedMilliseconds(.towardZero)) : "\($0.bad.wholeNumberText(.towardZero)) bad requests" }
        ?? "excluded"
      var object: JSONObject = [
        "slo": .string(slo.name), "window": .string("\(slo.window)"), "windowStart": .string(result.window.start.description),
        "windowEnd": .string(result.window.end.description), "consumed": .string(consumed), "bad": .string(bad),
        "budget": .string(
          time
            ? duration(result.errorBudget.clampedMilliseconds(.towardZero)) : "\(result.errorBudget.wholeNumberText(.towardZero)) requests"),
        "unit": .string(time ? "time" : "requests"),
        // The status and severity changes that bound this incident's bad time.
        "eventIds": .array(eventIds.map(JSONValue.string)),
      ]
      if let note { object.append("adjustment", .string(note)) }
      return .object(object)
    }
  }

  private static func timelineEntries(
    _ timeline: [TimelineEntry], zone: String?, impactStart: Timestamp, milestones: [String: String],
    copied: (String, String) -> JSONValue
  ) -> [JSONValue] {
    var entries: [JSONValue] = []
    // Each entry's place against the impact start, the milestone it marks, and its number in the references table.
    func place(_ ts: Timestamp, _ ids: [String]) -> JSONObject {
      [
        "offset": .string(DraftSections.offset(ts, from: impactStart)), "ref": .number(String(entries.count + 1)),
        "milestone": ids.lazy.compactMap { milestones[$0] }.first.map(JSONValue.string) ?? .null,
      ]
    }
    var index = 0
    while index < timeline.count {
      var end = index
      while end < timeline.count, case .signalIngested = timeline[end].event.payload { end += 1 }
      if end - index >= condensedRunLength {
        let run = timeline[index..<end]
        var counts: [String: Int] = [:]
        for entry in run {
          if case .signalIngested(let s) = entry.event.payload { counts["\(s.signalType.rawValue) from \(s.source)", default: 0] += 1 }
        }
        let parts = counts.keys.sorted().map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ")
        let first = run[run.startIndex].event
        let last = run[run.endIndex - 1].event
        var entry: JSONObject = [
          "utc": .string(first.ts.description), "local": local(first.ts, zone: zone), "type": .string("SIGNALS"),
          "kind": .string("signals"), "text": .string("\(run.count) signals until \(last.ts): \(parts)"),
          "eventIds": .array([.string(first.id), .string(last.id)]), "condensed": .bool(true), "flags": .array([]),
        ]
        for (key, value) in place(first.ts, []) { entry.append(key, value) }
        entries.append(.object(entry))
        index = end
        continue
      }
      let event = timeline[index].event
      var flags: JSONValue = .array([])
      switch event.payload {
      case .noteAdded(let p): flags = copied(p.text, "note \(event.id)")
      case .statusChanged(let p): if let reason = p.reason { flags = copied(reason, "status change \(event.id)") }
      default: break
      }
      var entry: JSONObject = [
        "utc": .string(event.ts.description), "local": local(event.ts, zone: zone), "type": .string(event.type),
        "kind": .string(kind(of: event.type)), "text": .string(EventDescription.describe(event.payload, actors: .roles)),
        "eventIds": .array([.string(event.id)]), "condensed": .bool(false), "flags": flags,
      ]
      for (key, value) in place(event.ts, [event.id]) { entry.append(key, value) }
      entries.append(.object(entry))
      index += 1
    }
    return entries
  }

  /// An event type as a reader says it: `INCIDENT_STATUS_CHANGED` is "status changed".
  private static func kind(of type: String) -> String {
    (type.hasPrefix("INCIDENT_") ? String(type.dropFirst(9)) : type).lowercased().replacingOccurrences(of: "_", with: " ")
  }

  private static func local(_ ts: Timestamp, zone: String?) -> JSONValue {
    guard let zone, let timeZone = TimeZone(identifier: zone) else { return .null }
    let seconds = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ts.millisecondsSinceEpoch) / 1000))
    return .string(
      Timestamp(millisecondsSinceEpoch: ts.millisecondsSinceEpoch, utcOffsetMinutes: Int16(seconds / 60)).rfc3339(preservingOffset: true))
  }

  static func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

  static func duration(from start: Timestamp, to end: Timestamp) -> String {
    duration(end.millisecondsSinceEpoch - start.millisecondsSinceEpoch)
  }

  static func duration(_ milliseconds: Int64) -> String { DurationText.format(milliseconds: milliseconds) }
}

/// The events behind each lifecycle figure.
struct Evidence {
  let incident: IncidentSnapshot
  let timeline: [TimelineEntry]

  var creationId: String? {
    timeline.first { if case .created = $0.event.payload { true } else { false } }?.event.id
  }

  var acknowledgementId: String? {
    guard let at = incident.lifecycle.acknowledgedAt else { return nil }
    return timeline.first { entry in
      guard entry.event.ts == at else { return false }
      switch entry.event.payload {
      case .statusChanged(let p): return p.newStatus == .investigating
      case .noteAdded(let p): return p.actorType == nil || p.actorType == .user
      case .playbookActionExecuted(let p): return p.actorType == .user
      default: return false
      }
    }?.event.id
  }

  func spanEventId(_ statuses: Set<IncidentStatus>, at: Timestamp?) -> String? {
    guard let at else { return nil }
    return incident.statusHistory.first { statuses.contains($0.value) && $0.start == at }?.eventId
  }

  /// The events that bound the impact window and the status changes inside it.
  var impactEventIds: [String] {
    var ids: [String] = []
    if let creationId { ids.append(creationId) }
    for span in incident.statusHistory {
      if let id = span.eventId, !ids.contains(id) { ids.append(id) }
    }
    return ids
  }

  func milestones(_ incident: IncidentSnapshot) -> [JSONValue] {
    let l = incident.lifecycle
    func milestone(
      _ name: String, at: Timestamp?, duration: Int64?, definition: String, eventIds: [String?], missing: String
    ) -> JSONValue {
      guard let at else {
        return .object(["name": .string(name), "missing": .bool(true), "reason": .string(missing), "definition": .string(definition)])
      }
      return .object([
        "name": .string(name), "missing": .bool(false), "at": .string(at.description),
        "duration": duration.map { .string(DraftBuilder.duration($0)) } ?? .null,
        "durationMs": duration.map { .number(String($0)) } ?? .null,
        "definition": .string(definition), "eventIds": .array(eventIds.compactMap { $0 }.map(JSONValue.string)),
      ])
    }
    let startedAtKnown = l.impactStartedAt != l.createdAt
    return [
      milestone(
        "impact start", at: l.impactStartedAt, duration: nil,
        definition: startedAtKnown ? "startedAt of INCIDENT_CREATED" : "no startedAt: the creation time",
        eventIds: [creationId], missing: ""),
      milestone(
        "detected (time to detect)", at: incident.hasCreationEvent ? l.createdAt : nil, duration: l.timeToDetect,
        definition: "INCIDENT_CREATED ts − impact start", eventIds: [creationId],
        missing: "no INCIDENT_CREATED in the input: detection time unknown"),
      milestone(
        "acknowledged (time to acknowledge)", at: l.acknowledgedAt, duration: l.timeToAcknowledge,
        definition: "first move to INVESTIGATING, or first note or action by a person − INCIDENT_CREATED ts", eventIds: [acknowledgementId],
        missing: "not recorded: no move to INVESTIGATING and no note or action by a person"),
      milestone(
        "mitigated (time to mitigate)", at: l.mitigatedAt, duration: l.timeToMitigate,
        definition: "first MITIGATED (or RESOLVED) after the last reopen − impact start",
        eventIds: [spanEventId([.mitigated, .resolved], at: l.mitigatedAt)],
        missing: "not recorded: no MITIGATED or RESOLVED status after the last reopen"),
      milestone(
        "resolved (time to resolve)", at: l.resolvedAt, duration: l.timeToResolve,
        definition: "first RESOLVED after the last reopen − impact start", eventIds: [spanEventId([.resolved], at: l.resolvedAt)],
        missing: "not recorded: the incident is not RESOLVED"),
    ]
  }
}

/// Incidents of the same service sharing a correlation key (or title fingerprint) with this one.
struct Related {
  let key: GroupKey?
  let group: [IncidentSnapshot]
  let others: [IncidentSnapshot]
  let occurrence: Int

  init(incident: IncidentSnapshot, organisation: [IncidentSnapshot]) {
    let keys = GroupKey.keys(of: incident)
    key = keys.first
    let sameService = organisation.filter { $0.serviceName == incident.serviceName }
    let primary = key
    group = sameService.filter { candidate in primary.map { GroupKey.keys(of: candidate).contains($0) } ?? false }
      .sorted { ($0.lifecycle.createdAt, $0.incidentId) < ($1.lifecycle.createdAt, $1.incidentId) }
    others = sameService.filter { candidate in
      candidate.incidentId != incident.incidentId && !Set(GroupKey.keys(of: candidate)).isDisjoint(with: keys)
    }.sorted { ($0.lifecycle.createdAt, $0.incidentId) < ($1.lifecycle.createdAt, $1.incidentId) }
    occurrence = (group.firstIndex { $0.incidentId == incident.incidentId } ?? 0) + 1
  }

  var keyLabel: String { key?.label ?? "its title" }

  func json(at: Timestamp) -> JSONValue {
    let earlier = Array(group.prefix(max(0, occurrence - 1)))
    let gaps = zip(group.dropFirst(), group).map {
      DraftBuilder.duration(from: $1.lifecycle.createdAt, to: $0.lifecycle.createdAt)
    }
    let withFollowUps = earlier.filter { $0.followUpCount > 0 || !$0.ticketLinks.isEmpty }.count
    let followUps =
      earlier.isEmpty
      ? "no earlier occurrence"
      : "\(withFollowUps) of \(earlier.count) earlier occurrence(s) recorded follow-up actions (follow-up notes or ticket links)"
    return .object([
      "key": .string(keyLabel), "isFingerprint": .bool(key?.isFingerprint ?? false), "occurrence": .number(String(occurrence)),
      "occurrences": .number(String(group.count)), "isRecurrence": .bool(occurrence > 1),
      "gapsBetweenOccurrences": .array(gaps.map(JSONValue.string)),
      "gapsText": .string(gaps.isEmpty ? "none" : gaps.joined(separator: ", ")), "earlierFollowUps": .string(followUps),
      "hasRelated": .bool(!others.isEmpty),
      "incidents": .array(
        others.map { other in
          let l = other.lifecycle
          let length = l.timeToResolve ?? l.timeToMitigate
          return .object([
            "incidentId": .string(other.incidentId), "title": DraftBuilder.string(other.title),
            "created": .string(l.createdAt.description),
            "duration": .string(
              length.map { "\(DraftBuilder.duration($0)) to \(l.timeToResolve != nil ? "resolve" : "mitigate")" } ?? "still open"),
            "outcome": .string(other.status.rawValue), "followUps": .number(String(other.followUpCount + other.ticketLinks.count)),
          ])
        }),
    ])
  }
}

/// Guiding questions and prompts, specific where the events say something.
struct Questions {
  var contributingFactors: [String] = []
  var rootCause: [String] = []
  var wentWell: [String] = []
  var wentPoorly: [String] = []
  var lucky: [String] = []

  init(incident: IncidentSnapshot, related: Related, evidence: Evidence) {
    let l = incident.lifecycle
    let service = incident.serviceName ?? "the service"
    contributingFactors.append(
      "What changed shortly before \(l.impactStartedAt) in \(service) or its dependencies: deploys, configuration, traffic, capacity?")
    contributingFactors.append(
      "Which conditions let the problem reach users, and which safeguards (tests, canaries, alerts, limits) did not catch it?")
    if l.timeToDetect > 0 {
      contributingFactors.append(
        "Impact began \(DraftBuilder.duration(l.timeToDetect)) before the incident was opened: which signal could have shown it sooner?")
    }
    for span in incident.severityHistory.dropFirst() {
      contributingFactors.append("What was learned at \(span.start) that moved the severity to \(span.value.rawValue)?")
    }
    if incident.reopenCount > 0 {
      contributingFactors.append(
        "The incident was reopened \(incident.reopenCount) time(s): what did the earlier mitigation address, and what did it leave open?")
    }
    if related.occurrence > 1 {
      contributingFactors.append(
        "This is occurrence \(related.occurrence) of \(related.keyLabel): what do the occurrences have in common, and what changed after the earlier ones?"
      )
    }
    rootCause = [
      "What is the deepest cause the team can act on, and which evidence in the timeline supports it?",
      "Which assumptions in the design, the runbook or the alerting turned out not to hold?",
    ]
    wentWell = ["What helped responders understand the problem quickly?"]
    if let tta = l.timeToAcknowledge {
      wentWell.append("Responders acknowledged the incident \(DraftBuilder.duration(tta)) after it was opened: what made that possible?")
    }
    if incident.actionCount > 0 { wentWell.append("Which playbook steps helped, and which would the team automate next?") }
    wentPoorly = [
      "Where did responders wait: for access, information, tooling or decisions?",
      "Which signals were noisy, late or missing?",
    ]
    if incident.reopenCount > 0 { wentPoorly.append("What would have shown that the first mitigation was not enough?") }
    lucky = [
      "What could have made this worse, and what kept it from happening?",
      "Did the time of day, traffic or who was on call limit the impact?",
    ]
  }
}

import IncidentModel

/// Expands one planned incident into its events, deterministically from the plan's seed.
struct IncidentBuilder {
  let plan: IncidentPlan
  let configuration: GeneratorConfiguration
  private var rng: SplitMix64
  private var events: [IncidentEvent] = []
  private var serial = 0
  private var signalSerial = 0
  private(set) var droppedCreation = false

  let incidentId: String
  let orgId: String
  let service: String
  let mode: SampleWorld.FailureMode
  let correlationKey: String?

  init(plan: IncidentPlan, configuration: GeneratorConfiguration) {
    self.plan = plan
    self.configuration = configuration
    var rng = SplitMix64(seed: plan.seed)
    incidentId = "inc_\(Self.base36(plan.index, width: 5))\(rng.hex(4))"
    orgId = SampleGenerator.orgName(plan.org)
    service = SampleWorld.services[plan.service]
    mode = SampleWorld.failureModes[plan.mode]
    let plantedKey = "\(service):\(mode.key)"
    if plan.recurring {
      correlationKey = plantedKey
    } else {
      // Most incidents carry a key; some carry a one-off key; some none (grouped by title then).
      let roll = rng.below(100)
      correlationKey = roll < 72 ? plantedKey : roll < 88 ? "\(plantedKey):\(rng.hex(6))" : nil
    }
    self.rng = rng
  }

  private var isCorrelated: Bool { correlationKey != nil }

  mutating func build() -> [IncidentEvent] {
    let t0 = Timestamp(millisecondsSinceEpoch: plan.createdAt)
    let severity = initialSeverity()
    let environment = rng.chance(0.9) ? "production" : "staging"
    let primarySignal = nextSignalId()
    let title = renderTitle()
    let startedAt: Timestamp? = rng.chance(0.3) ? t0.adding(milliseconds: -rng.minutes(2...20)) : nil

    // Leave out a few creations in dirty streams: an export cut at a window edge.
    // Always draw, so a clean stream and its dirty twin make the same choices afterwards.
    let dropCreation = rng.chance(0.012)
    droppedCreation = configuration.dirty && dropCreation
    let created = IncidentCreated(
      projectId: "proj_\(orgId.dropFirst(4))_\(plan.service % 2 == 0 ? "platform" : "web")", title: title,
      serviceName: service, severity: severity, environment: environment,
      detectedBy: rng.pick(SampleWorld.detectors), initialCorrelationKey: correlationKey,
      runbookPath: rng.chance(0.6) ? "runbooks/\(service)/\(mode.key).md" : nil, primarySignalId: primarySignal,
      startedAt: startedAt)
    if droppedCreation {
      serial += 1  // keep ids of the other events as in the clean stream
    } else {
      add(t0, .created(created))
    }
    // The alert that opened the incident, recorded at the same instant.
    add(
      t0,
      .signalIngested(
        SignalIngested(
          signalId: primarySignal, signalType: .alert, serviceName: service, environment: environment,
          correlationKey: correlationKey, source: created.detectedBy ?? "alertmanager",
          summary: "ALERT \(mode.key) firing for \(service)", observedAt: t0.adding(milliseconds: -30_000),
          data: ["labels": .object(["severity": .string(severity.rawValue.lowercased()), "team": .string("sre")])])))
    add(t0.adding(milliseconds: rng.minutes(0...1)), .tagAdded(TagChanged(tag: rng.pick(SampleWorld.tags))))

    if !plan.recurring && !plan.ongoing && rng.chance(0.08) {
      buildFalseAlarm(from: t0)
    } else {
      buildResponse(from: t0, severity: severity)
    }
    return events
  }

  // MARK: - Flows

  private mutating func buildFalseAlarm(from t0: Timestamp) {
    var t = t0
    if rng.chance(0.5) {
      t = t.adding(milliseconds: rng.minutes(2...10))
      add(
        t,
        .statusChanged(
          StatusChanged(newStatus: .investigating, fromStatus: .open, reason: "Looking into it", actorType: .user, actorRef: person())))
    }
    t = t.adding(milliseconds: rng.minutes(3...30))
    add(t, .noteAdded(NoteAdded(text: "Synthetic check flapped; no customer impact observed.", actorType: .user, actorRef: person())))
    add(
      t.adding(milliseconds: rng.minutes(1...5)),
      .statusChanged(
        StatusChanged(
          newStatus: .cancelled, fromStatus: t == t0 ? .open : .investigating, reason: "False alarm", actorType: .user, actorRef: person()))
    )
  }

  private mutating func buildResponse(from t0: Timestamp, severity: Severity) {
    var current = severity
    let ack = t0.adding(milliseconds: rng.minutes(1...20))
    add(
      ack,
      .statusChanged(
        StatusChanged(newStatus: .investigating, fromStatus: .open, reason: "On-call acknowledged", actorType: .user, actorRef: person())))

    let mitigationMinutes: ClosedRange<Int> = plan.ongoing ? 6 * 60...10 * 60 : severity <= .sev2 ? 15...150 : 20...300
    let mitigated = ack.adding(milliseconds: rng.minutes(mitigationMinutes))
    let activeMinutes = Int((mitigated.millisecondsSinceEpoch - t0.millisecondsSinceEpoch) / 60_000)

    // Severity raised while the impact is understood, sometimes lowered after mitigation.
    var raised = false
    if current != .sev1 && rng.chance(0.25) {
      let at = ack.adding(milliseconds: rng.minutes(2...max(3, activeMinutes / 2)))
      if at < mitigated {
        let higher = Severity.allCases[current.number - 2]
        add(
          at,
          .severityChanged(
            SeverityChanged(
              newSeverity: higher, fromSeverity: current, reason: "Customer impact wider than first thought", actorType: .user,
              actorRef: person())))
        current = higher
        raised = true
      }
    }
    if !raised && current != .sev4 && rng.chance(0.08) {
      let at = ack.adding(milliseconds: rng.minutes(1...10))
      if at < mitigated {
        let lower = Severity.allCases[current.number]
        add(
          at,
          .severityChanged(
            SeverityChanged(
              newSeverity: lower, fromSeverity: current, reason: "Impact limited to internal traffic", actorType: .user, actorRef: person())
          ))
        current = lower
      }
    }

    addMetrics(from: t0, to: mitigated, errorRatio: errorRatio(for: current))
    addNotes(between: ack, and: mitigated)
    addActions(between: ack, and: mitigated)
    if rng.chance(0.45) {
      let system = rng.chance(0.8) ? "JIRA" : "GITHUB"
      let ref = system == "JIRA" ? "OPS-\(rng.range(1000...9999))" : "acme/\(service)#\(rng.range(100...999))"
      let url = system == "JIRA" ? "https://jira.example.com/browse/\(ref)" : "https://github.com/\(ref.replacingHash())"
      add(ack.adding(milliseconds: rng.minutes(1...10)), .linkedToTicket(LinkedToTicket(system: system, ref: ref, url: url)))
    }
    if rng.chance(0.15) {
      add(
        ack.adding(milliseconds: rng.minutes(1...5)),
        .updated(IncidentUpdated(title: "\(renderTitle()) — customer impact confirmed", runbookPath: "runbooks/\(service)/\(mode.key).md")))
    }
    if current <= .sev2 {
      let budgetConsumed = Double(rng.range(5...60)) / 100
      add(
        mitigated.adding(milliseconds: -rng.minutes(1...5)),
        .sloViolationRecorded(
          SLOViolationRecorded(
            sloId: "\(service)-availability", windowStart: mitigated.adding(milliseconds: -28 * 86_400_000),
            windowEnd: mitigated, errorBudgetConsumed: budgetConsumed, thresholdBreached: budgetConsumed >= 0.5,
            details: .string("burn rate above 14.4x over 1h"))))
    }
    add(
      mitigated,
      .statusChanged(
        StatusChanged(
          newStatus: .mitigated, fromStatus: .investigating, reason: "Error rate back under threshold", actorType: .user, actorRef: person()
        )))
    addMetrics(from: mitigated, to: mitigated.adding(milliseconds: 20 * 60_000), errorRatio: 0.0005)
    if raised && rng.chance(0.6) {
      let lower = Severity.allCases[current.number]
      add(
        mitigated.adding(milliseconds: rng.minutes(1...30)),
        .severityChanged(
          SeverityChanged(newSeverity: lower, fromSeverity: current, reason: "Impact contained", actorType: .user, actorRef: person())))
      current = lower
    }

    var closedAt = mitigated
    var lastStatus = IncidentStatus.mitigated
    if rng.chance(0.12) {
      // Reopened: the fix did not hold.
      let reopened = mitigated.adding(milliseconds: rng.minutes(20...240))
      add(
        reopened,
        .statusChanged(
          StatusChanged(
            newStatus: .investigating, fromStatus: .mitigated, reason: "Errors returned after the fix", actorType: .user, actorRef: person()
          )))
      addMetrics(from: reopened, to: reopened.adding(milliseconds: 30 * 60_000), errorRatio: errorRatio(for: current))
      let again = reopened.adding(milliseconds: rng.minutes(15...90))
      add(
        again,
        .statusChanged(
          StatusChanged(
            newStatus: .mitigated, fromStatus: .investigating, reason: "Second fix deployed", actorType: .user, actorRef: person())))
      closedAt = again
      lastStatus = .mitigated
    }

    let resolved = closedAt.adding(milliseconds: rng.minutes(30...2 * 24 * 60))
    if rng.chance(0.5) {
      add(resolved, .resolved(IncidentResolved(summary: "Root cause fixed and verified", actorType: .user, actorRef: person())))
    } else {
      add(
        resolved,
        .statusChanged(
          StatusChanged(
            newStatus: .resolved, fromStatus: lastStatus, reason: "Monitoring clean for 30 minutes", actorType: .user, actorRef: person())))
    }
    if rng.chance(0.5) {
      add(
        resolved.adding(milliseconds: rng.minutes(5...120)),
        .noteAdded(NoteAdded(text: rng.pick(SampleWorld.followUpNotes), actorType: .user, actorRef: person())))
    }
    if rng.chance(0.2) {
      add(resolved.adding(milliseconds: rng.minutes(1...10)), .tagRemoved(TagChanged(tag: "customer-facing")))
    }
  }

  // MARK: - Pieces

  private mutating func addMetrics(from start: Timestamp, to end: Timestamp, errorRatio: Double) {
    var windowStart = start
    while windowStart < end {
      let windowEnd = windowStart.adding(milliseconds: Int64(rng.range(5...15)) * 60_000)
      let total = rng.range(20_000...120_000)
      let jitter = 0.5 + Double(rng.below(100)) / 100
      let bad = min(total, Int(Double(total) * errorRatio * jitter))
      let data: JSONObject
      if rng.chance(0.5) {
        data = [
          "good": .number(String(total - bad)), "total": .number(String(total)), "windowStart": .string(windowStart.description),
          "windowEnd": .string(windowEnd.description),
        ]
      } else {
        data = [
          "bad": .number(String(bad)), "total": .number(String(total)), "windowStart": .string(windowStart.description),
          "windowEnd": .string(windowEnd.description),
        ]
      }
      let counts = RequestCounts(good: Int64(total - bad), total: Int64(total), windowStart: windowStart, windowEnd: windowEnd)
      add(
        windowEnd.adding(milliseconds: Int64(rng.range(5...40)) * 1000),
        .signalIngested(
          SignalIngested(
            signalId: nextSignalId(), signalType: .metric, serviceName: service, environment: nil,
            correlationKey: isCorrelated && rng.chance(0.7) ? correlationKey : nil, source: "prometheus",
            summary: "http_requests error ratio \(String(format3(Double(bad) / Double(total))))", observedAt: windowEnd,
            data: data, requestCounts: counts)))
      windowStart = windowEnd
    }
  }

  private mutating func addNotes(between start: Timestamp, and end: Timestamp) {
    let span = max(1, Int((end.millisecondsSinceEpoch - start.millisecondsSinceEpoch) / 60_000))
    for _ in 0..<rng.range(1...3) {
      let text = rng.chance(0.06) ? rng.pick(SampleWorld.blamefulNotes) : rng.pick(SampleWorld.investigationNotes)
      let byAutomation = rng.chance(0.15)
      add(
        start.adding(milliseconds: rng.minutes(0...span)),
        .noteAdded(NoteAdded(text: text, actorType: byAutomation ? .automation : .user, actorRef: byAutomation ? "runbook-bot" : person())))
    }
  }

  private mutating func addActions(between start: Timestamp, and end: Timestamp) {
    let span = max(1, Int((end.millisecondsSinceEpoch - start.millisecondsSinceEpoch) / 60_000))
    for _ in 0..<rng.range(0...2) {
      let action = rng.pick(mode.actions)
      let byAutomation = rng.chance(0.35)
      add(
        start.adding(milliseconds: rng.minutes(0...span)),
        .playbookActionExecuted(
          PlaybookActionExecuted(
            actionKind: action.kind, label: action.label.replacingPlaceholder("{service}", with: service),
            details: .string("Executed from runbook step \(rng.range(1...6))"), riskLevel: action.risk,
            actorType: byAutomation ? rng.pick([.automation, .system]) : .user,
            actorRef: byAutomation ? rng.pick(SampleWorld.automations) : person())))
    }
  }

  private mutating func add(_ ts: Timestamp, _ payload: EventPayload) {
    serial += 1
    let id = "evt_\(Self.base36(plan.index, width: 5))\(Self.base36(serial, width: 2))\(rng.hex(6))"
    events.append(IncidentEvent(id: id, orgId: orgId, incidentId: incidentId, ts: ts, payload: payload))
  }

  private mutating func nextSignalId() -> String {
    signalSerial += 1
    return "sig_\(Self.base36(plan.index, width: 5))_\(signalSerial)"
  }

  private mutating func person() -> String { rng.pick(SampleWorld.people) }

  private mutating func initialSeverity() -> Severity {
    if plan.ongoing { return .sev1 }
    if plan.recurring { return plan.mode % 2 == 0 ? .sev2 : .sev3 }
    let roll = rng.below(100)
    return roll < 6 ? .sev1 : roll < 26 ? .sev2 : roll < 70 ? .sev3 : .sev4
  }

  private func errorRatio(for severity: Severity) -> Double {
    switch severity {
    case .sev1: 0.25
    case .sev2: 0.08
    case .sev3: 0.02
    case .sev4: 0.005
    }
  }

  private mutating func renderTitle() -> String {
    mode.title
      .replacingPlaceholder("{service}", with: service)
      .replacingPlaceholder("{n}", with: String(rng.range(2...97)))
      .replacingPlaceholder("{hex}", with: rng.hex(8))
  }

  static func base36(_ value: Int, width: Int) -> String {
    let text = String(value, radix: 36)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
  }
}

/// Three decimals, without Foundation.
private func format3(_ value: Double) -> String {
  let thousandths = Int((value * 1000).rounded())
  let fraction = String(thousandths % 1000)
  return "\(thousandths / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}

extension String {
  fileprivate func replacingPlaceholder(_ placeholder: String, with value: String) -> String {
    split(separator: placeholder, omittingEmptySubsequences: false).joined(separator: value)
  }

  fileprivate func replacingHash() -> String {
    split(separator: "#").joined(separator: "/issues/")
  }
}

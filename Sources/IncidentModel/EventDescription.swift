/// One line saying what an event did, for timelines.
public enum EventDescription {
  /// How actors appear: by reference (`USER user_7`), or by role only (`responder`), as a postmortem names them.
  public enum Actors: Sendable {
    case references
    case roles
  }

  public static func describe(_ payload: EventPayload, actors: Actors = .references) -> String {
    func by(_ type: ActorType?, _ ref: String?) -> String {
      switch actors {
      case .references:
        guard type != nil || ref != nil else { return "" }
        return " by " + [type?.rawValue, ref].compactMap { $0 }.joined(separator: " ")
      case .roles:
        guard let type else { return "" }
        return " by \(role(type, ref))"
      }
    }
    func because(_ reason: String?) -> String { reason.map { " (\($0))" } ?? "" }
    switch payload {
    case .created(let p):
      return "\(p.severity.rawValue) \(p.serviceName)/\(p.environment): \(quoted(p.title))"
        + (p.detectedBy.map { " detected by \($0)" } ?? "")
    case .updated(let p):
      let changes: [String?] = [
        p.title.map { "title \(quoted($0))" }, p.serviceName.map { "service \($0)" }, p.environment.map { "environment \($0)" },
        p.projectId.map { "project \($0)" }, p.runbookPath.map { "runbook \($0)" }, p.detectedBy.map { "detected by \($0)" },
      ]
      return "updated " + changes.compactMap { $0 }.joined(separator: ", ")
    case .statusChanged(let p):
      return "\(p.fromStatus.map { "\($0.rawValue) → " } ?? "→ ")\(p.newStatus.rawValue)\(because(p.reason))\(by(p.actorType, p.actorRef))"
    case .resolved(let p):
      return "→ RESOLVED\(because(p.summary))\(by(p.actorType, p.actorRef))"
    case .severityChanged(let p):
      return
        "\(p.fromSeverity.map { "\($0.rawValue) → " } ?? "→ ")\(p.newSeverity.rawValue)\(because(p.reason))\(by(p.actorType, p.actorRef))"
    case .tagAdded(let p): return "+\(p.tag)"
    case .tagRemoved(let p): return "-\(p.tag)"
    case .signalIngested(let p):
      var text = "\(p.signalType.rawValue) from \(p.source): \(quoted(p.summary))"
      if let counts = p.requestCounts { text += " [\(counts.bad) bad of \(counts.total)]" }
      if let key = p.correlationKey { text += " key \(key)" }
      return text
    case .noteAdded(let p): return "\(quoted(p.text))\(by(p.actorType ?? (actors == .roles ? .user : nil), p.actorRef))"
    case .playbookActionExecuted(let p):
      return "\(p.actionKind) \(quoted(p.label))" + (p.riskLevel.map { " risk \($0)" } ?? "") + by(p.actorType, p.actorRef)
    case .sloViolationRecorded(let p):
      return "\(p.sloId): \(percent(p.errorBudgetConsumed)) of budget consumed (recorded live)"
        + (p.thresholdBreached ? ", threshold breached" : "")
    case .linkedToTicket(let p): return "\(p.system) \(p.ref)" + (p.url.map { " \($0)" } ?? "")
    case .unknown(let type, _): return "(\(type) is not a known type; ignored by replay)"
    }
  }

  /// An actor by role: people are responders; automation and systems keep their name.
  public static func role(_ type: ActorType, _ ref: String?) -> String {
    switch type {
    case .user: "responder"
    case .automation: "automation" + (ref.map { " (\($0))" } ?? "")
    case .system: "system" + (ref.map { " (\($0))" } ?? "")
    default: type.rawValue.lowercased()
    }
  }

  private static func quoted(_ text: String) -> String { "\"\(text)\"" }

  /// A fraction as a percentage with one decimal.
  public static func percent(_ value: Double) -> String { NumberText.percent(value, places: 1) }
}

/// Durations as people read them, the same in every output.
public enum DurationText {
  /// `42s`, `4m 12s`, `1h 02m`, `2d 03h`; negative durations keep their sign.
  public static func format(milliseconds: Int64) -> String {
    let seconds = abs(milliseconds) / 1000
    func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let text: String
    switch seconds {
    case ..<60: text = "\(seconds)s"
    case ..<3600: text = "\(seconds / 60)m \(two(seconds % 60))s"
    case ..<86_400: text = "\(seconds / 3600)h \(two(seconds / 60 % 60))m"
    default: text = "\(seconds / 86_400)d \(two(seconds / 3600 % 24))h"
    }
    return milliseconds < 0 ? "-" + text : text
  }
}

/// Numbers as text, without Foundation's locale: the same in every output.
public enum NumberText {
  /// `value` with `places` decimals, rounded half away from zero; `-0` is written `0`.
  public static func decimal(_ value: Double, places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9e17 else { return value < 0 ? "-\(abs(value))" : "\(value)" }
    let integer = Int64(scaled)
    let whole = integer / Int64(scale)
    let fraction = String(integer % Int64(scale))
    let sign = value < 0 && integer != 0 ? "-" : ""
    guard places > 0 else { return "\(sign)\(whole)" }
    return "\(sign)\(whole).\(String(repeating: "0", count: places - fraction.count))\(fraction)"
  }

  /// A ratio as a percentage: `0.1234` with 2 places is `12.34%`.
  public static func percent(_ ratio: Double, places: Int = 2) -> String {
    decimal(ratio * 100, places: places) + "%"
  }
}

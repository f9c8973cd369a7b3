import EventSources
public import IncidentModel
public import ReplayEngine

/// `incidents validate`: what a load read, kept and left out.
public enum LoadSummaryRendering {
  /// How many locations to list per reason; stderr has every one.
  public static let locationsPerReason = 10

  public static func text(_ s: LoadSummary, inputs: [String]) -> String {
    var out = "Inputs: \(inputs.joined(separator: ", "))\n\n"
    func row(_ label: String, _ value: Int, _ note: String = "") {
      out += "  \(Format.left(label, 24))\(Format.right(String(value), 9))\(note.isEmpty ? "" : "  \(note)")\n"
    }
    row("records read", s.recordsRead)
    row("events decoded", s.eventsDecoded)
    row("unique events", s.uniqueEvents, "replayed")
    row("exact duplicates", s.exactDuplicates, "counted once")
    row("conflicting duplicates", s.conflictingDuplicates, "skipped")
    row("broken records", s.brokenRecords, "skipped")
    row("unknown event types", s.unknownTypeEvents, "kept, ignored by replay")
    row("incidents", s.incidents, s.incidentsWithoutCreation > 0 ? "\(s.incidentsWithoutCreation) without INCIDENT_CREATED" : "")
    row("organisations", s.orgs.count, s.orgs.joined(separator: ", "))

    out += "\nEvents by type\n"
    let known = EventType.allCases.map(\.rawValue)
    let unknown = s.eventsByType.keys.filter { !known.contains($0) }.sorted()
    for type in known + unknown {
      let count = s.eventsByType[type] ?? 0
      let note = known.contains(type) ? "" : "unknown type"
      out += "  \(Format.left(type, 36))\(Format.right(String(count), 9))\(note.isEmpty ? "" : "  \(note)")\n"
    }

    if !s.skippedByReason.isEmpty {
      out += "\nSkipped records by reason\n"
      for reason in s.skippedByReason.keys.sorted() {
        let locations = s.skippedByReason[reason] ?? []
        let shown = locations.prefix(locationsPerReason).joined(separator: ", ")
        let more = locations.count > locationsPerReason ? ", … \(locations.count - locationsPerReason) more" : ""
        out += "  \(reason) (\(locations.count)): \(shown)\(more)\n"
      }
    }
    out += "\n"
    if s.skipped == 0 && s.unknownTypeEvents == 0 {
      out += "OK: every record was replayed.\n"
    } else {
      out += "NOT CLEAN: \(s.skipped) record(s) skipped, \(s.unknownTypeEvents) event(s) of unknown types ignored.\n"
    }
    return out
  }

  public static func json(_ s: LoadSummary, inputs: [String]) -> JSONValue {
    func n(_ value: Int) -> JSONValue { .number(String(value)) }
    let known = EventType.allCases.map(\.rawValue)
    let types = known + s.eventsByType.keys.filter { !known.contains($0) }.sorted()
    var byType = JSONObject()
    for type in types { byType.append(type, n(s.eventsByType[type] ?? 0)) }
    var skipped = JSONObject()
    for reason in s.skippedByReason.keys.sorted() {
      skipped.append(reason, .array((s.skippedByReason[reason] ?? []).map(JSONValue.string)))
    }
    return .object([
      "inputs": .array(inputs.map(JSONValue.string)),
      "clean": .bool(s.skipped == 0 && s.unknownTypeEvents == 0),
      "recordsRead": n(s.recordsRead), "eventsDecoded": n(s.eventsDecoded), "uniqueEvents": n(s.uniqueEvents),
      "exactDuplicates": n(s.exactDuplicates), "conflictingDuplicates": n(s.conflictingDuplicates),
      "brokenRecords": n(s.brokenRecords), "unknownTypeEvents": n(s.unknownTypeEvents),
      "incidents": n(s.incidents), "incidentsWithoutCreation": n(s.incidentsWithoutCreation),
      "orgs": .array(s.orgs.map(JSONValue.string)), "eventsByType": .object(byType), "skippedByReason": .object(skipped),
    ])
  }
}

public import ArgumentParser
import EventSources
import IncidentModel
import ReplayEngine

extension IncidentsCommand {
  /// `incidents show`: one incident, replayed, with its whole timeline.
  public struct Show: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Replay one incident and print its snapshot and timeline.")

    @Argument(help: "The incident's id, e.g. inc_00042a1b2.")
    public var incidentId: String

    @OptionGroup(title: "Input") public var input: InputOptions

    @Option(help: "Output format: text for people, json for machines.")
    public var format: TextOrJSON = .text

    public init() {}

    public func run() async throws {
      let loaded = try input.loadIncident(incidentId)
      let source = try input.source(incidentId: incidentId)
      switch format {
      case .text:
        let texts = loaded.snapshots.map { SnapshotRendering.text($0, sourceLocation: source.location(of:)) }
        StandardOutput.write(texts.joined(separator: "\n"))
      case .json:
        let documents = loaded.snapshots.map { SnapshotRendering.json($0, sourceLocation: source.location(of:)) }
        StandardOutput.write(JSONText.pretty(documents.count == 1 ? documents[0] : .array(documents)))
      }
    }
  }
}

/// A name the user gave that the input does not hold.
enum LookupError: Error, CustomStringConvertible {
  case unknownIncident(String, suggestions: [String], incidents: Int)

  var description: String {
    switch self {
    case .unknownIncident(let id, let suggestions, let count):
      let hint = suggestions.isEmpty ? "" : "; did you mean \(suggestions.joined(separator: ", "))?"
      return "no incident '\(id)' in the input (it holds \(count) incident(s))\(hint)"
    }
  }
}

extension InputOptions {
  /// Loads one incident with full detail; an unknown id is an error that suggests near matches.
  func loadIncident(_ incidentId: String) throws -> LoadedIncidents {
    let loaded = try load(detail: .full, incidentId: incidentId)
    guard loaded.snapshots.isEmpty else { return loaded }
    // Only on this error path: read the ids once more, for "did you mean".
    var allIds = Set<String>()
    try source().read(event: { event, _ in allIds.insert(event.incidentId) }, broken: { _, _ in })
    throw LookupError.unknownIncident(incidentId, suggestions: NearMatches.find(incidentId, among: allIds), incidents: allIds.count)
  }
}

/// Close spellings of an id, for "did you mean".
enum NearMatches {
  static func find(_ wanted: String, among candidates: Set<String>, limit: Int = 3) -> [String] {
    let target = Array(wanted.lowercased().utf8)
    let threshold = max(2, target.count / 4)
    var scored: [(distance: Int, id: String)] = []
    for candidate in candidates {
      let lower = candidate.lowercased()
      if lower.hasPrefix(wanted.lowercased()) || wanted.lowercased().hasPrefix(lower) {
        scored.append((0, candidate))
        continue
      }
      let distance = editDistance(target, Array(lower.utf8), limit: threshold)
      if distance <= threshold { scored.append((distance, candidate)) }
    }
    return scored.sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }.prefix(limit).map(\.id)
  }

  /// Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`.
  static func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
    if abs(a.count - b.count) > limit { return limit + 1 }
    var previous = Array(0...b.count)
    var current = Array(repeating: 0, count: b.count + 1)
    for i in 1...max(1, a.count) where !a.isEmpty {
      current[0] = i
      var rowMinimum = current[0]
      for j in 1...max(1, b.count) where !b.isEmpty {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        rowMinimum = min(rowMinimum, current[j])
      }
      if rowMinimum > limit { return limit + 1 }
      swap(&previous, &current)
    }
    return a.isEmpty ? b.count : previous[b.count]
  }
}

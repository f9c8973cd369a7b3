public import ArgumentParser
import EventSources
import IncidentModel
import Rendering
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
  ///
  /// A file or standard input is read once: every incident is replayed (the others in brief) so that
  /// a miss can name the closest ids and the count. A table is asked for the incident's rows alone,
  /// and only when there are none for its ids.
  func loadIncident(_ incidentId: String) throws -> LoadedIncidents {
    guard postgres == nil else {
      let loaded = try load(detail: .full, incidentId: incidentId)
      guard loaded.snapshots.isEmpty else { return loaded }
      var closest = NearMatches.Closest(to: incidentId)
      var allIds = Set<String>()
      try source(inSourceOrder: true).read(
        event: { event, _ in if allIds.insert(event.incidentId).inserted { closest.consider(event.incidentId) } },
        broken: { _, _ in })
      throw LookupError.unknownIncident(incidentId, suggestions: closest.matches, incidents: allIds.count)
    }
    let lookup = IncidentLookup(incidentId: incidentId)
    let (partial, summary) = try fold(lookup, wholeEventsOf: incidentId)
    let found = lookup.finish(partial)
    guard !found.isEmpty else {
      throw LookupError.unknownIncident(incidentId, suggestions: partial.closest.matches, incidents: summary.incidents)
    }
    var only = summary
    only.incidents = found.count
    return LoadedIncidents(snapshots: found, summary: only)
  }
}

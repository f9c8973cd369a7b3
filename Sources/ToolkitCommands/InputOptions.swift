public import ArgumentParser
public import EventSources
public import IncidentModel

/// Where events come from, shared by every command that reads them.
public struct InputOptions: ParsableArguments {
  @Option(
    name: .long, parsing: .upToNextOption,
    help: ArgumentHelp("JSON Lines files of IncidentEvents (gzip allowed; '-' reads standard input).", valueName: "file"))
  public var events: [String] = []

  @Flag(name: .long, help: "Stop with exit code 2 at the first broken or conflicting record instead of skipping it.")
  public var strict = false

  public init() {}

  public func validate() throws {
    guard !events.isEmpty else {
      throw ValidationError("Missing '--events <file> ...': name at least one JSON Lines file, or '-' for standard input.")
    }
  }

  /// The source the options name.
  public var source: any EventSource { JSONLinesSource(paths: events) }

  /// Reads and replays the input, reporting each problem on standard error as it is found
  /// and a count of skipped records at the end.
  public func load(
    detail: EventDetail, include: (IncidentEvent) -> Bool = { _ in true }
  ) throws -> LoadedIncidents {
    let loaded = try IncidentLoader.load(
      from: source, options: LoadOptions(strict: strict, detail: detail), include: include,
      report: { StandardError.write($0.description) })
    let summary = loaded.summary
    if summary.warningsNotShown > 0 {
      StandardError.write("warning: \(summary.warningsNotShown) more warning(s) not shown")
    }
    if summary.skipped > 0 {
      StandardError.write("skipped \(summary.skipped) of \(summary.recordsRead) record(s); the rest were replayed")
    }
    return loaded
  }
}

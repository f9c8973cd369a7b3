public import ArgumentParser
import IncidentModel
import Patterns
import Rendering

extension ReliabilityCommand {
  /// `reliability patterns`: what keeps happening, how often, and what it costs.
  public struct Patterns: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "List recurring incident groups (org, service, correlation key) of a period.",
      discussion: """
        The period is --week, or --since and --until; by default the last complete ISO week before --at. \
        Incidents count in the period they were created in; each group is compared with the preceding \
        period of the same length. An incident without a correlation key is grouped by a fingerprint of \
        its title. Here --since and --until name the period: events are not cut by them, so every incident \
        keeps its whole history.
        """)

    @OptionGroup(title: "Input") public var input: InputOptions

    @Option(help: ArgumentHelp("The ISO week to analyse, as 2026-W47.", valueName: "week"))
    public var week: String?

    @Option(
      help: ArgumentHelp("Evaluation time: open incidents are bad until then (RFC 3339 or YYYY-MM-DD; default now).", valueName: "time"))
    public var at: String?

    @Option(help: "A group recurs with at least this many incidents in the period.")
    public var minCount = 2

    @Option(help: "Output: table for people, json or csv for machines.")
    public var format: TableJSONCSV = .table

    public init() {}

    public func validate() throws {
      try PeriodSelection.validate(week: week, input: input)
      guard minCount >= 1 else { throw ValidationError("'--min-count' must be at least 1 (got \(minCount)).") }
    }

    public func run() async throws {
      let at = try TimeArgument.evaluationTime(at)
      let selection = try PeriodSelection.resolve(week: week, input: input, at: at)
      let period = selection.period
      let label = selection.isWeek ? "ISO week \(selection.label)" : nil
      let fold = PatternFold(period: period, at: at, minimumCount: minCount)
      let identity = FoldIdentity(command: "reliability patterns", settings: ["--at": "\(at)", "period": "\(period)"])
      guard let folded = try input.foldForOutput(fold, identity: identity, readsWholeHistories: true) else { return }
      let report = fold.finish(folded.partial)
      switch format {
      case .table: StandardOutput.write(PatternRendering.table(report, periodLabel: label))
      case .json: StandardOutput.write(JSONText.pretty(PatternRendering.json(report)))
      case .csv: StandardOutput.write(PatternRendering.csv(report))
      }
    }
  }
}

/// Output for people (a table) or for machines.
public enum TableJSONCSV: String, ExpressibleByArgument, CaseIterable, Sendable {
  case table
  case json
  case csv
}

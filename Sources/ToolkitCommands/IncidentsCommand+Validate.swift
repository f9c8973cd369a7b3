public import ArgumentParser
import EventSources
import IncidentModel
import Rendering
import ReplayEngine

extension IncidentsCommand {
  /// `incidents validate`: says whether a stream is clean enough to trust.
  public struct Validate: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Check IncidentEvent streams: count events, incidents and orgs; name every skipped record.",
      discussion: """
        Each broken or conflicting record is reported on standard error as FILE:LINE: reason. \
        Exits 1 when any record was skipped or any event had an unknown type, 2 on an input error.
        """)

    @OptionGroup(title: "Input") public var input: InputOptions

    @Option(help: "Output format: text for people, json for machines.")
    public var format: TextOrJSON = .text

    public init() {}

    public func run() async throws {
      guard let folded = try input.foldForOutput(SummaryOnly(), identity: FoldIdentity(command: "incidents validate")) else {
        return
      }
      let summary = folded.summary
      switch format {
      case .text: StandardOutput.write(LoadSummaryRendering.text(summary, inputs: folded.inputs))
      case .json: StandardOutput.write(JSONText.pretty(LoadSummaryRendering.json(summary, inputs: folded.inputs)))
      }
      if summary.skipped > 0 || summary.unknownTypeEvents > 0 { throw ExitCode(ToolkitExit.policyBreach) }
    }
  }
}

public import ArgumentParser
import EventSources

extension IncidentsCommand {
  /// `incidents export`: the events of a source as JSON Lines.
  public struct Export: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Write the events of a table (or of files) as JSON Lines that replay as the source does.",
      discussion: """
        Events keep the source's order and are written in the toolkit's canonical form, \
        so exporting what 'incidents import' loaded gives the same bytes again. \
        Broken records are reported and left out (or stop the export under --strict).
        """)

    @OptionGroup(title: "Input") public var input: InputOptions

    @Option(help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file"), completion: .file())
    public var out: String?

    public init() {}

    public func run() async throws {
      let target = try OutputTarget(path: out)
      var written = 0
      let skipped = try input.forEachEvent { event in
        try target.write(EventEncoder.jsonLine(event) + "\n")
        written += 1
      }
      try target.commit()
      StandardError.note("exported \(written) event(s)" + (skipped > 0 ? "; \(skipped) broken record(s) left out" : ""))
      if skipped > 0 { throw ExitCode(ToolkitExit.policyBreach) }
    }
  }
}

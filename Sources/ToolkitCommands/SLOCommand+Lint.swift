public import ArgumentParser
import Rendering
import SLOBudget

extension SLOCommand {
  /// `slo lint`: the definitions checked on their own, as `oslo validate` does, without reading events.
  public struct Lint: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Check SLO definitions without reading events: exit 0 when they load, 2 when one does not.",
      discussion: """
        Every SLO is parsed, its indicatorRef resolved against the kind: SLI documents of the same file or directory, \
        and each field that is read but changes nothing here is reported as a warning.
        """)

    @Option(
      help: ArgumentHelp("OpenSLO v1 YAML: a file (several documents allowed) or a directory of .yaml/.yml files.", valueName: "path"),
      completion: .file())
    public var slos: String

    public init() {}

    public func run() async throws {
      let documents = try SLOOptions.documents(at: slos, org: nil)
      var summary = "\(slos): \(documents.definitions.count) SLO(s)"
      if !documents.services.isEmpty { summary += ", \(documents.services.count) declared service(s)" }
      summary += documents.warnings.isEmpty ? ", no warnings" : ", \(documents.warnings.count) warning(s)"
      StandardOutput.write(summary + "\n")
    }
  }
}

public import ArgumentParser
import EventSources
import IncidentModel
import SampleGenerator

extension IncidentsCommand {
  /// `incidents generate`: deterministic sample streams.
  public struct Generate: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      abstract: "Write a realistic, deterministic IncidentEvent stream (and matching OpenSLO documents).",
      discussion: """
        The same options always give the same bytes. The defaults write the bundled sample:
          incidents generate --out samples/events.jsonl --slos-out samples/slos.yaml
        """)

    @Option(help: "Seed of the pseudo-random choices.")
    public var seed: UInt64 = 1

    @Option(help: "Number of incidents (planted weekly patterns included).")
    public var incidents = 240

    @Option(help: "Number of organisations (tenants).")
    public var orgs = 2

    @Option(help: "First day of the stream, YYYY-MM-DD (UTC).")
    public var start = "2026-09-28"

    @Option(help: "Number of weeks the stream covers.")
    public var weeks = 8

    @Flag(help: "Add real-world dirt: duplicates, conflicts, shuffled and broken lines, unknown types, missing creations.")
    public var dirty = false

    @Option(
      help: ArgumentHelp("Write the stream to this file (atomically) instead of standard output.", valueName: "file"), completion: .file())
    public var out: String?

    @Option(
      name: .customLong("slos-out"), help: ArgumentHelp("Also write OpenSLO documents for the sample services.", valueName: "file"),
      completion: .file())
    public var slosOut: String?

    @OptionGroup(title: "Feedback") public var feedback: ProgressOptions

    public init() {}

    public func validate() throws {
      guard incidents >= 1 else { throw ValidationError("'--incidents' must be at least 1 (got \(incidents)).") }
      guard (1...1000).contains(orgs) else { throw ValidationError("'--orgs' must be between 1 and 1000 (got \(orgs)).") }
      guard (1...520).contains(weeks) else { throw ValidationError("'--weeks' must be between 1 and 520 (got \(weeks)).") }
      guard CivilDate(iso: start) != nil else { throw ValidationError("'--start' must be a date as YYYY-MM-DD (got '\(start)').") }
    }

    public func run() async throws {
      guard let startDate = CivilDate(iso: start) else { return }  // checked in validate()
      let generator = SampleGenerator(
        configuration: GeneratorConfiguration(
          seed: seed, incidents: incidents, orgs: orgs, start: startDate, weeks: weeks, dirty: dirty))
      let report: GenerationReport
      // Lines and bytes written, for the progress line.
      let written = ReadProgress()
      let line = feedback.startLine { [incidents] elapsed in
        let now = written.snapshot()
        return ProgressText.describeWriting(lines: now.records, bytes: now.bytesRead, elapsed: elapsed, of: incidents)
      }
      defer { line?.stop() }
      func write(_ text: String, to output: (String) throws -> Void) throws {
        written.addRecords(1)
        written.addBytes(text.utf8.count + 1)
        try output(text + "\n")
      }
      if let slosOut, out != nil, out != "-" {
        // The stream and its SLO documents appear together or not at all.
        let files = OutputSet()
        let events = try files.add(out ?? "-")
        let slos = try files.add(slosOut)
        report = try generator.generate { text in try write(text, to: events.write) }
        try slos.write(generator.sloDocuments())
        try files.commit()
      } else {
        let target = try OutputTarget(path: out)
        report = try generator.generate { text in try write(text, to: target.write) }
        try target.commit()
        if let slosOut {
          let slos = try OutputTarget(path: slosOut)
          try slos.write(generator.sloDocuments())
          try slos.commit()
        }
      }
      line?.stop()
      var message = "generated \(report.events) events for \(report.incidents) incidents in \(report.lines) lines"
      if dirty {
        let dirt = report.dirt.keys.sorted().map { "\($0) \(report.dirt[$0] ?? 0)" }.joined(separator: ", ")
        message += "; dirt: \(dirt); incidents without INCIDENT_CREATED \(report.incidentsWithoutCreation.count)"
      }
      StandardError.note(message)
    }
  }
}

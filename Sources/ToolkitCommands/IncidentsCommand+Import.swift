public import ArgumentParser
import EventSources
import PostgresSource

extension IncidentsCommand {
  /// `incidents import`: load JSON Lines into a PostgreSQL table.
  public struct Import: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
      commandName: "import",
      abstract: "Load JSON Lines files into an IncidentEvent table, in one transaction.",
      discussion: """
        Events whose id the table already holds are skipped, as are repeats within the input \
        (the first one read is kept). Any failure leaves the table as it was.
        """)

    @Option(
      name: .long, parsing: .upToNextOption,
      help: ArgumentHelp("JSON Lines files to load (gzip allowed; '-' reads standard input).", valueName: "file"), completion: .file())
    public var events: [String] = []

    @Option(help: ArgumentHelp("The database: a libpq connection string or a postgres:// URL.", valueName: "connection"))
    public var postgres: String

    @Option(help: ArgumentHelp("The table, as TABLE or SCHEMA.TABLE.", valueName: "name"))
    public var table = "IncidentEvent"

    @Flag(help: "Create the table (and its indexes) with the product's Prisma shape if it does not exist.")
    public var createTable = false

    @Flag(help: "Stop, loading nothing, at the first broken record instead of skipping it.")
    public var strict = false

    @OptionGroup(title: "Feedback") public var feedback: ProgressOptions
    @OptionGroup(title: "Feedback") public var diagnosticsOption: DiagnosticsOption

    public init() {}

    public func validate() throws {
      guard !events.isEmpty else { throw ValidationError("Missing '--events <file> ...': name the files to load.") }
    }

    public func run() async throws {
      let tableName: PostgresTableName
      do {
        tableName = try PostgresTableName(parsing: table)
      } catch {
        throw ValidationError("\(error)")
      }
      var source = JSONLinesSource(paths: events)
      let progress = ReadProgress()
      source.progress = progress
      progress.setTotalBytes(source.storedSize)
      let line = feedback.startLine(reading: ProgressText.label(files: events), progress)
      defer { line?.stop() }
      var broken = BrokenRecords(strict: strict, log: try diagnosticsOption.makeLog())
      let summary: PostgresImportSummary
      do {
        summary = try PostgresImporter.importEvents(into: tableName, connectionString: postgres, createTable: createTable) { add in
          try source.read(
            event: { event, origin in
              progress.addRecords(1)
              if let problem = PostgresImporter.unstorable(event) { return try broken.report(origin, problem, in: source) }
              try add(event)
            },
            broken: { origin, error in
              progress.addRecords(1)
              try broken.report(origin, error, in: source)
            })
        }
      } catch {
        line?.stop()
        try? broken.finish()
        throw error
      }
      line?.stop()
      try broken.finish()
      var message = "imported \(summary.inserted) new event(s) into \(tableName); \(summary.alreadyPresent) already present"
      if broken.count > 0 { message += "; \(broken.count) broken record(s) left out" }
      StandardError.note(message)
      // As `incidents validate`: input left out is a policy matter the caller must see.
      if broken.count > 0 { throw ExitCode(ToolkitExit.policyBreach) }
    }
  }
}

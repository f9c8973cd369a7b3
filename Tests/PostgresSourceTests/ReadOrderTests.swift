import EventSources
import Foundation
import PostgresSource
import ReplayEngine
import TestSupport
import Testing

/// `--postgres-order`: the table read in its own order (partitioned, spilled) or incident by incident (streamed).
@Suite("Reading a table incident by incident", .enabled(if: Server.isAvailable))
struct ReadOrderTests {
  /// A `--dirty` stream imported into a table shaped as the Prisma model (primary key, indexes).
  private static func dirtyTable() throws -> (table: String, directory: TemporaryDirectory) {
    let directory = try TemporaryDirectory()
    let stream = directory.path("dirty.jsonl")
    let generated = try runTool(
      "incidents", ["generate", "--seed", "11", "--incidents", "400", "--orgs", "3", "--weeks", "6", "--dirty", "--out", stream])
    guard generated.status == 0 else { throw TestFailure("generate failed: \(generated.stderr)") }
    return (try Server.loadTable(stream), directory)
  }

  private func both(_ tool: String, _ arguments: [String]) throws -> (table: CommandResult, incident: CommandResult) {
    let table = try runTool(tool, arguments + ["--postgres-order", "table", "--memory-limit", "64K", "--partitions", "7"])
    let incident = try runTool(tool, arguments + ["--postgres-order", "incident"])
    return (table, incident)
  }

  /// Diagnostics as a sorted list, rows unnumbered, without which unknown-type warnings were shown: those are
  /// numbered in the order read and are the first few of their kind in that order, so only their count is compared.
  private static func comparable(_ stderr: String) -> (lines: [String], unknownTypeWarnings: Int) {
    let lines = stderr.split(separator: "\n").map {
      $0.replacingOccurrences(of: #" row [0-9]+"#, with: " row N", options: .regularExpression)
    }
    let unknown = lines.filter { $0.contains("has unknown type") }
    return (lines.filter { !$0.contains("has unknown type") }.sorted(), unknown.count)
  }

  @Test func everyCommandGivesTheSameBytesEitherWay() throws {
    let (table, directory) = try Self.dirtyTable()
    let input = ["--postgres", Server.url, "--table", table]
    let slos = ["--slos", "samples/slos.yaml", "--at", "2026-11-16T00:00:00Z"]
    let runs: [(String, [String])] = [
      ("incidents", ["validate"] + input),
      ("slo", ["check", "--format", "json"] + input + slos),
      ("slo", ["report", "--format", "json", "--explain", "--since", "2026-10-05", "--until", "2026-11-16"] + input + slos),
      (
        "reliability",
        ["patterns", "--format", "json", "--min-count", "1", "--since", "2026-10-05", "--until", "2026-11-16", "--at", "2026-11-16"]
          + input
      ),
    ]
    for (tool, arguments) in runs {
      let (byTable, byIncident) = try both(tool, arguments)
      #expect(byTable.status == byIncident.status, "\(tool) \(arguments[0])")
      #expect(!byTable.stdout.isEmpty, "\(tool) \(arguments[0])")
      #expect(byTable.stdout == byIncident.stdout, "\(tool) \(arguments[0])")
      // The same diagnostics, those found while reading listed in the order read.
      #expect(Self.comparable(byTable.stderr) == Self.comparable(byIncident.stderr), "\(tool) \(arguments[0])")
      #expect(byTable.stderr.contains("unknown type"), "\(tool) \(arguments[0])")
    }
    // The weekly workbooks' Markdown summaries, Timeline counts included.
    for order in ["table", "incident"] {
      let weekly = try runTool(
        "reliability",
        ["weekly", "--week", "2026-W45", "--out-dir", directory.path(order), "--postgres-order", order] + input + slos)
      #expect(weekly.status == 0, "\(weekly.stderr)")
    }
    let summaries = try ["table", "incident"].map { order in
      try FileManager.default.contentsOfDirectory(atPath: directory.path(order)).sorted().filter { $0.hasSuffix(".md") }
        .map { try String(contentsOfFile: directory.path("\(order)/\($0)"), encoding: .utf8) }
    }
    #expect(!summaries[0].isEmpty)
    #expect(summaries[0] == summaries[1])
  }

  @Test func autoReadsIncidentByIncidentOnlyWhereTheIdIsUniqueAndAnIndexLeadsWithTheIncident() throws {
    let table = try Server.loadTable()
    let admin = try Server.adminConnection()
    func chosen(_ name: String) throws -> PostgresReadOrder {
      try PostgresEventSource(connectionString: Server.url, table: PostgresTableName(name: name)).choosingOrder().order
    }
    #expect(try chosen(table) == .incident)
    // A copy has neither the primary key nor the indexes.
    let copy = Server.freshTable("copy")
    try admin.execute("CREATE TABLE \"\(copy)\" AS SELECT * FROM \"\(table)\"", while: "test setup")
    try admin.execute("ALTER TABLE \"\(copy)\" OWNER TO revenant", while: "test setup")
    #expect(try chosen(copy) == .table)
    try admin.execute("ALTER TABLE \"\(copy)\" ADD PRIMARY KEY (id)", while: "test setup")
    #expect(try chosen(copy) == .table, "no index leads with (orgId, incidentId): the server would sort the table")
    try admin.execute("CREATE INDEX ON \"\(copy)\" (\"orgId\", \"incidentId\")", while: "test setup")
    #expect(try chosen(copy) == .incident)
  }

  @Test func incidentOrderOnATableWithoutAUniqueIdIsRefused() throws {
    let table = try Server.loadTable()
    let copy = Server.freshTable("copy")
    let admin = try Server.adminConnection()
    try admin.execute("CREATE TABLE \"\(copy)\" AS SELECT * FROM \"\(table)\"", while: "test setup")
    try admin.execute("ALTER TABLE \"\(copy)\" OWNER TO revenant", while: "test setup")
    let input = ["validate", "--postgres", Server.url, "--table", copy]
    let refused = try runTool("incidents", input + ["--postgres-order", "incident"])
    #expect(refused.status == 2)
    #expect(
      refused.stderr
        == "Error: table \"\(copy)\" cannot be read: reading it incident by incident needs a unique index on \"id\" "
        + "(read it in table order: --postgres-order table)\n"
    )
    // auto reads it in table order, as the file.
    let auto = try runTool("incidents", input)
    #expect(auto.status == 0, "\(auto.stderr)")
  }

  @Test func aLoadOfTheSamplesIsTheSameInBothOrders() throws {
    let table = try Server.loadTable()
    func load(_ order: PostgresReadOrder) throws -> LoadedIncidents {
      try IncidentLoader.load(
        from: PostgresEventSource(connectionString: Server.url, table: PostgresTableName(name: table), order: order),
        options: LoadOptions(threads: 3), report: { _ in })
    }
    let byTable = try load(.table)
    let byIncident = try load(.incident)
    #expect(byIncident.snapshots.count == 240)
    #expect(byIncident.snapshots == byTable.snapshots)
    #expect(byIncident.summary.spilled == false)
    var summary = byIncident.summary
    summary.spilled = byTable.summary.spilled
    #expect(summary == byTable.summary)
  }
}

import EventSources
import Foundation
import IncidentModel
import PostgresSource
import ReplayEngine
import TestSupport
import Testing

/// The servers `scripts/with-postgres` starts for the suite.
enum Server {
  static let environment = ProcessInfo.processInfo.environment
  static let url = environment["RR_TEST_POSTGRES_URL"] ?? ""
  static let admin = environment["RR_TEST_POSTGRES_ADMIN_URL"] ?? ""
  static let disposable = environment["RR_TEST_POSTGRES_DISPOSABLE_URL"] ?? ""
  static let stopDisposable = environment["RR_TEST_POSTGRES_DISPOSABLE_STOP"] ?? ""
  static let isAvailable = !url.isEmpty

  /// A table name no other test uses.
  static func freshTable(_ prefix: String = "events") -> String { "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())" }

  static func adminConnection() throws -> PostgresConnection { try PostgresConnection(admin) }

  static let samples = Repository.path("samples/events.jsonl")

  /// Loads `file` into a new table of the main server and returns the table's name.
  static func loadTable(_ file: String = samples, name: String = freshTable()) throws -> String {
    let result = try runTool("incidents", ["import", "--postgres", url, "--table", name, "--create-table", "--events", file])
    // 1: broken lines of the file were left out (the broken-lines fixture has some).
    guard result.status == 0 || (result.status == 1 && result.stderr.contains("left out")) else {
      throw TestFailure("import failed: \(result.stderr)")
    }
    return name
  }
}

struct TestFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

@Suite("The test command provides PostgreSQL")
struct PostgresProvidedTests {
  @Test func ciNeverSkipsTheDatabaseTests() {
    // CI runs scripts/test, which starts the servers; without them these suites would be skipped silently.
    if Server.environment["CI"] != nil {
      #expect(Server.isAvailable, "RR_TEST_POSTGRES_URL is not set: run the tests through scripts/test")
    }
  }
}

@Suite("Reading IncidentEvents from PostgreSQL", .enabled(if: Server.isAvailable))
struct PostgresSourceTests {
  private func load(_ source: some EventSource) throws -> LoadedIncidents {
    try IncidentLoader.load(from: source, report: { _ in })
  }

  @Test func replaysTheSamplesExactlyAsTheJSONLinesFile() throws {
    let table = try Server.loadTable()
    let fromFile = try load(JSONLinesSource(paths: [Server.samples]))
    let fromTable = try load(PostgresEventSource(connectionString: Server.url, table: PostgresTableName(name: table)))
    #expect(fromTable.summary == fromFile.summary)
    #expect(fromTable.snapshots.count == 240)
    #expect(fromTable.snapshots == fromFile.snapshots)
  }

  @Test func validateReportsWhatItReportsForTheFile() throws {
    let table = try Server.loadTable()
    let fromTable = try runTool("incidents", ["validate", "--postgres", Server.url, "--table", table])
    let fromFile = try runTool("incidents", ["validate", "--events", "samples/events.jsonl"])
    #expect(fromTable.status == 0)
    let dropInputs = { (text: String) in text.split(separator: "\n").dropFirst().joined(separator: "\n") }
    #expect(dropInputs(fromTable.stdout) == dropInputs(fromFile.stdout))
    #expect(fromTable.stdout.hasPrefix("Inputs: PostgreSQL table \"\(table)\"\n"))
  }

  @Test(arguments: [
    EventFilter(orgId: "org_acme"),
    EventFilter(since: ts("2026-10-12T00:00:00Z")),
    EventFilter(until: ts("2026-10-05T12:30:00Z")),
    EventFilter(orgId: "org_globex", since: ts("2026-10-01T00:00:00Z"), until: ts("2026-10-20T00:00:00Z")),
  ])
  func pushesFiltersIntoTheQuery(filter: EventFilter) throws {
    let table = try Server.loadTable()
    let fromTable = try load(PostgresEventSource(connectionString: Server.url, table: PostgresTableName(name: table), filter: filter))
    let fromFile = try load(JSONLinesSource(paths: [Server.samples], filter: filter))
    #expect(fromTable.snapshots == fromFile.snapshots)
    // Counted independently from the raw lines.
    let lines = try String(contentsOfFile: Server.samples, encoding: .utf8).split(separator: "\n")
    let expected = lines.filter { line in
      let event = try? EventDecoder.decode(String(line))
      return event.map(filter.matches) ?? false
    }.count
    #expect(fromTable.summary.uniqueEvents == expected)
    #expect(expected > 0 && expected < lines.count)
  }

  /// The server's md5() picks the same incidents for a shard as the client does reading the file.
  @Test func aShardIsTheSameIncidentsFromTheTableAsFromTheFile() throws {
    let table = try Server.loadTable()
    var total = 0
    for index in 1...3 {
      let filter = EventFilter(shard: Shard(index: index, count: 3))
      let source = PostgresEventSource(connectionString: Server.url, table: PostgresTableName(name: table), filter: filter)
      #expect(source.query().0.contains("md5("), "the shard is filtered by the server")
      let fromTable = try load(source)
      let fromFile = try load(JSONLinesSource(paths: [Server.samples], filter: filter))
      #expect(fromTable.snapshots == fromFile.snapshots, "shard \(index)/3")
      #expect(!fromTable.snapshots.isEmpty)
      total += fromTable.snapshots.count
    }
    #expect(total == 240)
  }

  @Test func readsOneIncidentOnly() throws {
    let table = try Server.loadTable()
    let id = "inc_0001p7bd9"
    let source = PostgresEventSource(
      connectionString: Server.url, table: PostgresTableName(name: table), filter: EventFilter(incidentId: id))
    let loaded = try IncidentLoader.load(from: source, options: LoadOptions(detail: .full), report: { _ in })
    #expect(loaded.snapshots.map(\.incidentId) == [id])
    #expect(loaded.summary.recordsRead == loaded.snapshots[0].eventCount)
    let shown = try runTool("incidents", ["show", id, "--postgres", Server.url, "--table", table])
    #expect(shown.status == 0)
    #expect(shown.stdout.hasPrefix("Incident \(id) — media-cdn p99 latency above 2s in eu-west-1"))
  }

  @Test func quotesATableNameThatNeedsIt() throws {
    let schema = "rr test \(UUID().uuidString.prefix(6))"
    try Server.adminConnection().execute(
      "CREATE SCHEMA \(PostgresTableName(name: schema).quoted) AUTHORIZATION revenant", while: "test setup")
    let name = PostgresTableName(schema: schema, name: "Incident \"Events\".v2")
    #expect(name.quoted == "\"\(schema)\".\"Incident \"\"Events\"\".v2\"")
    #expect(try PostgresTableName(parsing: name.quoted) == name)
    _ = try Server.loadTable(name: name.quoted)
    let loaded = try load(PostgresEventSource(connectionString: Server.url, table: name))
    #expect(loaded.summary.uniqueEvents == (try sampleLineCount()))
  }

  @Test func recurringPatternsAreTheSameFromTheTableAsFromTheFile() throws {
    let table = try Server.loadTable()
    let period = ["--since", "2026-09-28", "--until", "2026-11-23", "--at", "2026-11-23", "--format", "json"]
    let fromTable = try runTool("reliability", ["patterns", "--postgres", Server.url, "--table", table] + period)
    let fromFile = try runTool("reliability", ["patterns", "--events", "samples/events.jsonl"] + period)
    #expect(fromTable.status == 0, "\(fromTable.stderr)")
    #expect(fromTable.stdout == fromFile.stdout)
    #expect(fromTable.stdout.contains("\"incidentsInPeriod\": 240"))
  }

  @Test func sloCheckIsTheSameFromTheTableAsFromTheFile() throws {
    let table = try Server.loadTable()
    let common = ["--slos", "samples/slos.yaml", "--at", "2026-11-23T00:00:00Z"]
    for format in ["table", "json", "junit", "markdown"] {
      let fromTable = try runTool("slo", ["check", "--postgres", Server.url, "--table", table, "--format", format] + common)
      let fromFile = try runTool("slo", ["check", "--events", "samples/events.jsonl", "--format", format] + common)
      #expect(fromTable.status == 1, "\(fromTable.stderr)")
      #expect(fromTable.stdout == fromFile.stdout, "\(format)")
    }
  }

  @Test func postmortemDraftsAreTheSameFromTheTable() throws {
    let table = try Server.loadTable()
    let options = ["--slos", "samples/slos.yaml", "--at", "2026-11-23T00:00:00Z"]
    let fromTable = try runTool("postmortem", ["draft", "inc_000534997", "--postgres", Server.url, "--table", table] + options)
    let fromFile = try runTool("postmortem", ["draft", "inc_000534997", "--events", "samples/events.jsonl"] + options)
    #expect(fromTable.status == 0, "\(fromTable.stderr)")
    // The same draft, digest included; only the source named in the footer differs.
    #expect(
      fromTable.stdout.replacingOccurrences(of: "PostgreSQL table \"\(table)\"", with: "samples/events.jsonl") == fromFile.stdout)
  }

  @Test func exportImportExportGivesTheSameBytes() throws {
    let table = try Server.loadTable()
    let dir = try TemporaryDirectory()
    let first = try runTool("incidents", ["export", "--postgres", Server.url, "--table", table, "--out", dir.path("1.jsonl")])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stderr == "exported \(try sampleLineCount()) event(s)\n")
    let copy = try Server.loadTable(dir.path("1.jsonl"))
    #expect(try runTool("incidents", ["export", "--postgres", Server.url, "--table", copy, "--out", dir.path("2.jsonl")]).status == 0)
    let one = try Data(contentsOf: URL(fileURLWithPath: dir.path("1.jsonl")))
    #expect(one == (try Data(contentsOf: URL(fileURLWithPath: dir.path("2.jsonl")))))
    // The export replays as the samples do.
    #expect(
      try load(JSONLinesSource(paths: [dir.path("1.jsonl")])).snapshots == (try load(JSONLinesSource(paths: [Server.samples]))).snapshots)
  }

  @Test func importSkipsIdsAlreadyPresent() throws {
    let dir = try TemporaryDirectory()
    let lines = try String(contentsOfFile: Server.samples, encoding: .utf8).split(separator: "\n").map(String.init)
    let half = try dir.write("half.jsonl", lines: Array(lines.prefix(3000)))
    let table = try Server.loadTable(half)
    let again = try runTool("incidents", ["import", "--postgres", Server.url, "--table", table, "--events", Server.samples])
    #expect(again.status == 0)
    #expect(again.stderr == "imported \(try sampleLineCount() - 3000) new event(s) into \"\(table)\"; 3000 already present\n")
  }

  @Test func aFailedImportLeavesTheTableAsItWas() throws {
    let table = try Server.loadTable(Repository.path("Tests/Fixtures/broken-lines.jsonl"))
    let count = { () throws -> String? in
      try PostgresConnection(Server.url).execute("SELECT count(*) FROM \(PostgresTableName(name: table).quoted)", while: "counting").string(
        row: 0, column: 0)
    }
    #expect(try count() == "4")
    let strict = try runTool(
      "incidents",
      ["import", "--strict", "--postgres", Server.url, "--table", table, "--events", Server.samples, "Tests/Fixtures/broken-lines.jsonl"])
    #expect(strict.status == 2)
    #expect(strict.stderr.contains("broken-lines.jsonl:3: event evt_3: invalid JSON"))
    #expect(try count() == "4", "the samples sent before the broken line were rolled back")
  }

  @Test func reportsARowWhosePayloadDoesNotDecodeByItsEventId() throws {
    let table = try Server.loadTable(Repository.path("Tests/Fixtures/broken-lines.jsonl"))
    try Server.adminConnection().execute(
      """
      INSERT INTO \(PostgresTableName(name: table).quoted) VALUES
        ('evt_bad', 'org_x', 'inc_a', '2026-11-02 10:20:00', 'INCIDENT_STATUS_CHANGED', '{"newStatus": "DONE"}')
      """, while: "test setup")
    let result = try runTool("incidents", ["validate", "--postgres", Server.url, "--table", table])
    #expect(result.status == 1)
    #expect(
      result.stderrLines.contains {
        $0.hasPrefix("table \"\(table)\" row ")
          && $0.hasSuffix(
            ": event evt_bad: field \"payload.newStatus\": \"DONE\" is not one of OPEN, INVESTIGATING, MITIGATED, RESOLVED, CANCELLED")
      }, "\(result.stderr)")
    let strict = try runTool("incidents", ["validate", "--strict", "--postgres", Server.url, "--table", table])
    #expect(strict.status == 2)
    #expect(strict.stderr.contains("event evt_bad: field \"payload.newStatus\""))
  }
}

@Suite("PostgreSQL failures: one line, exit 2, no partial output", .enabled(if: Server.isAvailable))
struct PostgresFailureTests {
  private var port: String { String(Server.url.split(separator: "@")[1].split(separator: "/")[0].split(separator: ":")[1]) }

  private func expectFailure(_ arguments: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let dir = try TemporaryDirectory()
    let result = try runTool("incidents", ["export"] + arguments + ["--out", dir.path("out.jsonl")])
    #expect(result.status == 2, sourceLocation: sourceLocation)
    #expect(result.stderr == "Error: \(message)\n", sourceLocation: sourceLocation)
    #expect(!result.stderr.contains("revenant-test-secret"), "no password in messages", sourceLocation: sourceLocation)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).isEmpty, "no partial output", sourceLocation: sourceLocation)
  }

  @Test func anUnreachableServer() throws {
    try expectFailure(
      ["--postgres", "postgres://revenant:revenant-test-secret@127.0.0.1:1/revenant_test"],
      "cannot connect to PostgreSQL (127.0.0.1:1, database revenant_test, user revenant): Connection refused; Is the server running on that host and accepting TCP/IP connections?"
    )
  }

  @Test func aWrongPassword() throws {
    try expectFailure(
      ["--postgres", "postgres://revenant:wrong@127.0.0.1:\(port)/revenant_test"],
      "cannot connect to PostgreSQL (127.0.0.1:\(port), database revenant_test, user revenant): password authentication failed for user \"revenant\""
    )
  }

  @Test func aMissingDatabase() throws {
    try expectFailure(
      ["--postgres", "postgres://revenant:revenant-test-secret@127.0.0.1:\(port)/no_such_db"],
      "cannot connect to PostgreSQL (127.0.0.1:\(port), database no_such_db, user revenant): database \"no_such_db\" does not exist")
  }

  @Test func aMissingTable() throws {
    try expectFailure(
      ["--postgres", Server.url, "--table", "analytics.NoSuchTable"],
      "table \"analytics\".\"NoSuchTable\" cannot be read: it does not exist in the database (check --table and the schema)")
  }

  @Test func aMissingColumn() throws {
    let table = Server.freshTable("nopayload")
    let admin = try Server.adminConnection()
    try admin.execute(
      "CREATE TABLE \"\(table)\" (id text, \"orgId\" text, \"incidentId\" text, ts timestamptz, type text)", while: "test setup")
    try admin.execute("GRANT SELECT ON \"\(table)\" TO revenant", while: "test setup")
    try expectFailure(["--postgres", Server.url, "--table", table], "table \"\(table)\" cannot be read: it has no column \"payload\"")
  }

  @Test func aColumnOfTheWrongType() throws {
    let table = Server.freshTable("badts")
    try Server.adminConnection().execute(
      "CREATE TABLE \"\(table)\" (id text, \"orgId\" text, \"incidentId\" text, ts bigint, type text, payload jsonb)", while: "test setup")
    try expectFailure(
      ["--postgres", Server.url, "--table", table],
      "table \"\(table)\" cannot be read: column \"ts\" is int8; expected timestamp or timestamptz")
  }

  @Test func permissionDenied() throws {
    let table = try Server.loadTable(Repository.path("Tests/Fixtures/broken-lines.jsonl"))
    let role = "reader_\(UUID().uuidString.prefix(6).lowercased())"
    let admin = try Server.adminConnection()
    try admin.execute("CREATE ROLE \(role) LOGIN PASSWORD 'reader-secret'", while: "test setup")
    try admin.execute("GRANT CONNECT ON DATABASE revenant_test TO \(role)", while: "test setup")
    try expectFailure(
      ["--postgres", "postgres://\(role):reader-secret@127.0.0.1:\(port)/revenant_test", "--table", table],
      "PostgreSQL error 42501 while reading events from \"\(table)\": permission denied for table \(table)")
  }

  @Test func anInvalidConnectionString() throws {
    try expectFailure(
      ["--postgres", "host=127.0.0.1 port"], "invalid --postgres connection string: missing \"=\" after \"port\" in connection info string")
  }
}

@Suite("The disposable server: a large table, then a dropped connection", .enabled(if: Server.isAvailable), .serialized)
struct PostgresLargeTableTests {
  /// Peak resident memory of a run, from GNU time.
  private func peakKilobytes(_ arguments: [String]) throws -> Int {
    let result = try runTool("/usr/bin/time", ["-f", "%M", TestTools.incidents] + arguments)
    #expect(result.status == 0, "\(result.stderr)")
    return Int(result.stderrLines.last ?? "") ?? -1
  }

  @Test func streamsA200kEventTableInBoundedMemoryThenReportsADroppedConnection() throws {
    let dir = try TemporaryDirectory()
    let large = dir.path("large.jsonl")
    let generated = try runTool(
      "incidents", ["generate", "--seed", "3", "--incidents", "7400", "--orgs", "3", "--weeks", "12", "--out", large])
    #expect(generated.status == 0)
    let lines = try String(contentsOfFile: large, encoding: .utf8).split(separator: "\n")
    #expect(lines.count > 200_000)
    let small = try dir.write("small.jsonl", lines: lines.prefix(2000).map(String.init))
    for (table, file) in [("large", large), ("small", small)] {
      let result = try runTool(
        "incidents", ["import", "--postgres", Server.disposable, "--table", table, "--create-table", "--events", file])
      #expect(result.status == 0, "\(result.stderr)")
    }

    // Exporting 100 times the rows takes (almost) no more memory: rows stream, one at a time.
    let smallPeak = try peakKilobytes(["export", "--postgres", Server.disposable, "--table", "small", "--out", dir.path("small.out")])
    let largePeak = try peakKilobytes(["export", "--postgres", Server.disposable, "--table", "large", "--out", dir.path("large.out")])
    #expect(largePeak - smallPeak < 16 * 1024, "peak RSS \(smallPeak) kB for 2000 rows, \(largePeak) kB for \(lines.count)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path("large.out"))).count > 50_000_000)

    // Stop the server in the middle of a read.
    var rows = 0
    let source = PostgresEventSource(connectionString: Server.disposable, table: PostgresTableName(name: "large"))
    #expect {
      try source.read(
        event: { _, _ in
          rows += 1
          if rows == 1000 {
            let stop = try runTool("/bin/sh", ["-c", Server.stopDisposable])
            #expect(stop.status == 0, "\(stop.stderr)")
          }
        }, broken: { _, _ in })
    } throws: { error in
      guard case PostgresError.connectionLost(let action, _) = error else { return false }
      return action == "reading events from \"large\""
    }
    #expect(rows >= 1000 && rows < lines.count)
  }
}

/// The samples' lines, counted from the file: each is one distinct event.
private func sampleLineCount() throws -> Int {
  try String(contentsOfFile: Repository.path("samples/events.jsonl"), encoding: .utf8).split(separator: "\n").count
}

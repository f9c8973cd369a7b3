import EventSources
import Foundation
import PostgresSource
import TestSupport
import Testing

/// A table partitioned over two more servers (postgres_fdw, set up by `scripts/with-postgres`): every way of reading
/// it, whole or by shard, through the parent or from each shard's server, gives the bytes of one run.
@Suite("A partitioned database read by shards", .serialized, .enabled(if: ShardedDatabase.isAvailable))
struct ShardedDatabaseTests {
  static let at = "2026-11-23T06:00:00Z"

  /// The commands compared, each with the arguments of one output.
  static let commands: [(tool: String, arguments: [String])] = [
    ("incidents", ["validate", "--format", "json"]),
    ("slo", ["check", "--slos", "samples/slos.yaml", "--at", at, "--format", "junit"]),
    ("slo", ["report", "--slos", "samples/slos.yaml", "--at", at, "--format", "json", "--explain"]),
    ("reliability", ["patterns", "--at", at, "--format", "json", "--min-count", "1"]),
  ]

  /// Runs `tool arguments` once per shard of three with `input(k)`, each writing a partial, and merges them.
  private func merged(
    _ tool: String, _ arguments: [String], in dir: TemporaryDirectory, label: String, input: (Int) -> [String]
  ) throws -> CommandResult {
    var partials: [String] = []
    for k in 1...3 {
      let partial = dir.path("\(label)-\(k).partial")
      let result = try runTool(tool, arguments + input(k) + ["--shard", "\(k)/3", "--emit-partial", partial])
      #expect(result.status == 0, "\(tool) \(arguments) \(label) shard \(k): \(result.stderr)")
      partials.append(partial)
    }
    return try runTool(tool, arguments + ["--from-partials"] + partials.reversed())
  }

  @Test(arguments: ["samples", "dirty"])
  func everyWayOfReadingTheShardsGivesTheBytesOfOneRun(stream: String) throws {
    let dir = try TemporaryDirectory()
    var file = Repository.path("samples/events.jsonl")
    if stream == "dirty" {
      file = dir.path("dirty.jsonl")
      let generated = try runTool(
        "incidents", ["generate", "--dirty", "--seed", "17", "--incidents", "300", "--weeks", "6", "--out", file])
      #expect(generated.status == 0, "\(generated.stderr)")
    }
    try ShardedDatabase.replaceContent(with: file)

    // Each shard's server holds exactly the incidents of its shard, whole.
    let parent = ["--postgres", ShardedDatabase.parent]
    for k in 1...3 {
      let viaParent = try runTool("incidents", ["export"] + parent + ["--shard", "\(k)/3"])
      let direct = try runTool("incidents", ["export", "--postgres", ShardedDatabase.shards[k - 1]])
      #expect(viaParent.status == 0 && direct.status == 0, "\(viaParent.stderr) \(direct.stderr)")
      #expect(!direct.stdout.isEmpty)
      #expect(Set(direct.stdout.split(separator: "\n")) == Set(viaParent.stdout.split(separator: "\n")), "shard \(k)/3")
    }

    for (tool, arguments) in Self.commands {
      let whole = try runTool(tool, arguments + parent)
      #expect(!whole.stdout.isEmpty, "\(tool) \(arguments): \(whole.stderr)")
      let throughParent = try merged(tool, arguments, in: dir, label: "parent") { _ in parent }
      let fromEachServer = try merged(tool, arguments, in: dir, label: "servers") { k in
        ["--postgres", ShardedDatabase.shards[k - 1]]
      }
      for (label, result) in [("through the parent", throughParent), ("from each server", fromEachServer)] {
        #expect(result.status == whole.status, "\(tool) \(arguments) \(label): \(result.stderr)")
        #expect(result.stdout == whole.stdout, "\(tool) \(arguments) \(label)")
      }
      // The file the table was loaded from, in shards: the same figures (validate names its input, and counts the
      // lines the import left out).
      guard tool != "incidents" else { continue }
      let fromFile = try merged(tool, arguments, in: dir, label: "file") { _ in ["--events", file] }
      #expect(fromFile.stdout == whole.stdout, "\(tool) \(arguments) from the file's shards")
      #expect(fromFile.status == whole.status)
    }
  }

  /// The weekly workbooks and summaries, from the parent whole and merged from each shard's server.
  @Test func weeklyReportsFromTheShardsServersAreByteIdentical() throws {
    let dir = try TemporaryDirectory()
    try ShardedDatabase.replaceContent(with: Repository.path("samples/events.jsonl"))
    let weekly = ["weekly", "--slos", "samples/slos.yaml", "--at", Self.at, "--week", "2026-W46"]
    let whole = try runTool("reliability", weekly + ["--postgres", ShardedDatabase.parent, "--out-dir", dir.path("whole")])
    #expect(whole.status == 0, "\(whole.stderr)")
    let merged = try merged("reliability", weekly + ["--out-dir", dir.path("merged")], in: dir, label: "weekly") { k in
      ["--postgres", ShardedDatabase.shards[k - 1]]
    }
    #expect(merged.status == 0, "\(merged.stderr)")
    func files(_ name: String) throws -> [String: Data] {
      let directory = URL(fileURLWithPath: dir.path(name))
      return try Dictionary(
        uniqueKeysWithValues: FileManager.default.contentsOfDirectory(atPath: directory.path).map {
          ($0, try Data(contentsOf: directory.appendingPathComponent($0)))
        })
    }
    #expect(try files("whole").count == 4)
    #expect(try files("merged") == files("whole"))
  }

  /// The shard predicate is the partition key with the bound values in it: the server reads one partition.
  @Test func aShardReadsOnlyItsOwnPartition() throws {
    let connection = try PostgresConnection(ShardedDatabase.parent)
    for k in 1...3 {
      let sql = #"EXPLAIN (COSTS OFF) SELECT "id" FROM "IncidentEvent" WHERE "# + Shard.sqlPredicate(count: "$1", index: "$2")
      let plan = try connection.execute(sql, ["3", "\(k)"], while: "explaining a shard's query")
      let lines = (0..<plan.rowCount).compactMap { plan.string(row: $0, column: 0) }
      #expect(lines.filter { $0.contains("Foreign Scan") }.count == 1, "\(lines.joined(separator: "\n"))")
      #expect(lines.contains { $0.contains("IncidentEvent_shard\(k)") }, "\(lines.joined(separator: "\n"))")
    }
  }
}

/// The partitioned database `scripts/with-postgres` starts.
enum ShardedDatabase {
  static let parent = Server.environment["RR_TEST_POSTGRES_SHARDED_URL"] ?? ""
  static let shards = (Server.environment["RR_TEST_POSTGRES_SHARD_URLS"] ?? "").split(separator: " ").map(String.init)
  static var isAvailable: Bool { !parent.isEmpty && shards.count == 3 }

  /// Empties the partitioned table (on every shard's server) and imports `file` through the parent.
  static func replaceContent(with file: String) throws {
    let connection = try PostgresConnection(parent)
    _ = try connection.execute(#"TRUNCATE "IncidentEvent""#, while: "emptying the partitioned table")
    let result = try runTool("incidents", ["import", "--postgres", parent, "--events", file])
    guard result.status == 0 || (result.status == 1 && result.stderr.contains("left out")) else {
      throw TestFailure("import through the parent failed: \(result.stderr)")
    }
  }
}

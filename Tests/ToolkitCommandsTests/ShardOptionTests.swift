import Foundation
import TestSupport
import Testing

@Suite("--shard K/N")
struct ShardOptionTests {
  /// The lines of `incidents export --shard k/3`, for each k: together the samples' lines, each once, and whole incidents.
  @Test func exportedShardsSplitTheSamplesIntoWholeIncidents() throws {
    let samples = try String(contentsOfFile: Repository.path("samples/events.jsonl"), encoding: .utf8)
    let all = samples.split(separator: "\n").map(String.init)
    var shardOfIncident: [String: Int] = [:]
    var exported: [String] = []
    for shard in 1...3 {
      let result = try runTool("incidents", ["export", "--events", "samples/events.jsonl", "--shard", "\(shard)/3"])
      #expect(result.status == 0, "\(result.stderr)")
      let lines = result.stdout.split(separator: "\n").map(String.init)
      #expect(!lines.isEmpty)
      for line in lines {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let incident = "\(object["orgId"] ?? "")/\(object["incidentId"] ?? "")"
        #expect(shardOfIncident[incident, default: shard] == shard, "\(incident) is in two shards")
        shardOfIncident[incident] = shard
      }
      exported += lines
    }
    #expect(shardOfIncident.count == 240)
    // Export writes each event as it replays, not the line as read: compare the events, not the bytes.
    func events(_ lines: [String]) throws -> [NSDictionary] {
      try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? NSDictionary) }
        .sorted { "\($0["id"] ?? "")" < "\($1["id"] ?? "")" }
    }
    #expect(try events(exported) == events(all))
  }

  @Test(arguments: ["0/3", "4/3", "2", "1/0", "x/y"])
  func aShardOutsideItsCountIsAUsageError(shard: String) throws {
    let result = try runTool("incidents", ["validate", "--events", "samples/events.jsonl", "--shard", shard])
    #expect(result.status == 2)
    #expect(result.stderr.contains("'--shard' must be K/N"), "\(result.stderr)")
    #expect(result.stdout.isEmpty)
  }
}

import EventSources
import Foundation
import IncidentModel
import ReplayEngine
import TestSupport
import Testing

@Suite("Shards of the incidents")
struct ShardTests {
  /// Worked out apart from the toolkit, with Python's hashlib:
  /// `int(hashlib.md5((org + "\x1f" + incident).encode()).hexdigest()[:15], 16)`.
  @Test(arguments: [
    ("org_a", "inc_1", UInt64(562_926_600_015_367_668)),
    ("org_b", "inc_000006287", UInt64(108_735_613_104_555_974)),
    ("örg", "ïnc/1", UInt64(627_542_384_350_721_027)),
  ])
  func theHashIsTheFirst60BitsOfMD5(org: String, incident: String, expected: UInt64) {
    var org = org
    var incident = incident
    let hash = org.withUTF8 { org in incident.withUTF8 { Shard.hash(orgBytes: org, incidentBytes: $0) } }
    #expect(hash == expected)
    for count in [1, 2, 3, 7, 64] {
      let members = (1...count).filter { Shard(index: $0, count: count)!.contains(orgId: org, incidentId: incident) }
      #expect(members == [Int(expected % UInt64(count)) + 1], "\(count) shards")
    }
  }

  @Test func parsesKOfNAndRefusesTheRest() {
    #expect(Shard(parsing: "2/3") == Shard(index: 2, count: 3))
    #expect(Shard(parsing: "1/1")?.count == 1)
    for bad in ["0/3", "4/3", "3", "1/0", "-1/2", "a/b", "1/2/3", "", "1/65537"] {
      #expect(Shard(parsing: bad) == nil, "\(bad)")
    }
  }

  /// Every incident of the samples falls in exactly one shard, whole, on both decoding paths (compact and full).
  @Test(arguments: [2, 3, 7])
  func theShardsOfTheSamplesPartitionItsIncidents(count: Int) throws {
    func load(_ shard: Shard?, detail: EventDetail) throws -> LoadedIncidents {
      try IncidentLoader.load(
        from: JSONLinesSource(paths: [Repository.path("samples/events.jsonl")], filter: EventFilter(shard: shard)),
        options: LoadOptions(detail: detail), report: { _ in })
    }
    for detail in [EventDetail.analytics, .full] {
      let whole = try load(nil, detail: detail)
      var seen: [IncidentSnapshot] = []
      for index in 1...count {
        let part = try load(Shard(index: index, count: count), detail: detail)
        #expect(!part.snapshots.isEmpty, "shard \(index)/\(count) is empty")
        seen += part.snapshots
      }
      let byId = { (a: IncidentSnapshot, b: IncidentSnapshot) in (a.orgId, a.incidentId) < (b.orgId, b.incidentId) }
      #expect(seen.sorted(by: byId) == whole.snapshots.sorted(by: byId))
    }
  }
}

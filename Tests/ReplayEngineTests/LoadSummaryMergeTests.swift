import IncidentModel
import Testing

@testable import ReplayEngine

/// The summaries of a sharded run's shards merge into what one run counts.
@Suite("Load summaries of shards")
struct LoadSummaryMergeTests {
  private func broken(_ line: Int64, _ reason: String = "invalid JSON") -> SkippedRecord {
    SkippedRecord(reason: reason, broken: true, origin: EventOrigin(input: 0, record: line), location: "events.jsonl:\(line)")
  }

  /// One shard's summary: every shard saw the same broken lines 3 and 9; shard-owned counts differ.
  private func shard(events: Int, conflictAt line: Int64?, org: String, types: [String: Int]) -> LoadSummary {
    var summary = LoadSummary()
    summary.eventsDecoded = events
    summary.uniqueEvents = events - 1
    summary.exactDuplicates = 1
    summary.eventsByType = types
    summary.incidents = events / 10
    summary.orgs = [org]
    summary.skippedRecords = [broken(3), broken(9, "missing field")]
    if let line {
      summary.skippedRecords.insert(
        SkippedRecord(
          reason: "conflicting duplicate", broken: false, origin: EventOrigin(input: 0, record: line), location: "events.jsonl:\(line)"),
        at: line < 3 ? 0 : line < 9 ? 1 : 2)
      summary.conflictingDuplicates = 1
    }
    summary.brokenRecords = 2
    summary.recordsRead = events + 2
    return summary
  }

  @Test func brokenLinesCountOnceAndWhatShardsOwnAddsUp() {
    let shards = [
      shard(events: 40, conflictAt: 7, org: "org_b", types: ["A": 30, "B": 10]),
      shard(events: 25, conflictAt: nil, org: "org_a", types: ["A": 25]),
      shard(events: 31, conflictAt: 12, org: "org_a", types: ["B": 30, "X": 1]),
    ]
    var merged = LoadSummary()
    for summary in shards { merged.merge(shard: summary) }
    // Worked out by hand: events add (96), the two broken lines count once, the two conflicts are each one shard's.
    #expect(merged.eventsDecoded == 96)
    #expect(merged.brokenRecords == 2)
    #expect(merged.conflictingDuplicates == 2)
    #expect(merged.recordsRead == 98)
    #expect(merged.skipped == 4)
    #expect(merged.uniqueEvents == 93)
    #expect(merged.exactDuplicates == 3)
    #expect(merged.incidents == 4 + 2 + 3)
    #expect(merged.orgs == ["org_a", "org_b"])
    #expect(merged.eventsByType == ["A": 55, "B": 40, "X": 1])
    #expect(merged.skippedRecords.map(\.location) == ["events.jsonl:3", "events.jsonl:7", "events.jsonl:9", "events.jsonl:12"])
    #expect(merged.skippedByReason["invalid JSON"] == ["events.jsonl:3"])

    // Any order and any grouping give the same summary.
    for order in [[2, 0, 1], [1, 2, 0], [0, 2, 1]] {
      var other = LoadSummary()
      for index in order { other.merge(shard: shards[index]) }
      #expect(other == merged)
    }
    var pair = LoadSummary()
    pair.merge(shard: shards[1])
    pair.merge(shard: shards[2])
    var grouped = LoadSummary()
    grouped.merge(shard: shards[0])
    grouped.merge(shard: pair)
    #expect(grouped == merged)
  }
}

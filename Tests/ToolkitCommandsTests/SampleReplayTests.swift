import EventSources
import Foundation
import IncidentModel
import ReplayEngine
import TestSupport
import Testing

/// The committed samples, replayed, against figures from `Tests/Fixtures/independent_figures.py`:
/// a second implementation of the replay rules, in Python, written from `events.md` alone.
@Suite("Replay of the committed samples matches an independent computation")
struct SampleReplayTests {
  let figures: [String: Any]
  let loaded: LoadedIncidents

  init() throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: Repository.path("Tests/Fixtures/sample-figures.json")))
    figures = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    loaded = try IncidentLoader.load(from: JSONLinesSource(paths: [Repository.path("samples/events.jsonl")]), report: { _ in })
  }

  private func counts<Key: Hashable>(_ keys: [Key]) -> [Key: Int] {
    keys.reduce(into: [:]) { $0[$1, default: 0] += 1 }
  }

  private func figure(_ name: String) -> [String: Int] { (figures[name] as? [String: Int]) ?? [:] }

  private func pair(_ name: String) -> (count: Int, sumMs: Int64) {
    let object = figures[name] as? [String: Int] ?? [:]
    return (object["count"] ?? -1, Int64(object["sumMs"] ?? -1))
  }

  @Test func readsEveryRecordOfTheSamples() {
    #expect(loaded.summary.skipped == 0)
    #expect(loaded.summary.unknownTypeEvents == 0)
    #expect(loaded.summary.incidents == figures["incidents"] as? Int)
    #expect(loaded.summary.uniqueEvents == figures["uniqueEvents"] as? Int)
    #expect(loaded.summary.eventsByType == figure("eventsByType"))
  }

  @Test func finalStatesMatch() {
    let snapshots = loaded.snapshots
    #expect(counts(snapshots.map(\.orgId)) == figure("incidentsPerOrg"))
    #expect(counts(snapshots.map(\.status.rawValue)) == figure("finalStatus"))
    #expect(counts(snapshots.compactMap(\.severity?.rawValue)) == figure("finalSeverity"))
    #expect(snapshots.reduce(0) { $0 + $1.reopenCount } == figures["reopenTotal"] as? Int)
    #expect(snapshots.filter { $0.reopenCount > 0 }.count == figures["reopenedIncidents"] as? Int)
    #expect(snapshots.filter { $0.severityHistory.count > 1 }.count == figures["incidentsWithSeverityChanges"] as? Int)
  }

  @Test func lifecycleDurationsMatch() {
    let lifecycles = loaded.snapshots.map(\.lifecycle)
    let acknowledged = lifecycles.compactMap(\.timeToAcknowledge)
    let mitigated = lifecycles.compactMap(\.timeToMitigate)
    let resolved = lifecycles.compactMap(\.timeToResolve)
    #expect((acknowledged.count, acknowledged.reduce(0, +)) == pair("acknowledged"))
    #expect((mitigated.count, mitigated.reduce(0, +)) == pair("mitigated"))
    #expect((resolved.count, resolved.reduce(0, +)) == pair("resolved"))
  }

  @Test func requestCountsAndCorrelationKeysMatch() {
    var requests: [String: [String: Int]] = [:]
    var keys: [String: Int] = [:]
    for snapshot in loaded.snapshots {
      for sample in snapshot.requestSamples {
        let key = "\(snapshot.orgId)/\(sample.serviceName ?? "?")"
        requests[key, default: ["good": 0, "total": 0]]["good", default: 0] += Int(sample.good)
        requests[key, default: ["good": 0, "total": 0]]["total", default: 0] += Int(sample.total)
      }
      for key in snapshot.correlationKeys {
        keys["\(snapshot.orgId)/\(snapshot.serviceName ?? "?")/\(key)", default: 0] += 1
      }
    }
    #expect(requests == (figures["requestsByOrgService"] as? [String: [String: Int]] ?? [:]))
    #expect(keys == figure("incidentsByOrgServiceKey"))
  }
}

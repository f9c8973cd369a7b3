import Foundation
import IncidentModel
import ReliabilityReport
import TestSupport
import Testing

@Suite("The weekly Timeline: streamed in order, or sorted in memory")
struct WeeklyTimelineTests {
  private func row(_ ms: Int64, _ line: Int64) -> TimelineRow {
    TimelineRow(
      ts: Timestamp(millisecondsSinceEpoch: ms), origin: EventOrigin(input: 0, record: line), incidentId: "i", serviceName: "s",
      type: "t", description: "d", eventId: "e\(line)")
  }

  @Test func aWindowSortsANearlySortedStream() {
    // Times out of order by up to three places, two events at the same instant.
    let times: [Int64] = [3, 1, 2, 6, 4, 5, 9, 7, 8, 8, 10]
    var order = TimelineOrder(window: 4)
    var emitted: [TimelineRow] = []
    for (line, ms) in times.enumerated() { #expect(order.add(row(ms, Int64(line + 1))) { emitted.append($0) }) }
    order.finish { emitted.append($0) }
    #expect(emitted.map(\.ts.millisecondsSinceEpoch) == times.sorted())
    #expect(emitted.filter { $0.ts.millisecondsSinceEpoch == 8 }.map(\.origin.record) == [9, 10])
  }

  @Test func saysWhenARowComesTooLate() {
    var order = TimelineOrder(window: 2)
    var emitted: [Int64] = []
    for (line, ms) in [Int64(5), 6, 7, 8].enumerated() {
      #expect(order.add(row(ms, Int64(line + 1))) { emitted.append($0.ts.millisecondsSinceEpoch) })
    }
    #expect(emitted == [5, 6])
    #expect(!order.add(row(1, 9)) { emitted.append($0.ts.millisecondsSinceEpoch) })
  }

  /// The Timeline sheet's rows (time, incident, service, type, description, event), sorted.
  private func timelineRows(_ directory: String) throws -> [[String]] {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".xlsx") }.sorted()
    var rows: [[String]] = []
    for name in names {
      let cells = try ReadBackWorkbook(path: "\(directory)/\(name)").cells(sheet: 6)
      var index = 2
      while let time = cells["A\(index)"] {
        rows.append([name, time] + ["B", "C", "D", "E", "F"].map { cells["\($0)\(index)"] ?? "" })
        index += 1
      }
    }
    return rows.sorted { $0.lexicographicallyPrecedes($1) }
  }

  @Test func anInputOutOfTimeOrderGivesTheSameTimeline() throws {
    let dir = try TemporaryDirectory()
    let ordered = dir.path("ordered.jsonl")
    let generated = try runTool(
      "incidents",
      ["generate", "--seed", "5", "--incidents", "1500", "--orgs", "1", "--weeks", "3", "--start", "2026-11-02", "--out", ordered])
    #expect(generated.status == 0, "\(generated.stderr)")
    // The same events with the first half moved to the end: out of time order by more than a week of events.
    let lines = try String(contentsOfFile: ordered, encoding: .utf8).split(separator: "\n")
    let rotated = dir.path("rotated.jsonl")
    try (lines[(lines.count / 2)...] + lines[..<(lines.count / 2)]).joined(separator: "\n").write(
      toFile: rotated, atomically: true, encoding: .utf8)
    var results: [(stderr: String, rows: [[String]])] = []
    for events in [ordered, rotated] {
      let out = dir.path("out-\((events as NSString).lastPathComponent)")
      let result = try runTool(
        "reliability",
        [
          "weekly", "--events", events, "--slos", "samples/slos.yaml", "--week", "2026-W46", "--at", "2026-11-23T00:00:00Z", "--out-dir",
          out,
        ])
      #expect(result.status == 0, "\(result.stderr)")
      results.append((result.stderr, try timelineRows(out)))
    }
    #expect(!results[0].stderr.contains("not in time order"))
    #expect(results[1].stderr.contains("the input is not in time order"))
    #expect(results[0].rows.count > 1000)
    #expect(results[0].rows == results[1].rows)
  }
}

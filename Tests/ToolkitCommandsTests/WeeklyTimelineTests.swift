import Foundation
import IncidentModel
import ReliabilityReport
import TestSupport
import Testing

@Suite("The weekly Timeline: every event of the period in time order, whatever the order of the input")
struct WeeklyTimelineTests {
  /// The Timeline sheet's rows (time, incident, service, type, description, event), sorted.
  private func timelineRows(_ directory: String) throws -> [[String]] {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".xlsx") }.sorted()
    var rows: [[String]] = []
    for name in names {
      let cells = try ReadBackWorkbook(path: "\(directory)/\(name)").cells("Timeline")
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
    // One read either way: the rows come from sorted runs, not from a second pass over the input.
    #expect(results[0].stderr == results[1].stderr.replacingOccurrences(of: "rotated", with: "ordered"))
    #expect(results[0].rows.count > 1000)
    #expect(results[0].rows == results[1].rows)
  }
}

@Suite("The weekly Incidents sheet: every incident created in the period, by creation time, from runs on disk")
struct WeeklyIncidentsSheetTests {
  @Test func aWeekOfHundredsOfIncidentsListsEachOnceInCreationOrderWhateverTheMemoryLimit() throws {
    let dir = try TemporaryDirectory()
    let events = dir.path("events.jsonl")
    let generated = try runTool(
      "incidents",
      ["generate", "--seed", "9", "--incidents", "1500", "--orgs", "1", "--weeks", "3", "--start", "2026-11-02", "--out", events])
    #expect(generated.status == 0, "\(generated.stderr)")
    // Worked out from the stream alone: the incidents whose INCIDENT_CREATED falls in W46 (a clean stream has one each).
    var expected: [(ts: String, id: String)] = []
    for line in try String(contentsOfFile: events, encoding: .utf8).split(separator: "\n") {
      let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      guard object["type"] as? String == "INCIDENT_CREATED", let ts = object["ts"] as? String,
        ts >= "2026-11-09T00:00:00", ts < "2026-11-16T00:00:00"
      else { continue }
      expected.append((ts, try #require(object["incidentId"] as? String)))
    }
    expected.sort { ($0.ts, $0.id) < ($1.ts, $1.id) }
    // Runs hold at least 256 rows: with a tiny limit on one thread the week's rows come from several runs merged.
    #expect(expected.count > 2 * 256)
    var workbooks: [Data] = []
    for split in [[], ["--memory-limit", "1K", "--threads", "1", "--partitions", "7"], ["--memory-limit", "1K", "--threads", "3"]] {
      let out = dir.path("out-\(workbooks.count)")
      let result = try runTool(
        "reliability",
        [
          "weekly", "--events", events, "--slos", "samples/slos.yaml", "--week", "2026-W46", "--at", "2026-11-23T00:00:00Z", "--out-dir",
          out,
        ]
          + split)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stderr.contains("(\(expected.count) incidents,"), "\(result.stderr)")
      let path = try #require(try FileManager.default.contentsOfDirectory(atPath: out).first { $0.hasSuffix(".xlsx") })
      workbooks.append(try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(path)")))
      let cells = try ReadBackWorkbook(path: "\(out)/\(path)").cells("Incidents")
      var listed: [String] = []
      var index = 2
      while let id = cells["A\(index)"] {
        listed.append(id)
        index += 1
      }
      #expect(listed == expected.map(\.id))
    }
    #expect(workbooks[0] == workbooks[1] && workbooks[0] == workbooks[2])
  }
}

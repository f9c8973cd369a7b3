import Foundation
import SWXMLHash
import TestSupport
import Testing
import ZIPFoundation

/// A written workbook, read back as any XLSX reader would: unzip, parse the XML.
struct ReadBackWorkbook {
  let files: [String: String]

  init(path: String) throws {
    let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    var files: [String: String] = [:]
    for entry in archive {
      var data = Data()
      _ = try archive.extract(entry) { data.append($0) }
      files[entry.path] = String(decoding: data, as: UTF8.self)
    }
    self.files = files
  }

  var sheetNames: [String] {
    XMLHash.parse(files["xl/workbook.xml"] ?? "")["workbook"]["sheets"]["sheet"].all.compactMap { $0.element?.attribute(by: "name")?.text }
  }

  /// Cells of the n-th sheet (1-based) by reference: `["A1": "SLO", "P2": "1.38"]`.
  func cells(sheet: Int) -> [String: String] {
    var cells: [String: String] = [:]
    let xml = XMLHash.parse(files["xl/worksheets/sheet\(sheet).xml"] ?? "")
    for row in xml["worksheet"]["sheetData"]["row"].all {
      for cell in row["c"].all {
        guard let reference = cell.element?.attribute(by: "r")?.text else { continue }
        cells[reference] = cell["v"].element?.text ?? cell["is"]["t"].element?.text ?? ""
      }
    }
    return cells
  }

  func rows(sheet: Int) -> Int { XMLHash.parse(files["xl/worksheets/sheet\(sheet).xml"] ?? "")["worksheet"]["sheetData"]["row"].all.count }
}

@Suite("reliability weekly", .serialized)
struct WeeklyReportTests {
  static let options = [
    "--events", "samples/events.jsonl", "--slos", "samples/slos.yaml", "--week", "2026-W47", "--at", "2026-11-23T06:00:00Z",
  ]

  private func write(_ dir: TemporaryDirectory) throws -> CommandResult {
    let result = try runTool("reliability", ["weekly"] + Self.options + ["--out-dir", dir.url.path])
    #expect(result.status == 0, "\(result.stderr)")
    return result
  }

  @Test func writesAWorkbookAndASummaryPerOrgAndPrintsTheirPaths() throws {
    let dir = try TemporaryDirectory()
    let result = try write(dir)
    let names = ["reliability-org_acme-2026-W47", "reliability-org_globex-2026-W47"]
    #expect(result.stdout == names.flatMap { ["\(dir.path("\($0).xlsx"))\n", "\(dir.path("\($0).md"))\n"] }.joined())
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == names.flatMap { ["\($0).md", "\($0).xlsx"] }.sorted())
    #expect(result.stderr.contains("reliability weekly: wrote \(dir.path("reliability-org_acme-2026-W47.xlsx")) ("))
  }

  @Test func aCalendarWeekSLOIsScoredOnTheReportedWeekNotTheNextOne() throws {
    let dir = try TemporaryDirectory()
    _ = try write(dir)
    let summary = try String(contentsOfFile: dir.path("reliability-org_globex-2026-W47.md"), encoding: .utf8)
    // W47 itself: 20m 51s of counted incident time against 1% of 7 days (100.8 min) is 20.7% of the budget,
    // as `slo report --at 2026-11-22T23:59:59.999Z` has it; the next week, W48, would be empty at its first instant.
    #expect(summary.contains("| `globex-search-availability-weekly` | search | 99.8% | 20.7% | 79.3% | 0.21 | MET |"), "\(summary)")
    let report = try runTool(
      "slo", ["report", "--events", "samples/events.jsonl", "--slos", "samples/slos.yaml", "--at", "2026-11-22T23:59:59.999Z"])
    #expect(report.stdout.contains("calendar ISO week (UTC)   99.7931%     99%     20m 51s      1h 40m    20.69%     79.31%  0.21  MET"))
  }

  @Test func twoRunsGiveIdenticalFiles() throws {
    let first = try TemporaryDirectory()
    let second = try TemporaryDirectory()
    _ = try write(first)
    _ = try write(second)
    for name in ["reliability-org_acme-2026-W47.xlsx", "reliability-org_acme-2026-W47.md", "reliability-org_globex-2026-W47.xlsx"] {
      let a = try Data(contentsOf: URL(fileURLWithPath: first.path(name)))
      #expect(a == (try Data(contentsOf: URL(fileURLWithPath: second.path(name)))), "\(name)")
    }
  }

  @Test func theSLOSheetHoldsWhatSLOReportPrints() throws {
    let dir = try TemporaryDirectory()
    _ = try write(dir)
    let book = try ReadBackWorkbook(path: dir.path("reliability-org_acme-2026-W47.xlsx"))
    #expect(book.sheetNames == ["Summary", "SLOs", "Budget burn", "Incidents", "Patterns", "Timeline"])
    // slo report at the end of the week.
    let report = try runTool(
      "slo",
      ["report", "--slos", "samples/slos.yaml", "--events", "samples/events.jsonl", "--at", "2026-11-23T00:00:00Z", "--format", "json"])
    let document = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
    let slos = try #require(document["slos"] as? [[String: Any]]).filter { $0["orgId"] as? String == "org_acme" }
    let cells = book.cells(sheet: 2)
    #expect(cells["A1"] == "SLO" && cells["P1"] == "Consumed" && cells["Q1"] == "Remaining")
    #expect(book.rows(sheet: 2) == slos.count + 1)
    for (index, slo) in slos.enumerated() {
      let row = index + 2
      #expect(cells["A\(row)"] == slo["name"] as? String)
      #expect(cells["U\(row)"] == slo["status"] as? String)
      // Raw figures (without budget adjustments) beside the adjusted ones: the same where none applied.
      let raw = slo["raw"] as? [String: Any] ?? slo
      let rawConsumed = raw["errorBudgetConsumed"] as? Double
      #expect(
        rawConsumed.map { abs($0 - (cells["Y\(row)"].flatMap(Double.init) ?? .nan)) < 1e-6 } ?? (cells["Y\(row)"] == nil),
        "\(slo["name"] ?? "") raw consumed")
      for (column, key) in [("N", "bad"), ("P", "errorBudgetConsumed"), ("Q", "errorBudgetRemaining")] {
        let expected = slo[key] as? Double
        let actual = cells["\(column)\(row)"].flatMap(Double.init)
        #expect(
          expected.map { abs(($0) - (actual ?? .nan)) < 1e-6 } ?? (actual == nil),
          "\(slo["name"] ?? "") \(key): \(String(describing: actual))")
      }
    }
    // Breached and at-risk budgets are highlighted; the header is frozen and filtered.
    let xml = book.files["xl/worksheets/sheet2.xml"] ?? ""
    #expect(xml.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"))
    #expect(xml.contains("<autoFilter ref=\"A1:AA8\"/>"))
    #expect(xml.contains("<conditionalFormatting sqref=\"Q2:Q8\"><cfRule type=\"cellIs\""))
    #expect(xml.contains("<formula>0</formula>") && xml.contains("<formula>0.25</formula>"))
  }

  @Test func theIncidentsPatternsAndTimelineSheetsMatchTheEvents() throws {
    let dir = try TemporaryDirectory()
    _ = try write(dir)
    let book = try ReadBackWorkbook(path: dir.path("reliability-org_acme-2026-W47.xlsx"))
    // Counted independently from the raw lines: acme's incidents created, and acme's events, in the week.
    let lines = try String(contentsOfFile: Repository.path("samples/events.jsonl"), encoding: .utf8).split(separator: "\n")
    let inWeek = lines.filter {
      $0.contains("\"orgId\":\"org_acme\"") && ($0.contains("\"ts\":\"2026-11-1") || $0.contains("\"ts\":\"2026-11-2"))
    }
    .filter { line in
      guard let range = line.range(of: #""ts":"[^"]+""#, options: .regularExpression) else { return false }
      let ts = String(line[range].dropFirst(6).dropLast())
      return ts >= "2026-11-16T00:00:00.000Z" && ts < "2026-11-23T00:00:00.000Z"
    }
    let created = inWeek.filter { $0.contains("\"type\":\"INCIDENT_CREATED\"") }
    #expect(book.rows(sheet: 4) == created.count + 1)
    #expect(book.rows(sheet: 6) == inWeek.count + 1)
    let timeline = book.cells(sheet: 6)
    #expect(timeline["A1"] == "Time (UTC)" && timeline["F1"] == "Event")
    // Excel serial dates: 2026-11-16T00:00Z is day 46342.
    let first = Double(timeline["A2"] ?? "") ?? 0
    #expect(first >= 46_342 && first < 46_349)

    let patterns = try runTool(
      "reliability",
      [
        "patterns", "--events", "samples/events.jsonl", "--week", "2026-W47", "--at", "2026-11-23T00:00:00Z", "--format", "json", "--org",
        "org_acme",
      ])
    let document = try #require(try JSONSerialization.jsonObject(with: Data(patterns.stdout.utf8)) as? [String: Any])
    let groups = try #require(document["groups"] as? [[String: Any]])
    #expect(book.rows(sheet: 5) == groups.count + 1)
    let summary = book.cells(sheet: 1)
    #expect(summary["A1"] == "Reliability report — org_acme, 2026-W47")
    #expect(summary["A6"] == "Incidents" && summary["B6"] == String(created.count))
  }

  @Test func drawsTheThreeCharts() throws {
    let dir = try TemporaryDirectory()
    _ = try write(dir)
    let book = try ReadBackWorkbook(path: dir.path("reliability-org_acme-2026-W47.xlsx"))
    let charts = book.files.keys.filter { $0.hasPrefix("xl/charts/chart") }.sorted()
    #expect(charts == ["xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/charts/chart3.xml"])
    let kinds = charts.map { path -> String in
      let xml = book.files[path] ?? ""
      return xml.contains("<c:lineChart>") ? "line" : xml.contains("<c:barDir val=\"bar\"/>") ? "bar" : "column"
    }
    #expect(kinds == ["column", "bar", "line"])
    #expect(book.files["xl/charts/chart1.xml"]?.contains("'Summary'!$A$") ?? false)
    #expect(book.files["xl/charts/chart3.xml"]?.contains("'Budget burn'!$B$") ?? false)
    let styles = book.files["xl/styles.xml"] ?? ""
    for format in ["0.00%", "[h]:mm:ss", "yyyy-mm-dd hh:mm:ss"] { #expect(styles.contains("formatCode=\"\(format)\""), "\(format)") }
    #expect(
      book.files["docProps/core.xml"]?.contains("<dcterms:created xsi:type=\"dcterms:W3CDTF\">2026-11-23T00:00:00Z</dcterms:created>")
        ?? false)
  }

  @Test func defaultsToTheLastCompleteWeekAndRejectsAMissingSLOFile() throws {
    let dir = try TemporaryDirectory()
    let result = try runTool(
      "reliability",
      [
        "weekly", "--events", "samples/events.jsonl", "--slos", "samples/slos.yaml", "--at", "2026-11-25T09:00:00Z", "--org", "org_globex",
        "--out-dir", dir.url.path,
      ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "\(dir.path("reliability-org_globex-2026-W47.xlsx"))\n\(dir.path("reliability-org_globex-2026-W47.md"))\n")
    let missing = try runTool(
      "reliability", ["weekly", "--events", "samples/events.jsonl", "--slos", "nope.yaml", "--out-dir", dir.url.path])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("'--slos' names nothing"))
  }
}

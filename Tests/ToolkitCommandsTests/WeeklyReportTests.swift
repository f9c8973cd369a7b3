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

  /// The file of the sheet named `name`, found as a reader does: workbook.xml's relationship id, then its target.
  func sheetPath(_ name: String) -> String {
    let sheet = XMLHash.parse(files["xl/workbook.xml"] ?? "")["workbook"]["sheets"]["sheet"].all.first {
      $0.element?.attribute(by: "name")?.text == name
    }
    let id = sheet?.element?.attribute(by: "r:id")?.text
    let target = relationships(of: "xl/workbook.xml").first { $0.id == id }?.target ?? ""
    return "xl/" + target
  }

  /// The XML of the sheet named `name`.
  func sheetXML(_ name: String) -> String { files[sheetPath(name)] ?? "" }

  /// A part's relationships (id and target, relative to the part's folder).
  func relationships(of part: String) -> [(id: String, target: String)] {
    let folder = (part as NSString).deletingLastPathComponent
    let file = (part as NSString).lastPathComponent
    return XMLHash.parse(files["\(folder)/_rels/\(file).rels"] ?? "")["Relationships"]["Relationship"].all.compactMap { relationship in
      guard let id = relationship.element?.attribute(by: "Id")?.text, let target = relationship.element?.attribute(by: "Target")?.text
      else { return nil }
      return (id, target)
    }
  }

  /// The XML of the parts a sheet refers to whose path contains `kind` (`tables/`, `drawings/`), in the sheet's order.
  func parts(of sheet: String, _ kind: String) -> [String] {
    let path = sheetPath(sheet)
    let folder = (path as NSString).deletingLastPathComponent
    return relationships(of: path).filter { $0.target.contains(kind) }.compactMap { relationship in
      // `../tables/table1.xml` from `xl/worksheets`: resolve the `..` as a reader does.
      var components = folder.split(separator: "/").map(String.init)
      for component in relationship.target.split(separator: "/") {
        if component == ".." { components.removeLast() } else { components.append(String(component)) }
      }
      return files[components.joined(separator: "/")]
    }
  }

  /// Cells of the sheet named `name` by reference: `["A1": "SLO", "P2": "1.38"]`; shared strings resolved.
  func cells(_ name: String) -> [String: String] {
    let strings = XMLHash.parse(files["xl/sharedStrings.xml"] ?? "")["sst"]["si"].all.map { $0["t"].element?.text ?? "" }
    var cells: [String: String] = [:]
    let xml = XMLHash.parse(sheetXML(name))
    for row in xml["worksheet"]["sheetData"]["row"].all {
      for cell in row["c"].all {
        guard let reference = cell.element?.attribute(by: "r")?.text else { continue }
        let value = cell["v"].element?.text ?? cell["is"]["t"].element?.text ?? ""
        let shared = cell.element?.attribute(by: "t")?.text == "s"
        cells[reference] = shared ? Int(value).flatMap { strings.indices.contains($0) ? strings[$0] : nil } ?? value : value
      }
    }
    return cells
  }

  func rows(_ name: String) -> Int { XMLHash.parse(sheetXML(name))["worksheet"]["sheetData"]["row"].all.count }

  /// Row numbers (1-based) the sheet marks hidden.
  func hiddenRows(_ name: String) -> Set<Int> {
    Set(
      XMLHash.parse(sheetXML(name))["worksheet"]["sheetData"]["row"].all.compactMap { row in
        row.element?.attribute(by: "hidden")?.text == "1" ? row.element?.attribute(by: "r").flatMap { Int($0.text) } : nil
      })
  }
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
    #expect(book.sheetNames == ["Summary", "Charts", "SLOs", "Budget burn", "Incidents", "Patterns", "Timeline", "About"])
    // slo report at the end of the week.
    let report = try runTool(
      "slo",
      ["report", "--slos", "samples/slos.yaml", "--events", "samples/events.jsonl", "--at", "2026-11-23T00:00:00Z", "--format", "json"])
    let document = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
    let slos = try #require(document["slos"] as? [[String: Any]]).filter { $0["orgId"] as? String == "org_acme" }
    let cells = book.cells("SLOs")
    #expect(cells["A1"] == "SLO" && cells["G1"] == "Consumed" && cells["H1"] == "Remaining" && cells["K1"] == "Bad time")
    #expect(cells["M1"] == "Bad requests")
    #expect(book.rows("SLOs") == slos.count + 1)
    func number(_ reference: String) -> Double? { cells[reference].flatMap(Double.init) }
    for (index, slo) in slos.enumerated() {
      let row = index + 2
      let name = slo["name"] as? String ?? ""
      #expect(cells["A\(row)"] == name)
      // The status as slo report has it; a met SLO under a quarter of its budget reads "at risk".
      let remaining = slo["errorBudgetRemaining"] as? Double
      let status = slo["status"] as? String
      #expect(cells["F\(row)"] == (status == "MET" && (remaining ?? 1) < 0.25 ? "MET (at risk)" : status), "\(name)")
      // Raw figures (without budget adjustments) beside the adjusted ones: the same where none applied.
      let raw = slo["raw"] as? [String: Any] ?? slo
      let rawConsumed = raw["errorBudgetConsumed"] as? Double
      #expect(rawConsumed.map { abs($0 - (number("W\(row)") ?? .nan)) < 1e-6 } ?? (cells["W\(row)"] == nil), "\(name) raw consumed")
      for (column, key) in [("G", "errorBudgetConsumed"), ("H", "errorBudgetRemaining")] {
        let expected = slo[key] as? Double
        let actual = number("\(column)\(row)")
        #expect(expected.map { abs($0 - (actual ?? .nan)) < 1e-6 } ?? (actual == nil), "\(name) \(key): \(String(describing: actual))")
      }
      // Durations as durations (days, as Excel keeps them) for time SLOs, requests as counts for ratio SLOs: never one column for both.
      let bad = try #require(slo["bad"] as? Double)
      if slo["unit"] as? String == "requests" {
        #expect(number("M\(row)") == bad && cells["K\(row)"] == nil, "\(name)")
      } else {
        #expect(abs((number("K\(row)") ?? .nan) - bad / 86_400_000) < 1e-9 && cells["M\(row)"] == nil, "\(name)")
      }
    }
    // Breached and at-risk budgets are highlighted; the header is frozen; the rows are an Excel table with a filter.
    let xml = book.sheetXML("SLOs")
    #expect(xml.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"))
    #expect(xml.contains("<conditionalFormatting sqref=\"H2:H8\"><cfRule type=\"cellIs\""))
    #expect(xml.contains("<formula>0</formula>") && xml.contains("<formula>0.25</formula>"))
    let tables = book.parts(of: "SLOs", "tables/")
    #expect(tables.count == 1)
    #expect(tables.first?.contains("ref=\"A1:Y8\"") ?? false)
    #expect(tables.first?.contains("<autoFilter ref=\"A1:Y8\"/>") ?? false)
    #expect(tables.first?.contains("<tableColumn id=\"8\" name=\"Remaining\"/>") ?? false)
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
    #expect(book.rows("Incidents") == created.count + 1)
    #expect(book.rows("Timeline") == inWeek.count + 1)
    let timeline = book.cells("Timeline")
    #expect(timeline["A1"] == "Time (UTC)" && timeline["F1"] == "Event")
    // Excel serial dates: 2026-11-16T00:00Z is day 46342.
    let first = Double(timeline["A2"] ?? "") ?? 0
    #expect(first >= 46_342 && first < 46_349)
    // The sheet opens (and prints) filtered to the milestones: every other row is hidden, and the filter says so.
    let hidden = book.hiddenRows("Timeline")
    let milestones = [
      "INCIDENT_CREATED", "INCIDENT_STATUS_CHANGED", "INCIDENT_SEVERITY_CHANGED", "INCIDENT_RESOLVED",
      "INCIDENT_SLO_VIOLATION_RECORDED", "INCIDENT_PLAYBOOK_ACTION_EXECUTED", "INCIDENT_LINKED_TO_TICKET",
    ]
    for row in 2...(inWeek.count + 1) {
      let type = timeline["D\(row)"] ?? ""
      #expect(hidden.contains(row) == !milestones.contains(type), "row \(row) \(type)")
    }
    let shown = inWeek.filter { line in milestones.contains { line.contains("\"type\":\"\($0)\"") } }.count
    #expect(inWeek.count - hidden.count == shown)
    let timelineXML = book.sheetXML("Timeline")
    #expect(timelineXML.contains("<autoFilter ref=\"A1:F\(inWeek.count + 1)\"><filterColumn colId=\"3\"><filters>"))
    for type in milestones { #expect(timelineXML.contains("<filter val=\"\(type)\"/>"), "\(type)") }

    let patterns = try runTool(
      "reliability",
      [
        "patterns", "--events", "samples/events.jsonl", "--week", "2026-W47", "--at", "2026-11-23T00:00:00Z", "--format", "json", "--org",
        "org_acme",
      ])
    let document = try #require(try JSONSerialization.jsonObject(with: Data(patterns.stdout.utf8)) as? [String: Any])
    let groups = try #require(document["groups"] as? [[String: Any]])
    #expect(book.rows("Patterns") == groups.count + 1)
    let summary = book.cells("Summary")
    #expect(summary["A1"] == "Reliability report — org_acme, 2026-W47")
    #expect(summary["A6"] == "Incidents" && summary["B6"] == String(created.count))
    // The period as dates, not text: 2026-11-16 and 2026-11-23 at midnight UTC.
    #expect(summary["B2"] == "46342" && summary["D2"] == "46349")
  }

  @Test func drawsTheThreeChartsWithReadableAxesAndCachedValues() throws {
    let dir = try TemporaryDirectory()
    _ = try write(dir)
    let book = try ReadBackWorkbook(path: dir.path("reliability-org_acme-2026-W47.xlsx"))
    // Every chart is on the Charts sheet, which holds nothing else to print.
    let drawings = book.parts(of: "Charts", "drawings/")
    #expect(drawings.count == 1)
    #expect(
      ["Summary", "SLOs", "Budget burn", "Incidents", "Patterns", "Timeline", "About"].allSatisfy {
        book.parts(of: $0, "drawings/").isEmpty
      })
    let charts = book.files.keys.filter { $0.hasPrefix("xl/charts/chart") }.sorted()
    #expect(charts == ["xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/charts/chart3.xml"])
    let xml = charts.map { book.files[$0] ?? "" }
    let kinds = xml.map { $0.contains("<c:lineChart>") ? "line" : $0.contains("<c:barDir val=\"bar\"/>") ? "bar" : "column" }
    #expect(kinds == ["column", "bar", "line"])
    // Values cached in the chart, as the cells hold them: acme had 2 incidents on auth-service, the first service listed.
    let summary = book.cells("Summary")
    for chart in xml { #expect(chart.contains("<c:numCache>")) }
    #expect(xml[0].contains("'Summary'!$B$") && xml[0].contains("<c:pt idx=\"0\"><c:v>\(summary["B17"] ?? "?")</c:v></c:pt>"))
    // Percent axes for budgets, day-month dates on the day-by-day axis, no legend for a single series.
    #expect(xml[1].contains("<c:numFmt formatCode=\"0%\" sourceLinked=\"0\"/>"))
    #expect(xml[2].contains("<c:numFmt formatCode=\"d mmm\" sourceLinked=\"0\"/>"))
    #expect(xml[2].contains("<c:numFmt formatCode=\"0%\" sourceLinked=\"0\"/>"))
    #expect(!xml[0].contains("<c:legend>") && !xml[1].contains("<c:legend>"))
    // The day-by-day chart draws the SLOs that matter (slo report's figures): breached, then at risk (under 25% left),
    // then the least budget left, at least three and at most six, with a legend.
    let report = try runTool(
      "slo",
      ["report", "--slos", "samples/slos.yaml", "--events", "samples/events.jsonl", "--at", "2026-11-23T00:00:00Z", "--format", "json"])
    let document = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
    let acme = try #require(document["slos"] as? [[String: Any]]).filter { $0["orgId"] as? String == "org_acme" }
    func rank(_ slo: [String: Any]) -> Int {
      slo["status"] as? String == "BREACHED" ? 0 : ((slo["errorBudgetRemaining"] as? Double ?? 1) < 0.25 ? 1 : 2)
    }
    let ordered = acme.sorted { a, b in
      (rank(a), a["errorBudgetRemaining"] as? Double ?? 1, a["name"] as? String ?? "")
        < (rank(b), b["errorBudgetRemaining"] as? Double ?? 1, b["name"] as? String ?? "")
    }
    let urgent = ordered.filter { rank($0) < 2 }.count
    let charted = ordered.prefix(min(6, max(3, urgent)))
    #expect(xml[2].components(separatedBy: "<c:ser>").count - 1 == charted.count)
    for slo in charted { #expect(xml[2].contains("<c:v>\(slo["name"] as? String ?? "?")</c:v>")) }
    #expect(xml[2].contains("<c:legend>"))
    // The budget bars are coloured by status: breached ones red.
    #expect(xml[1].contains("<c:dPt>") && xml[1].contains("<a:srgbClr val=\"C00000\"/>"))
    let styles = book.files["xl/styles.xml"] ?? ""
    for format in ["0.00%", "[h]:mm:ss", "yyyy-mm-dd hh:mm:ss", "#,##0"] {
      #expect(styles.contains("formatCode=\"\(format)\""), "\(format)")
    }
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
